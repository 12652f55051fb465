"""Timing shared by the kernel benchmarks (bench_kernels.py and its optional peer_aihwkit.py)."""

from __future__ import annotations

import time


def seconds_per_call(fn, repeats: int, clock=time.perf_counter) -> float:
    """Best of five timed blocks of ``repeats`` calls each (after a warm-up call): the least
    disturbed figure on a shared machine. ``clock``: wall time by default; ``time.thread_time``
    for one-thread CPU time."""
    fn()
    best = float("inf")
    for _ in range(5):
        start = clock()
        for _ in range(repeats):
            fn()
        best = min(best, (clock() - start) / repeats)
    return best
