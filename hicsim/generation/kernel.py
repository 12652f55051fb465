"""Generate a layer's weights from its quantised factors: W = V . (U . B), reshaped K x C x R x S.

The numba kernel multiplies integer codes in 64-bit integers, exactly as the unit's integer MACs
would, and the scales are applied once at the end. ``generate_reference`` is the obviously-correct
float numpy product of dequantised factors that the tests compare it with. (The kernel lives here
rather than in hicsim/kernels because nothing but generation uses it.)
"""

from __future__ import annotations

from hicsim import kernel_cache

kernel_cache.ensure_fresh_once()  # before the kernel loads from numba's cache (see kernel_cache.py)

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from hicsim.generation.factors import Factors  # noqa: E402


@njit(cache=True)
def batched_int_matmul(a, b):
    """out[i] = a[i] @ b[i] (or b[0] for every i when b holds one matrix); int64, exact."""
    n, p, q = a.shape
    n_b, _, r = b.shape
    out = np.zeros((n, p, r), np.int64)
    for i in range(n):
        bi = i if n_b > 1 else 0
        for j in range(p):
            for t in range(q):
                x = a[i, j, t]
                if x != 0:  # low-bit codes are often zero: skip the row of work
                    for m in range(r):
                        out[i, j, m] += x * b[bi, t, m]
    return out


def int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``batched_int_matmul`` with its shapes checked (numba's own errors say little)."""
    if a.ndim != 3 or b.ndim != 3:
        raise ValueError(f"expected 3-D code arrays, got {a.shape} and {b.shape}")
    if b.shape[0] not in (1, a.shape[0]) or a.shape[2] != b.shape[1]:
        raise ValueError(f"cannot multiply codes of shape {a.shape} by {b.shape}")
    return batched_int_matmul(np.ascontiguousarray(a, np.int64), np.ascontiguousarray(b, np.int64))


def _check_no_overflow(factors: Factors) -> None:
    """The largest possible |code| of W must fit in int64 (it does for factor bits <= 16)."""
    plan, bound = factors.plan, 1
    if plan.intra:
        bound = int(np.abs(factors["U"].codes).max(initial=0)) * \
            int(np.abs(factors["B"].codes).max(initial=0)) * plan.bi
    elif not plan.direct:
        bound = int(np.abs(factors["W1"].codes).max(initial=0))
    if plan.cross:
        bound *= int(np.abs(factors["V"].codes).max(initial=0)) * plan.bo
    if bound >= 2 ** 63:
        raise OverflowError(f"layer {plan.name!r}: generated codes could reach {bound}, past int64")


def generate(factors: Factors) -> np.ndarray:
    """The layer's weights (K x C x R x S, float64) generated from integer codes."""
    plan = factors.plan
    s = plan.shape
    if plan.direct:
        return factors["W"].values().reshape(s.k, s.c, s.r, s.s)
    _check_no_overflow(factors)
    if plan.intra:
        codes = int_matmul(factors["U"].codes, factors["B"].codes)
        scale = factors["U"].scale * factors["B"].scale
    else:
        codes, scale = factors["W1"].codes, factors["W1"].scale
    if plan.cross:
        basis = codes.reshape(1, plan.basis_kernels, s.kernel_size)
        codes = int_matmul(factors["V"].codes[None], basis)[0]
        scale *= factors["V"].scale
    return (codes * scale).reshape(s.k, s.c, s.r, s.s)


def generate_reference(factors: Factors) -> np.ndarray:
    """numpy reference: the float product of the dequantised factors."""
    plan = factors.plan
    s = plan.shape
    if plan.direct:
        w = factors["W"].values()
    else:
        w = factors["U"].values() @ factors["B"].values() if plan.intra else factors["W1"].values()
        if plan.cross:
            w = factors["V"].values() @ w.reshape(plan.basis_kernels, -1)
    return w.reshape(s.k, s.c, s.r, s.s)
