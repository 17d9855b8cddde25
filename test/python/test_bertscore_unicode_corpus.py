"""bertscore/1/model.py under the pb_utils harness on the Unicode corpus against bert_score (slow by default, and
use_fast_tokenizer): goldens/bertscore-unicode-corpus.json, from the reference environment.

Every row within 1e-5 of the reference with its Unicode tables patched to 15.0.0, the version both
implementations use; and of the unpatched reference on every row where the two references agree (the others are
listed in the goldens as `differs_from_reference`: code points that Python 3.11's Unicode 14.0 or the regex
package's Unicode version see otherwise)."""

import json

import numpy as np
import pytest
from paths import GOLDENS, model_py
from pb_utils_harness import bytes_column, bytes_rows, execute, load_model, request

GOLDENS_FILE = json.loads((GOLDENS / "bertscore-unicode-corpus.json").read_text(encoding="utf-8"))
ROW_NAMES = GOLDENS_FILE["row_names"]
MINILM = "bertscore-all-MiniLM-L6-v2"


def _cases(models):
    return [(m, c) for m in models for c in GOLDENS_FILE["models"][m]["cases"]]


def _ids(value):
    return value if isinstance(value, str) else value["name"]


def _mismatches(model, repository, case) -> list[str]:
    references, counts = bytes_rows(case["refs"])
    parameters = {"idf": case["idf"], "use_fast_tokenizer": case["use_fast_tokenizer"]}
    req = request(parameters, CANDIDATE=bytes_column(case["cands"]), REFERENCE=references, REFERENCE_COUNT=counts)
    (response,) = execute(model, repository, [req])
    assert not response.has_error(), response.error().message()
    out = {t.name(): t.as_numpy()[:, 0] for t in response.output_tensors()}
    assert {h.decode() for h in out["HASH"]} == {case["hash"]}
    unicode_15 = case.get("unicode_15", case)
    differing = set(case.get("differs_from_reference", []))
    mismatches = []
    for output, key in (("PRECISION", "P"), ("RECALL", "R"), ("F1", "F")):
        for position, row in enumerate(case["rows"]):
            got = float(out[output][position])
            for expected, label in ((unicode_15[key][position], "Unicode 15.0"), (case[key][position], "unpatched")):
                if label == "unpatched" and row in differing:
                    continue
                if not (np.isnan(got) if expected is None else abs(got - expected) <= 1e-5):
                    mismatches.append(f"{key} of {ROW_NAMES[row]}: {got} vs {expected} ({label})")
    return mismatches


@pytest.fixture(scope="module")
def fixture_models(fixture_repository):
    return {name: load_model(fixture_repository, name, model_py("bertscore")) for name in ("bertscore", "bertscore-tiny-bert")}


@pytest.mark.parametrize(("model_name", "case"), _cases(["bertscore", "bertscore-tiny-bert"]), ids=_ids)
def test_fixture_encoders_match_bert_score(fixture_models, fixture_repository, model_name, case):
    assert _mismatches(fixture_models[model_name], fixture_repository, case) == []


@pytest.fixture(scope="module")
def minilm_model(minilm_repository):
    return load_model(minilm_repository, MINILM, model_py("bertscore"))


@pytest.mark.parametrize("case", GOLDENS_FILE["models"].get(MINILM, {"cases": []})["cases"], ids=_ids)
def test_minilm_matches_bert_score(minilm_model, minilm_repository, case):
    assert _mismatches(minilm_model, minilm_repository, case) == []


def test_rows_that_differ_from_the_unpatched_reference_are_the_unicode_rows():
    tokenizer_corpus = json.loads((GOLDENS / "tokenizer-corpus.json").read_text(encoding="utf-8"))
    explained = {i for i, row in enumerate(tokenizer_corpus["rows"]) if row["unicode_differences"]}
    listed = {row for model in GOLDENS_FILE["models"].values() for c in model["cases"]
              for row in c.get("differs_from_reference", [])}
    assert listed, "the corpus should hold code points new in Unicode 15.0"
    assert listed <= explained
