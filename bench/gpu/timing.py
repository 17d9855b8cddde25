"""Rates for the rehearsal: calls repeated for a fixed time after one warm-up call, by one caller (a model instance
that Triton runs one batch at a time) or by several at once (the original service's two requests at a time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import torch


def _synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def rate(call: Callable[[], object], items_per_call: int, seconds: float, max_calls: int = 100_000) -> dict:
    """Items per second of `call` repeated for `seconds` (at least once, at most `max_calls` times)."""
    call()
    _synchronize()
    calls, start = 0, time.perf_counter()
    while calls < max_calls and (calls == 0 or time.perf_counter() - start < seconds):
        call()
        calls += 1
    _synchronize()
    elapsed = time.perf_counter() - start
    return {"items_per_s": calls * items_per_call / elapsed, "calls": calls, "seconds": round(elapsed, 3)}


def concurrent_rate(call: Callable[[], object], items_per_call: int, seconds: float, workers: int) -> dict:
    """Items per second of `call` run by `workers` threads at once, each repeating it for `seconds`."""
    call()
    _synchronize()
    counts = [0] * workers
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        while counts[index] == 0 or time.perf_counter() < deadline:
            call()
            counts[index] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _synchronize()
    elapsed = time.perf_counter() - start
    calls = sum(counts)
    return {"items_per_s": calls * items_per_call / elapsed, "calls": calls, "seconds": round(elapsed, 3),
            "concurrency": workers}  # fmt: skip
