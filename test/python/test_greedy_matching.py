"""bertscore's batched greedy matching vs a plain per-pair numpy version of bert_score's greedy_cos_idf."""

import numpy as np
import pytest
import torch
from paths import model_py
from pb_utils_harness import load_model


def reference_pair(cand, ref, cand_w, ref_w):
    cand = cand / np.linalg.norm(cand, axis=1, keepdims=True)
    ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
    sim = cand @ ref.T
    p = float((sim.max(axis=1) * cand_w / cand_w.sum()).sum())
    r = float((sim.max(axis=0) * ref_w / ref_w.sum()).sum())
    f = 2 * p * r / (p + r)
    if len(cand) == 2 or len(ref) == 2:
        p = r = 0.0
    return p, r, 0.0 if np.isnan(f) else f


@pytest.fixture(scope="module")
def model(fixture_repository):
    return load_model(fixture_repository, "bertscore", model_py("bertscore"))


def test_batched_greedy_matches_per_pair_reference(model):
    rng = np.random.default_rng(7)
    lengths = [2, 3, 5, 17, 40, 2, 9, 64]
    raw = [rng.standard_normal((n, 24)).astype(np.float32) for n in lengths]
    embeddings = [torch.from_numpy(e / np.linalg.norm(e, axis=1, keepdims=True)) for e in raw]
    weights = {i: torch.from_numpy(rng.uniform(0.1, 2.0, n).astype(np.float32)) for i, n in enumerate(lengths)}
    pairs = [(c, r, weights) for c in range(len(lengths)) for r in range(len(lengths))]
    got = model._greedy(pairs, embeddings).numpy()
    cosines = np.concatenate([(raw[0] @ raw[3].T).ravel()])
    assert (cosines < 0).any(), "the test needs negative cosines"
    for (c, r, _), row in zip(pairs, got):
        expected = reference_pair(raw[c], raw[r], weights[c].numpy(), weights[r].numpy())
        np.testing.assert_allclose(row, expected, atol=1e-5, err_msg=f"pair {c},{r}")


def test_all_negative_similarities_are_not_clipped_by_padding(model):
    # padding must never win the max: with every cosine negative, a zero from padding would
    a = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]])
    b = -a
    weights = {0: torch.ones(3), 1: torch.ones(3), 2: torch.ones(8)}
    long = torch.nn.functional.normalize(torch.randn(8, 2), dim=1)
    got = model._greedy([(0, 1, weights), (2, 2, weights)], [a, b, long]).numpy()
    expected = reference_pair(a.numpy(), b.numpy(), np.ones(3), np.ones(3))
    assert expected[0] < 0
    np.testing.assert_allclose(got[0], expected, atol=1e-6)
