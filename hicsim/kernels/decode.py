"""Effective weights and their read-noise variance from device states (numba).

Reference: ``hicsim.devices.decode.decode``. ``weight_at`` serves both the full decode below and
the update kernels, which refresh only the weights they programmed.
"""

from __future__ import annotations

from numba import njit, prange

from hicsim.kernels.device_ops import drift_factor, read_sigma


@njit(cache=True)
def weight_at(st, slot_binary, slots, coef, offset, ml, bp, i, j, t_now):
    """(effective weight, read-noise variance per unit input^2) of weight (i, j) at ``t_now``."""
    w = 0.0
    var = 0.0
    for d in range(coef.shape[0]):
        g_prog = float(st.g[d, i, j])
        elapsed = t_now - st.t_prog[d, i, j]
        if slot_binary[d % slots]:
            g_now = g_prog * drift_factor(st.nu[d, i, j], elapsed, bp.drift_t0)
            sd = read_sigma(bp.read_q_coeff, bp.read_q_exp, bp.read_q_max, bp.read_t_read,
                            g_prog / bp.g_on, g_now, elapsed)
        else:
            g_now = g_prog * drift_factor(st.nu[d, i, j], elapsed, ml.drift_t0)
            sd = read_sigma(ml.read_q_coeff, ml.read_q_exp, ml.read_q_max, ml.read_t_read,
                            g_prog / ml.g_max, g_now, elapsed)
        w += coef[d] * g_now
        var += coef[d] * coef[d] * sd * sd
    return w - offset, var


@njit(cache=True, parallel=True)
def decode_kernel(st, slot_binary, slots, coef, offset, ml, bp, t_now, weights, variance):
    """Fill ``weights`` and ``variance`` (rows, cols), in parallel over rows."""
    for i in prange(weights.shape[0]):
        for j in range(weights.shape[1]):
            w, v = weight_at(st, slot_binary, slots, coef, offset, ml, bp, i, j, t_now)
            weights[i, j] = w
            variance[i, j] = v
