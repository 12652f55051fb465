"""Latency of one SET pulse (``device_ops.ml_set_pulse``) in a dependent chain: each pulse starts
from the conductance the previous one reached, as in ``write_ml_set_towards`` and the mixed-
precision transfer, so the figure is the pulse's critical path, not its throughput. One thread,
CPU time (``time.thread_time``), best of five blocks; hic_pcm's pcm_ml device (SET span 2), and
with ``--span`` another span for comparison (the reciprocal rebuilt with it).

Run: .venv/bin/python bench/bench_set_pulse.py [--pulses 2000000] [--span 3.0]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from numba import njit

from hicsim.devices.params import multilevel_params, set_span_fields
from hicsim.kernels.device_ops import ml_set_pulse
from hicsim.spec import load_arch
from timing import seconds_per_call


@njit
def _chain(p, d2d, z):
    """Pulses from g_min, each on the last one's result; a device that reaches g_max goes back to
    g_min (a predictable branch, taken rarely), so the chain does not sit at the clip."""
    g = p.g_min
    for k in range(z.size):
        g = ml_set_pulse(p, g, d2d, z[k])
        if g >= p.g_max:
            g = p.g_min
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulses", type=int, default=2_000_000)
    parser.add_argument("--span", type=float, default=None)
    args = parser.parse_args()
    numba.set_num_threads(1)
    p = multilevel_params(load_arch("arch_specs/hic_pcm.yaml").devices["pcm_ml"])
    if args.span is not None:
        p = p._replace(**set_span_fields(args.span))
    z = np.random.default_rng(0).standard_normal(args.pulses)
    seconds = seconds_per_call(lambda: _chain(p, 1.0, z), 1, clock=time.thread_time)
    print(f"SET span {p.set_w_span}: {1e9 * seconds / args.pulses:.1f} ns per pulse "
          f"({args.pulses} dependent pulses, one thread, CPU time, best of 5)")


if __name__ == "__main__":
    main()
