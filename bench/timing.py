"""Timing shared by the kernel benchmarks (bench_kernels.py and its optional peer_aihwkit.py)."""

from __future__ import annotations

import time


def seconds_per_call(fn, repeats: int) -> float:
    """Best of five timed blocks of ``repeats`` calls each (after a warm-up call): the least
    disturbed figure on a shared machine."""
    fn()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best
