"""Effective weights and their read-noise variance from device states (numba).

Reference: ``hicsim.devices.decode.decode``. ``weight_at`` serves both the full decode below and
the update kernels, which refresh only the weights they programmed.
"""

from __future__ import annotations

from numba import njit, prange

from hicsim.kernels.device_ops import drift_factor, read_sigma


@njit(cache=True)
def device_read(p, g_prog, nu, elapsed):
    """(drifted conductance, read-noise sigma) of a multi-level device of params ``p``."""
    return _read(p, g_prog, g_prog / p.g_max, nu, elapsed)


@njit(cache=True)
def _read(p, g_prog, gh_prog, nu, elapsed):
    """(drifted conductance, read-noise sigma) of a device of params ``p``."""
    g_now = g_prog * drift_factor(nu, elapsed, p.drift_t0)
    return g_now, read_sigma(p.read_q_coeff, p.read_q_exp, p.read_q_max, p.read_t_read,
                             p.drift_t0, gh_prog, g_now, elapsed)


@njit(cache=True)
def weight_at(st, slot_binary, slots, coef, offset, ml, bp, i, j, t_now):
    """(effective weight, read-noise variance per unit input^2) of weight (i, j) at ``t_now``.
    Devices at 0 S have neither drift nor read noise and skip the logarithms."""
    w = 0.0
    var = 0.0
    d = 0
    for _side in range(coef.shape[0] // slots):
        for s in range(slots):
            g_prog = float(st.g[d, i, j])
            elapsed = t_now - st.t_prog[d, i, j]
            if g_prog != 0.0:
                if slot_binary[s]:
                    g_now, sd = _read(bp, g_prog, g_prog / bp.g_on, st.nu[d, i, j], elapsed)
                else:
                    g_now, sd = _read(ml, g_prog, g_prog / ml.g_max, st.nu[d, i, j], elapsed)
                w += coef[d] * g_now
                var += coef[d] * coef[d] * sd * sd
            else:
                w += coef[d] * g_prog
            d += 1
    return w - offset, var


@njit(cache=True, parallel=True)
def decode_kernel(st, slot_binary, slots, coef, offset, ml, bp, t_now, weights, variance):
    """Fill ``weights`` and ``variance`` (rows, cols), in parallel over rows."""
    for i in prange(weights.shape[0]):
        for j in range(weights.shape[1]):
            w, v = weight_at(st, slot_binary, slots, coef, offset, ml, bp, i, j, t_now)
            weights[i, j] = w
            variance[i, j] = v
