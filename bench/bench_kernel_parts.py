"""Where a noisy MVM and an HIC update spend their time: each part on one thread, in CPU time
(``time.thread_time``: steadier than wall time on this shared machine), beside numpy's one product
of the same shape. The parts bound the two-thread figures of ``bench_kernels.py``: the noisy MVM
does two products the size of numpy's one, the update one gradient product plus its rule loop.

Run: .venv/bin/python bench/bench_kernel_parts.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from numba import njit

from hicsim.kernels.blas import sgemm
from hicsim.kernels.crossbar import CrossbarArray
from hicsim.kernels.fast_normal import normal_row_into, tail_scratch_jit
from hicsim.kernels.mvm import COL_BLOCK, _product_block, mvm_kernel
from hicsim.kernels.quantize import dac_row
from hicsim.kernels.rng import mix_key
from hicsim.kernels.threads import blas_single_threaded
from hicsim.kernels.update import ROW_BLOCK, _hic_row
from hicsim.spec import load_arch
from timing import seconds_per_call

ROWS, COLS, BATCH = 512, 512, 64


@njit
def _products(xq, q, weights, variance, y, v):
    """The noisy MVM's two products, in its column blocks."""
    for j0 in range(0, COLS, COL_BLOCK):
        _product_block(xq, weights, False, 0, BATCH, j0, j0 + COL_BLOCK, y[:, j0:])
        _product_block(q, variance, False, 0, BATCH, j0, j0 + COL_BLOCK, v[:, j0:])


@njit
def _normals(z):
    p, (flags, words) = np.empty(z.shape[1]), tail_scratch_jit(z.shape[1])
    for r in range(z.shape[0]):
        normal_row_into(mix_key(np.uint64(1), r), 0, z[r], p, flags, words)


@njit
def _dac(x, xq, q):
    for r in range(x.shape[0]):
        dac_row(x[r], 127, xq[r], q[r])


@njit
def _gradient(x, delta, grad):
    """The update's gradient, in its row blocks."""
    for r0 in range(0, ROWS, ROW_BLOCK):
        sgemm(True, False, ROW_BLOCK, COLS, BATCH, x[:, r0:], ROWS, delta, COLS, grad[r0:], COLS)


@njit
def _rule(grad, gain, acc, lo, hi, per_step, steps):
    for i in range(grad.shape[0]):
        _hic_row(grad[i], gain, acc[i], mix_key(np.uint64(3), i), True, lo, hi, per_step, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    numba.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    xb = CrossbarArray(load_arch("arch_specs/hic_pcm.yaml"), rng.uniform(-1, 1, (ROWS, COLS)),
                       w_max=1.0, seed=0)
    xb.set_time(1e5)
    us = {}

    def part(name, fn):
        us[name] = 1e6 * seconds_per_call(fn, args.repeats, clock=time.thread_time)

    with blas_single_threaded():
        part("numpy product", lambda: x @ xb.weights)
        xq, q = np.empty_like(x), np.empty_like(x)
        y, v = np.empty((BATCH, COLS), np.float32), np.empty((BATCH, COLS), np.float32)
        out = np.empty((BATCH, COLS))
        part("mvm: DAC", lambda: _dac(x, xq, q))
        part("mvm: two products", lambda: _products(xq, q, xb.weights, xb.variance, y, v))
        part("mvm: output normals", lambda: _normals(np.empty((BATCH, COLS))))
        part("mvm: whole noisy call", lambda: mvm_kernel(
            x, xb.weights, xb.variance, False, xb.qmax, 1e3, xb.adc_amax,
            True, np.uint64(1), 1, out))
        delta = (0.01 * rng.standard_normal((BATCH, COLS))).astype(np.float32)
        grad = np.empty((ROWS, COLS), np.float32)
        lo, hi, per_step, _ = xb._accumulator_format("hic")
        acc, steps = np.zeros((ROWS, COLS), np.int32), np.empty(COLS, np.int32)
        part("update: gradient", lambda: _gradient(x, delta, grad))
        part("update: HIC rule, stochastic",
             lambda: _rule(grad, -0.3, acc, lo, hi, per_step, steps))
    print(f"{ROWS}x{COLS}, batch {BATCH}, one thread, CPU time per call (best of 5 blocks)")
    for name, t in us.items():
        print(f"  {name:30s} {t:8.0f} us  ({t / us['numpy product']:.2f}x numpy's product)")
    numpy_us = us["numpy product"]
    print(f"  noisy MVM against numpy, this thread: {numpy_us / us['mvm: whole noisy call']:.2f}x "
          f"(its two products alone: {numpy_us / us['mvm: two products']:.2f}x)")
    rule_ns = 1e3 * us["update: HIC rule, stochastic"] / (ROWS * COLS)
    print(f"  HIC rule: {rule_ns:.2f} ns per weight")


if __name__ == "__main__":
    main()
