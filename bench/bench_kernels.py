"""Throughput of hicsim's crossbar kernels beside numpy's float32 matmul, measured in the same run.

Run: .venv/bin/python bench/bench_kernels.py [--threads 2] [--repeats 50]
MVMs: GMAC/s counted as batch x rows x cols (logical weights, whatever the devices per weight).
Updates: G device-updates/s counted as rows x cols weights updated per call / seconds per call.
aihwkit is compared only when importable (it is an optional peer, never a dependency).
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from hicsim.kernels.crossbar import CrossbarArray
from hicsim.spec import load_arch

ROWS, COLS, BATCH = 512, 512, 64


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


def bench_mvm(arch_path: str, label: str, repeats: int, rng) -> None:
    macs = BATCH * ROWS * COLS
    x = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    d = rng.standard_normal((BATCH, COLS)).astype(np.float32)
    xb = CrossbarArray(load_arch(arch_path), rng.uniform(-1, 1, (ROWS, COLS)), w_max=1.0, seed=0)
    for t_now, noise_label in ((0.0, "no read noise (t = 0)"), (1e5, "read noise (t = 1e5 s)")):
        xb.set_time(t_now)
        fwd = seconds_per_call(lambda: xb.forward(x), repeats)
        bwd = seconds_per_call(lambda: xb.backward(d), repeats)
        print(f"  {label:10s} forward    {noise_label:24s} {macs / fwd / 1e9:7.1f} GMAC/s")
        print(f"  {label:10s} transposed {noise_label:24s} {macs / bwd / 1e9:7.1f} GMAC/s")
    small = x[:4]
    col = seconds_per_call(lambda: xb.forward(small, per_column=True), 2)
    print(f"  {label:10s} forward per column (batch 4, faithful ADC) {4 * ROWS * COLS / col / 1e9:7.3f} GMAC/s")


def bench_update(arch_path: str, label: str, rule: str, lr: float, repeats: int, rng) -> None:
    xb = CrossbarArray(load_arch(arch_path), rng.uniform(-0.5, 0.5, (ROWS, COLS)), w_max=1.0, seed=0)
    x = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    d = (0.01 * rng.standard_normal((BATCH, COLS))).astype(np.float32)
    programmed = []
    sec = seconds_per_call(lambda: programmed.append(xb.update(x, d, lr, rule)), repeats)
    frac = np.mean(programmed) / (ROWS * COLS)
    print(f"  {label:10s} {rule:17s} {ROWS * COLS / sec / 1e9:6.2f} G device-updates/s "
          f"({frac:.2%} of weights programmed per call)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    w = rng.standard_normal((ROWS, COLS)).astype(np.float32)
    np_sec = seconds_per_call(lambda: a @ w, args.repeats)
    print(f"{ROWS}x{COLS}, batch {BATCH}, numba threads {args.threads}")
    print(f"  numpy float32 matmul (BLAS default threads)  {BATCH * ROWS * COLS / np_sec / 1e9:7.1f} GMAC/s")
    bench_mvm("arch_specs/hic_pcm.yaml", "hic", args.repeats, rng)
    bench_mvm("arch_specs/pcm_multilevel.yaml", "multilevel", args.repeats, rng)
    for lr in (1e-4, 1e-3):  # ~0.1 % and ~1 % of the weights programmed per call
        print(f"  update, lr {lr:g}, errors ~ N(0, 0.01^2):")
        for rule in ("hic", "mixed_precision", "stochastic_pulse"):
            bench_update("arch_specs/hic_pcm.yaml", "hic", rule, lr, args.repeats, rng)
    try:
        import aihwkit  # noqa: F401  (optional peer)
        print("  aihwkit importable: comparison not implemented in this script yet")
    except ImportError:
        print("  aihwkit: not installed, not measured")


if __name__ == "__main__":
    main()
