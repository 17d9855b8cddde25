"""bert_score's slow tokenizers under the real Triton: bertscore-all-MiniLM-L6-v2 of triton-models/ as shipped
imports bert_score_tokenizer.py from the repository root and reads bert_score_unicode.json and
bert_score_reference.json there. On the rows of the Unicode corpus where bert_score's slow and fast tokenizers give
different scores it must give bert_score's (goldens/bertscore-unicode-corpus.json): the slow one by default, the
fast one with use_fast_tokenizer, each with its hash, over HTTP and gRPC."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gpu_bridge_export.verify.triton_calls import TritonTexts

GOLDENS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "goldens" / "bertscore-unicode-corpus.json")
                     .read_text(encoding="utf-8"))
MODEL = "bertscore-all-MiniLM-L6-v2"
# slow and fast apart by more than this on a row: far beyond the 1e-5 the scores are held to
APART = 1e-3


def _differing_rows() -> list[dict]:
    """Per row where the goldens' slow and fast scores differ (cases without idf: rows independent of each other):
    its texts and both goldens, with the hashes."""
    cases = {c["name"]: c for c in GOLDENS["models"][MODEL]["cases"]}
    rows = []
    for name, slow_case in cases.items():
        fast_case = cases.get(f"{name}-fast")
        if slow_case["idf"] or fast_case is None:
            continue
        slow = slow_case.get("unicode_15", slow_case)  # bert_score at Unicode 15.0, the version both sides use
        for i, row in enumerate(slow_case["rows"]):
            expected = {key: (slow[key][i], fast_case[key][i]) for key in ("P", "R", "F")}
            if any(abs(a - b) > APART for a, b in expected.values()):
                rows.append({"name": GOLDENS["row_names"][row], "cand": slow_case["cands"][i],
                             "ref": slow_case["refs"][i][0], "expected": expected,
                             "hash": (slow_case["hash"], fast_case["hash"])})
    return rows


ROWS = _differing_rows()


def test_the_corpus_has_rows_where_slow_and_fast_differ():
    names = {row["name"] for row in ROWS}
    assert {"issue-example-2B820", "cjk-boundary-2B820", "emoji-unicode-16"} <= names, sorted(names)


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_scores_as_bert_score_by_default_and_with_use_fast_tokenizer(real_triton, protocol):
    triton = TritonTexts(real_triton.http if protocol == "http" else real_triton.grpc, protocol)
    cands, refs = [row["cand"] for row in ROWS], [row["ref"] for row in ROWS]
    for index, use_fast in enumerate((False, True)):
        served = triton.bertscore(cands, refs, use_fast=use_fast, model=MODEL)
        for key in ("P", "R", "F"):
            expected = [row["expected"][key][index] for row in ROWS]
            wrong = [(row["name"], got, want) for row, got, want in zip(ROWS, served[key], expected)
                     if not abs(got - want) <= 1e-5]
            assert wrong == [], f"{key}, use_fast_tokenizer={use_fast}"
        assert set(served["hash"]) == {row["hash"][index] for row in ROWS}, f"use_fast_tokenizer={use_fast}"
