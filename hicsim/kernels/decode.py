"""Effective weights and their read-noise variance from device states (numba).

Reference: ``hicsim.devices.decode.decode``. ``weight_at`` serves both the full decode below and
the update kernels, which refresh only the weights they programmed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hicsim.kernels.device_jit import device_jit
from hicsim.kernels.device_ops import drift_factor, read_sigma
from hicsim.kernels.serial_twin import TwinKernel


@device_jit
def device_read(p, g_prog, nu, elapsed):
    """(drifted conductance, read-noise sigma) of a multi-level device of params ``p``."""
    return _read(p, g_prog, g_prog / p.g_max, nu, elapsed)


@device_jit
def _read(p, g_prog, gh_prog, nu, elapsed):
    """(drifted conductance, read-noise sigma) of a device of params ``p``."""
    g_now = g_prog * drift_factor(nu, elapsed, p.drift_t0)
    return g_now, read_sigma(p.read_q_coeff, p.read_q_exp, p.read_q_max, p.read_t_read,
                             p.drift_t0, gh_prog, g_now, elapsed)


@device_jit
def q_clip_below(p):
    """A g_hat below which the read-noise factor Q_s is q_max exactly (``read_sigma``'s clip), so
    that ``weight_at`` can skip its power there: q_coeff / max(g_hat^q_exp, 1e-3) >= q_max when
    g_hat^q_exp <= q_coeff / q_max (and 1e-3 <= q_coeff / q_max). The threshold sits 1e-6 below
    the exact root, far beyond the power's last-bit error, so the clip is certain below it; 0 when
    there is no such g_hat."""
    x = p.read_q_coeff / p.read_q_max
    if not (p.read_q_exp > 0.0 and x >= 1e-3 * (1.0 + 1e-6)):
        return 0.0
    return x ** (1.0 / p.read_q_exp) * (1.0 - 1e-6)


@device_jit
def _times(p, elapsed):
    """(ln((elapsed + t0) / t0), 0 if elapsed <= 0; sqrt of the read-noise growth): the factors
    of ``drift_factor`` and ``read_sigma`` that depend on the elapsed time alone, computed as they
    compute them."""
    log_ratio = math.log((elapsed + p.drift_t0) / p.drift_t0) if elapsed > 0.0 else 0.0
    t = max(elapsed, 0.0) + p.drift_t0
    root = math.sqrt(max(math.log((t + p.read_t_read) / (2.0 * p.read_t_read)), 0.0))
    return log_ratio, root


@device_jit
def _q(p, gh_prog, clip_below):
    """``read_sigma``'s Q_s of a device (the power skipped where it clips, ``q_clip_below``)."""
    if gh_prog < clip_below:
        return p.read_q_max
    return min(p.read_q_coeff / max(gh_prog ** p.read_q_exp, 1e-3), p.read_q_max)


# ``weight_at``'s memo: the factors that depend on a device's elapsed time alone, with the
# elapsed times they were computed for (NaN matches nothing): (el_ml, log_ml, root_ml, el_bin,
# log_bin, root_bin, el_factor, nu_on, factor_on, nu_off, factor_off)
NO_MEMO = (math.nan, 0.0, 0.0, math.nan, 0.0, 0.0, math.nan, math.nan, 1.0, math.nan, 1.0)

# The decode prefix of a hic weight: its (w, var) sums over the devices before its active side's
# multi-level device, as ``weight_at`` reaches them. A hic step programs only that device unless
# the binary code or the sign changes, and while the clock stands still the devices before it
# read as they did: the update resumes the sum there, the same arithmetic in the same order, so
# the same bits (decoding a ResNet-32 step's programmed weights: 161 -> 75 ns each, warm cache).
# Stored (rows, cols, 2) in float64, 16 B per weight (the device state takes some 330), by every
# decode of the weight at the store's clock.
NO_PREFIX = np.empty((0, 0, 2), np.float64)


@device_jit
def active_device(st, slots, i, j):
    """The multi-level device of weight (i, j)'s active side (a hic weight's sign selects it)."""
    return slots - 1 if st.sign[i, j] > 0 else 2 * slots - 1


@device_jit
def weight_at(st, slot_binary, slots, coef, offset, ml, bp, i, j, t_now, clip_ml, clip_bin, memo,
              prefix, reuse):
    """(effective weight, read-noise variance per unit input^2, memo) of weight (i, j) at
    ``t_now``; ``clip_ml``, ``clip_bin``: ``q_clip_below`` of ``ml`` and ``bp``; ``memo``: the
    time factors (``NO_MEMO``: none yet), passed on from weight to weight. ``prefix``: a hic
    array's decode prefix (``NO_PREFIX``: none), resumed from with ``reuse`` (valid: the devices
    before the active one and the clock unchanged since it was stored), else stored.

    The same arithmetic as ``_read`` per device, in the same order, so the same bits; what depends
    on the elapsed time alone is computed once per distinct elapsed time (a weight's devices are
    mostly programmed together, and so are most weights of an array), a binary device's drift
    once per (nu, elapsed) (its nu is nu_on or nu_off), and Q_s's power is skipped where it
    clips. This took a decode from 30-40 ns per device to about 10; passing the memo on took the
    clock move of a converted ResNet-32 step (464,144 weights on hic_pcm,
    ``bench/bench_step_time.py``) from 76-77 to 59-65 ms of CPU, one thread, machine at load 4,
    the two trees alternating (the step itself: 245-270 ms). Devices at 0 S have neither drift
    nor read noise and skip all of it.

    One loop, called from one place per kernel: LLVM inlines it there. Called from two, it was
    not inlined, and each call passed the device state and parameters by value (100 ns more).
    The prefix is stored inside the loop: a loop in two segments around the store took the clock
    move of a converted ResNet-32 (``bench_step_time.py``) from 57-64 to 60-71 ms of CPU; this
    way 54-56 ms."""
    el_ml, log_ml, root_ml, el_bin, log_bin, root_bin, el_factor, nu_on, factor_on, nu_off, \
        factor_off = memo
    first, keep, w, var = 0, -1, 0.0, 0.0
    if prefix.shape[0]:
        keep = active_device(st, slots, i, j)
        if reuse:
            first, keep, w, var = keep, -1, prefix[i, j, 0], prefix[i, j, 1]
    s = first - slots if first >= slots else first  # first < 2 slots: a modulo without idiv
    for d in range(first, coef.shape[0]):
        if d == keep:
            prefix[i, j, 0] = w
            prefix[i, j, 1] = var
        g_prog = float(st.g[d, i, j])
        if g_prog != 0.0:
            elapsed = t_now - st.t_prog[d, i, j]
            nu = st.nu[d, i, j]
            if slot_binary[s]:
                if elapsed != el_bin:
                    el_bin = elapsed
                    log_bin, root_bin = _times(bp, elapsed)
                if elapsed != el_factor:
                    el_factor = elapsed
                    nu_on = nu_off = math.nan
                if nu == nu_on:
                    factor = factor_on
                elif nu == nu_off:
                    factor = factor_off
                else:
                    factor = math.exp(-nu * log_bin) if elapsed > 0.0 else 1.0
                    if nu_on != nu_on:
                        nu_on, factor_on = nu, factor
                    else:
                        nu_off, factor_off = nu, factor
                g_now = g_prog * factor
                sd = abs(g_now) * _q(bp, g_prog / bp.g_on, clip_bin) * root_bin
            else:
                if elapsed != el_ml:
                    el_ml = elapsed
                    log_ml, root_ml = _times(ml, elapsed)
                g_now = g_prog * (math.exp(-nu * log_ml) if elapsed > 0.0 else 1.0)
                sd = abs(g_now) * _q(ml, g_prog / ml.g_max, clip_ml) * root_ml
            w += coef[d] * g_now
            var += coef[d] * coef[d] * sd * sd
        else:
            w += coef[d] * g_prog
        s = s + 1 if s + 1 < slots else 0
    return w - offset, var, (el_ml, log_ml, root_ml, el_bin, log_bin, root_bin, el_factor, nu_on,
                             factor_on, nu_off, factor_off)


@njit(cache=True, parallel=True)
def decode_kernel(st, slot_binary, slots, coef, offset, ml, bp, t_now, weights, variance,
                  prefix=NO_PREFIX):
    """Fill ``weights`` and ``variance`` (rows, cols), in parallel over rows, and a hic array's
    decode ``prefix`` (``NO_PREFIX``: none)."""
    clip_ml, clip_bin = q_clip_below(ml), q_clip_below(bp)
    for i in prange(weights.shape[0]):
        memo = NO_MEMO
        for j in range(weights.shape[1]):
            w, v, memo = weight_at(st, slot_binary, slots, coef, offset, ml, bp, i, j, t_now,
                                   clip_ml, clip_bin, memo, prefix, False)
            weights[i, j] = w
            variance[i, j] = v


# Arrays of fewer weights decode serially (``serial_twin.py``): 16,384 weights take some 2 ms at
# 130-160 ns each, many times the cost of starting a parallel region
DECODE = TwinKernel(decode_kernel, min_parallel_work=16384)
