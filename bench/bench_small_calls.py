"""Small kernel calls: each parallel kernel against its serial twin (``kernels/serial_twin.py``)
on the layer shapes of ResNet-32 on 8x8 digits at batch 32, and what ``TwinKernel.pick`` chooses;
then the convolutions' im2col and col2im (serial kernels) on the same layers.

Run: .venv/bin/python bench/bench_small_calls.py [--threads 2] [--repeats 7]

Shapes (batch rows, inputs, outputs): a convolution's im2col batch is images x output pixels, so
the first stage is 2,048 x 144 x 16, the last 128 x 576 x 64, the classifier 32 x 64 x 10. Each
figure is the best of ``--repeats`` blocks of calls, microseconds per call, hic_pcm devices with
read noise on (two products per MVM), BLAS single-threaded as in training. Each MVM shape runs
forward and transposed (the backward read: batch x outputs in, batch x inputs out, one read-noise
draw per output, so 9x the draws of the forward on a 3x3 convolution).
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from hicsim.kernels import CrossbarArray, blas_single_threaded
from hicsim.kernels.mvm import MVM
from hicsim.spec import load_arch
from hicsim.train.im2col import col2im, im2col

SHAPES = ((32, 64, 10), (2048, 9, 16), (2048, 144, 16), (512, 288, 32), (128, 576, 64),
          (256, 512, 512))
# ResNet-32's 3x3 convolutions at batch 32 on 8x8 digits: (images, channels, side, stride)
CONVS = ((32, 1, 8, 1), (32, 16, 8, 1), (32, 16, 8, 2), (32, 32, 4, 1), (32, 32, 4, 2), (32, 64, 2, 1))


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
            for transpose in (False, True):
                inputs, outputs = (cols, rows) if transpose else (rows, cols)
                x = rng.standard_normal((batch, inputs)).astype(np.float32)
                out = np.empty((batch, outputs))
                args_ = (x, xb.weights, xb.variance, transpose, 127, 10.0, 127, True,
                         np.uint64(5), -(-batch // 256), out)
                par = per_call_us(lambda: MVM.parallel(*args_), args.repeats)
                ser = per_call_us(lambda: MVM.serial(*args_), args.repeats)
                chosen = "serial" if MVM.pick(2 * batch * rows * cols) is MVM.serial else "parallel"
                print(f"  {batch:5d} x {inputs:3d} x {outputs:3d}{' (transposed)' if transpose else ''}"
                      f" ({2 * batch * rows * cols / 1e6:6.2f} M multiply-adds): parallel "
                      f"{par:8.0f}, serial {ser:8.0f} ({par / ser:5.1f}x); {chosen}")
    print("3x3 convolutions, padding 1: im2col and col2im (serial kernels), us per call")
    for n, c, side, stride in CONVS:
        x = rng.standard_normal((n, c, side, side)).astype(np.float32)
        cols = im2col(x, 3, stride, 1)
        errors = rng.standard_normal(cols.shape).astype(np.float32)
        forward = per_call_us(lambda: im2col(x, 3, stride, 1), args.repeats)
        back = per_call_us(lambda: col2im(errors, x.shape, 3, stride, 1), args.repeats)
        print(f"  {n} x {c} x {side} x {side}, stride {stride} -> patches {cols.shape[0]} x "
              f"{cols.shape[1]}: im2col {forward:6.0f}, col2im {back:6.0f}")


if __name__ == "__main__":
    main()
