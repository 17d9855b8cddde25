"""embed/1/model.py under the pb_utils harness vs sentence-transformers goldens (tiny-bert fixture)."""

import json

import numpy as np
import pytest
from paths import GOLDENS, model_py
from pb_utils_harness import (
    RUNTIME,
    TritonError,
    bytes_column,
    execute,
    load_model,
    request,
)

GOLDEN = json.loads((GOLDENS / "embed.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def embed(fixture_repository):
    return load_model(fixture_repository, "embed", model_py("embed"))


def _embeddings(model, repository, texts):
    (response,) = execute(model, repository, [request(TEXT=bytes_column(texts))])
    assert not response.has_error(), response.error() and response.error().message()
    return response.output_tensors()[0].as_numpy()


def test_every_golden_in_one_request(embed, fixture_repository):
    texts = [case["text"] for case in GOLDEN["cases"]]
    got = _embeddings(embed, fixture_repository, texts)
    expected = np.array([case["embedding"] for case in GOLDEN["cases"]], dtype=np.float32)
    assert got.shape == expected.shape
    cosine = (got * expected).sum(axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(expected, axis=1)
    assert cosine.min() >= 0.99999, dict(zip(texts, cosine))
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_goldens_exercise_truncation():
    assert max(len(case["input_ids"]) for case in GOLDEN["cases"]) == GOLDEN["max_length"]


def test_several_requests_of_mixed_sizes_match_one_at_a_time(embed, fixture_repository):
    texts = [case["text"] for case in GOLDEN["cases"]]
    singles = [_embeddings(embed, fixture_repository, [t])[0] for t in texts]
    groups = [texts[0:1], texts[1:6], texts[6:7], texts[7:]]
    responses = execute(embed, fixture_repository, [request(TEXT=bytes_column(g)) for g in groups])
    batched = np.concatenate([r.output_tensors()[0].as_numpy() for r in responses])
    np.testing.assert_allclose(batched, np.array(singles), atol=1e-5)


def test_asks_the_encoder_for_sentence_embedding_only(embed, fixture_repository):
    RUNTIME.calls.clear()
    _embeddings(embed, fixture_repository, ["one", "two words"])
    assert RUNTIME.calls and all(call.requested_outputs == ["sentence_embedding"] for call in RUNTIME.calls)
    assert all(call.model_name == "tiny-bert" for call in RUNTIME.calls)


def test_bad_requests_get_invalid_arg_errors_on_their_own_response(embed, fixture_repository):
    # (missing inputs, row counts and empty batches are refused by Triton itself: test/triton)
    good = request(TEXT=bytes_column(["fine"]))
    invalid = request(TEXT=bytes_column([b"\xff\xfe bad"]))
    responses = execute(embed, fixture_repository, [good, invalid, good])
    assert not responses[0].has_error() and not responses[2].has_error()
    assert responses[0].output_tensors()[0].as_numpy().shape == (1, 32)
    assert responses[1].error().message().startswith("invalid UTF-8 in TEXT")
    assert responses[1].error().code() == TritonError.INVALID_ARG


def test_an_encoder_failure_is_an_internal_error(embed, fixture_repository, monkeypatch):
    monkeypatch.setattr(RUNTIME, "repository", fixture_repository / "nowhere")
    responses = embed.execute([request(TEXT=bytes_column(["a"])), request(TEXT=bytes_column(["b"]))])
    assert [r.error().code() for r in responses] == [TritonError.INTERNAL] * 2
    assert responses[0].error().message().startswith("encoder tiny-bert failed")
