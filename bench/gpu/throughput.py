"""GPU throughput: model.py fed as Triton's dynamic batcher feeds it (one execute per batch of requests, one model
instance), at each batch size the batcher forms, with FP32 and FP16 encoders and the peak GPU memory; and the
original service's method (two requests at a time) against model.py on the same texts, on two workloads."""

from __future__ import annotations

from collections.abc import Callable

import torch
from original_method import OriginalEmbedder, OriginalScorer
from served_models import ServedModel
from timing import concurrent_rate, rate
from workloads import ScoreRequest, embed_request

ORIGINAL_CONCURRENCY = 2  # the original service's semaphore
CLIENTS = 32
WORKLOADS = {"1 text per request": 1, "32 texts per request": 32}


def _with_peak_memory(measure: Callable[[], dict]) -> dict:
    """The measurement with the peak GPU memory allocated during it (None without CUDA)."""
    if not torch.cuda.is_available():
        return {**measure(), "peak_gpu_mib": None}
    torch.cuda.reset_peak_memory_stats()
    result = measure()
    return {**result, "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1)}


def embed_requests(texts: list[str], count: int, per_request: int) -> list:
    return [embed_request(texts[(i * per_request) % len(texts) :][:per_request]) for i in range(count)]


def score_requests(candidates: list[str], references: list[str], count: int, per_request: int) -> list:
    requests = []
    for i in range(count):
        start = (i * per_request) % len(candidates)
        rows = slice(start, start + per_request)
        requests.append(ScoreRequest(candidates[rows], [[r] for r in references[rows]]).to_triton())
    return requests


def batch_sweep(served: ServedModel, make_requests: Callable[[int], list], sizes: list[int], seconds: float) -> list:
    """Items per second at each batch size (requests of one item, `size` of them per execute)."""
    results = []
    for size in sizes:
        requests = make_requests(size)
        measured = _with_peak_memory(lambda: rate(lambda: served.execute(requests), size, seconds))  # noqa: B023
        results.append({"batch": size, **measured})
    return results


def versus_original(
    served: dict[str, ServedModel],
    embedder: OriginalEmbedder,
    scorer: OriginalScorer,
    max_batch: dict[str, int],
    texts: list[str],
    references: list[str],
    seconds: float,
) -> dict:
    """Per workload and model: the original method's rate, model.py's rate fed as the batcher would feed it (as many
    queued requests per execute as fit max_batch_size, from CLIENTS clients), and their ratio."""
    results = {}
    for workload, per_request in WORKLOADS.items():
        row = {}
        for name in ("embed", "bertscore"):
            per_execute = max(1, min(CLIENTS, max_batch[name] // per_request))
            if name == "embed":
                requests = embed_requests(texts, per_execute, per_request)
                original = concurrent_rate(lambda: embedder(texts[:per_request]), per_request, seconds,  # noqa: B023
                                           ORIGINAL_CONCURRENCY)  # fmt: skip
            else:
                requests = score_requests(texts, references, per_execute, per_request)
                original = concurrent_rate(
                    lambda: scorer(texts[:per_request], references[:per_request]),  # noqa: B023
                    per_request, seconds, ORIGINAL_CONCURRENCY,
                )  # fmt: skip
            model_py = rate(lambda: served[name].execute(requests), per_execute * per_request, seconds)  # noqa: B023
            row[name] = {
                "original": original,
                "model_py": {**model_py, "requests_per_execute": per_execute},
                "ratio": model_py["items_per_s"] / original["items_per_s"],
            }
        results[workload] = row
    return results
