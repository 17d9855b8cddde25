"""The rehearsal's numeric checks: model.py on the device against model.py on the CPU (same weights, same requests),
and model.py on the CPU against the reference packages themselves (sentence-transformers, bert_score.score)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from original_method import OriginalEmbedder, reference_scores
from served_models import ServedModel
from workloads import ScoreRequest

TOLERANCE = 1e-5


def compare(actual: list[np.ndarray], expected: list[np.ndarray], tolerance: float = TOLERANCE) -> dict:
    """The largest absolute difference between paired arrays (NaN where only one side is NaN), with how many values
    were compared and their range (so that a pass on constant values shows as such)."""
    a, e = np.concatenate([x.ravel() for x in actual]), np.concatenate([x.ravel() for x in expected])
    if a.shape != e.shape or not np.array_equal(np.isnan(a), np.isnan(e)):
        difference = float("nan")
    else:
        finite = ~np.isnan(a)
        difference = float(np.max(np.abs(a[finite] - e[finite]), initial=0.0))
    finite_expected = e[~np.isnan(e)]
    return {
        "max_abs_diff": difference,
        "tolerance": tolerance,
        "passed": bool(difference <= tolerance),
        "values": int(e.size),
        "value_range": [float(finite_expected.min(initial=np.inf)), float(finite_expected.max(initial=-np.inf))],
    }


def device_equality(
    cpu: dict[str, ServedModel],
    device: dict[str, ServedModel],
    embed_requests: list[list[str]],
    score_requests: list[ScoreRequest],
    tolerance: float = TOLERANCE,
) -> dict:
    """The same requests through model.py on both: embeddings, and P/R/F (idf and several references included)."""
    return {
        "embed": {
            "devices": [cpu["embed"].device, device["embed"].device],
            **compare(device["embed"].embed(embed_requests), cpu["embed"].embed(embed_requests), tolerance),
        },
        "bertscore": {
            "devices": [cpu["bertscore"].device, device["bertscore"].device],
            **compare(device["bertscore"].score(score_requests), cpu["bertscore"].score(score_requests), tolerance),
        },
    }


def reference_parity(
    cpu: dict[str, ServedModel],
    hf_folders: dict[str, Path],
    embed_max_length: int,
    num_layers: int,
    embed_requests: list[list[str]],
    score_requests: list[ScoreRequest],
) -> dict:
    """model.py on the CPU against sentence-transformers `encode` and `bert_score.score` on the same folders."""
    embedder = OriginalEmbedder(hf_folders["embed"], embed_max_length, "cpu")
    expected_embeddings = [embedder(texts) for texts in embed_requests]
    expected_scores = [
        reference_scores(hf_folders["bertscore"], num_layers, r.candidates, r.references, r.idf, r.use_fast_tokenizer)
        for r in score_requests
    ]
    return {
        "embed": {"reference": "sentence-transformers encode",
                  **compare(cpu["embed"].embed(embed_requests), expected_embeddings)},
        "bertscore": {
            "reference": "bert_score.score",
            "use_fast_tokenizer": sorted({r.use_fast_tokenizer for r in score_requests}),
            **compare(cpu["bertscore"].score(score_requests), expected_scores),
        },
    }  # fmt: skip
