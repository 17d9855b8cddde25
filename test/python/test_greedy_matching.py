"""bertscore's batched greedy matching vs a plain per-pair numpy version of bert_score's greedy_cos_idf."""

import sys

import numpy as np
import pytest
import torch
from paths import TRITON_MODELS, model_py
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


def test_pairs_are_matched_in_chunks_of_at_most_max_similarity_cells(model, monkeypatch):
    """The similarity tensors of one chunk hold at most MAX_SIMILARITY_CELLS cells: pairs sorted by size, each
    chunk as long as the next pair still fits (two pairs of 2048 x 4096 tokens exactly fill one)."""
    sys.path.append(str(TRITON_MODELS))
    from bertscore_model import MAX_SIMILARITY_CELLS

    assert MAX_SIMILARITY_CELLS == 2 * 2048 * 4096
    lengths = [2048, 4096, 16, 4]
    embeddings = [torch.nn.functional.normalize(torch.randn(n, 2), dim=1) for n in lengths]
    weights = {i: torch.ones(n) for i, n in enumerate(lengths)}
    pairs = [(0, 1, weights), (2, 3, weights), (0, 1, weights), (2, 2, weights)]
    chunks = []
    greedy_chunk = model._greedy_chunk

    def record(chunk, embeddings):
        chunks.append([len(embeddings[c]) * len(embeddings[r]) for c, r, _ in chunk])
        return greedy_chunk(chunk, embeddings)

    monkeypatch.setattr(model, "_greedy_chunk", record)
    got = model._greedy(pairs, embeddings).numpy()
    # the bound counts (rows so far + 1) x the cells of the next pair, the largest so far
    assert chunks == [[16 * 4, 16 * 16], [2048 * 4096] * 2]
    # each result in its pair's row (the large pairs' scores are the test above's arithmetic)
    np.testing.assert_array_equal(got[0], got[2])
    for k in (1, 3):
        c, r, _ = pairs[k]
        expected = reference_pair(embeddings[c].numpy(), embeddings[r].numpy(), np.ones(lengths[c]),
                                  np.ones(lengths[r]))
        np.testing.assert_allclose(got[k], expected, atol=1e-5, err_msg=f"pair {c},{r}")


def test_a_chunk_counts_its_padded_cells_not_its_largest_pair(model, monkeypatch):
    """Pairs of 512 x 3 and 3 x 512 tokens hold 1,536 cells each, but a chunk of both pads each pair to 512 x 512:
    the bound counts a chunk as padded (its longest candidate by its longest reference), so 200 such pairs go in
    chunks of 64 (64 x 512 x 512 = MAX_SIMILARITY_CELLS), not in one of 200 (3.1 times the bound)."""
    sys.path.append(str(TRITON_MODELS))
    from bertscore_model import MAX_SIMILARITY_CELLS

    lengths = [512, 3]
    embeddings = [torch.nn.functional.normalize(torch.randn(n, 2), dim=1) for n in lengths]
    weights = {i: torch.ones(n) for i, n in enumerate(lengths)}
    pairs = [(0, 1, weights), (1, 0, weights)] * 100
    padded = []
    greedy_chunk = model._greedy_chunk

    def record(chunk, embeddings):
        longest_c = max(len(embeddings[c]) for c, _, _ in chunk)
        longest_r = max(len(embeddings[r]) for _, r, _ in chunk)
        padded.append(len(chunk) * longest_c * longest_r)
        return greedy_chunk(chunk, embeddings)

    monkeypatch.setattr(model, "_greedy_chunk", record)
    got = model._greedy(pairs, embeddings).numpy()
    assert padded == [64 * 512 * 512] * 3 + [8 * 512 * 512]
    assert max(padded) <= MAX_SIMILARITY_CELLS
    for k, (c, r, _) in enumerate(pairs[:2]):
        expected = reference_pair(embeddings[c].numpy(), embeddings[r].numpy(), np.ones(lengths[c]), np.ones(lengths[r]))
        np.testing.assert_allclose(got[k::2], np.repeat([expected], 100, axis=0), atol=1e-5)
