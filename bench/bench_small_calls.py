"""Small kernel calls: each parallel kernel against its serial twin (``kernels/serial_twin.py``)
on the layer shapes of ResNet-32 on 8x8 digits at batch 32, and what ``TwinKernel.pick`` chooses.

Run: .venv/bin/python bench/bench_small_calls.py [--threads 2] [--repeats 7]

Shapes (batch rows, inputs, outputs): a convolution's im2col batch is images x output pixels, so
the first stage is 2,048 x 144 x 16, the last 128 x 576 x 64, the classifier 32 x 64 x 10. Each
figure is the best of ``--repeats`` blocks of calls, microseconds per call, hic_pcm devices with
read noise on (two products per MVM), BLAS single-threaded as in training.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from hicsim.kernels import CrossbarArray, blas_single_threaded
from hicsim.kernels.mvm import MVM
from hicsim.spec import load_arch

SHAPES = ((32, 64, 10), (2048, 9, 16), (2048, 144, 16), (512, 288, 32), (128, 576, 64),
          (256, 512, 512))


def per_call_us(fn, repeats: int) -> float:
    fn()
    calls = 10
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    arch = load_arch("arch_specs/hic_pcm.yaml")
    rng = np.random.default_rng(0)
    print(f"noisy MVM, us per call, numba threads {args.threads}: parallel kernel, serial twin, "
          "and the one chosen")
    with blas_single_threaded():
        for batch, rows, cols in SHAPES:
            xb = CrossbarArray(arch, rng.standard_normal((rows, cols)) * 0.1, seed=1)
            x = rng.standard_normal((batch, rows)).astype(np.float32)
            out = np.empty((batch, cols))
            args_ = (x, xb.weights, xb.variance, False, 127, 10.0, 127, True, np.uint64(5),
                     -(-batch // 256), out)
            par = per_call_us(lambda: MVM.parallel(*args_), args.repeats)
            ser = per_call_us(lambda: MVM.serial(*args_), args.repeats)
            chosen = "serial" if MVM.pick(2 * batch * rows * cols) is MVM.serial else "parallel"
            print(f"  {batch:5d} x {rows:3d} x {cols:3d} ({2 * batch * rows * cols / 1e6:6.2f} M "
                  f"multiply-adds): parallel {par:8.0f}, serial {ser:8.0f} ({par / ser:5.1f}x); "
                  f"{chosen}")


if __name__ == "__main__":
    main()
