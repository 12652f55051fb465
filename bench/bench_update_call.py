"""What one small ``CrossbarArray`` update costs around its kernel: ``update`` and
``update_gradient`` on a 16 x 16 hic_pcm array at batch 1 with a rate that programs no weight
(the kernel then does almost nothing), against the update kernel called directly with the same
arguments (numba's dispatch of its 26 arguments included). The difference is the Python around
the kernel: argument checks, keys, the BLAS guard, the accumulator format. A grouped convolution
pays it once per group and step (MobileNetV2's depthwise layers: 7,136 blocks).

One thread, CPU time (``time.process_time``), best of five blocks of ``--calls`` calls.
Run: .venv/bin/python bench/bench_update_call.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from hicsim.kernels.crossbar import _NO_STEPS, RULES, CrossbarArray
from hicsim.kernels.update import UPDATE
from hicsim.spec import load_arch
from timing import seconds_per_call

SIDE, LR = 16, 1e-4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    numba.set_num_threads(1)
    rng = np.random.default_rng(0)
    xb = CrossbarArray(load_arch("arch_specs/hic_pcm.yaml"),
                       rng.uniform(-0.5, 0.5, (SIDE, SIDE)), w_max=1.0, seed=0)
    x = rng.standard_normal((1, SIDE)).astype(np.float32)
    d = (1e-4 * rng.standard_normal((1, SIDE))).astype(np.float32)
    grad = x.T @ d
    assert xb.update(x, d, LR) == 0 and xb.update_gradient(grad, LR) == 0
    lo, hi, per_step, stochastic = xb._accumulator_format("hic")
    key = np.uint64(1)
    kernel_args = (x, d, -LR / xb.step, RULES["hic"], xb._acc, xb._chi, lo, hi, per_step,
                   stochastic, key, key, xb.state, xb.layout, xb._coef, xb._offset, xb.ml, xb.bp,
                   xb.t_now, xb.weights, xb.variance, np.empty(SIDE, np.int64), _NO_STEPS, False,
                   False, xb._fresh_prefix())

    def us(fn):
        return 1e6 * seconds_per_call(fn, args.calls, clock=time.process_time)

    kernel = us(lambda: UPDATE.serial(*kernel_args))
    print(f"{SIDE}x{SIDE} hic_pcm, batch 1, nothing programmed; one thread, CPU time per call")
    print(f"  update kernel alone        {kernel:6.2f} us")
    for name, fn in (("update", lambda: xb.update(x, d, LR)),
                     ("update_gradient", lambda: xb.update_gradient(grad, LR))):
        t = us(fn)
        print(f"  {name:26s} {t:6.2f} us  ({t - kernel:5.2f} us around the kernel)")


if __name__ == "__main__":
    main()
