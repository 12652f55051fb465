"""Fast counter-based standard normals for whole rows: the normal quantile
(``normal_quantile.py``) of 31-bit uniforms, in loops that vectorise.

The central region (95 % of draws) is computed for the whole row first, then the tails are redone
(a logarithm each). The 31-bit uniforms (``rng.uniform32``, offset by half a step) bound the draws
to |z| < 6.2. ``normal_row_np`` is the numpy twin (same bits in, same numbers out to rounding).
"""

from __future__ import annotations


import numpy as np
from numba import njit

from hicsim.kernels.normal_quantile import P_LOW, central, quantile_np, tail
from hicsim.kernels.rng import uniform32, uniform32_np

_HALF_STEP = 0.5 / 2147483648.0


@njit(cache=True, error_model="numpy")
def normal_row_into(key, first, out, p):
    """out[j] = standard normal number first + j of stream ``key``; ``p``: scratch of out's
    length."""
    n = out.shape[0]
    for j in range(n):  # vectorised: hash, uniform
        p[j] = uniform32(key, first + j) + _HALF_STEP
    for j in range(n):  # vectorised: rational function
        out[j] = central(p[j])
    for j in range(n):  # rare: redo the tails
        if p[j] < P_LOW:
            out[j] = tail(p[j])
        elif p[j] > 1.0 - P_LOW:
            out[j] = -tail(1.0 - p[j])


@njit(cache=True)
def normal_row(key, out):
    """out[j] = standard normal number j of stream ``key``."""
    normal_row_into(key, 0, out, np.empty(out.shape[0], np.float64))


def normal_row_np(key, count):
    return quantile_np(uniform32_np(key, np.arange(count, dtype=np.uint64)) + _HALF_STEP)
