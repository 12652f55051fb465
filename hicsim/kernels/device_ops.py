"""Scalar device physics for use inside kernels: one device, one event.

Each function mirrors a vectorised reference in ``hicsim.devices.multilevel`` / ``binary`` (the
tests compare them on identical draws). The ``write_*`` functions change one device of a
``DeviceState`` (see ``hicsim.devices.state``) and keep its wear counters.

Write-erase cycles: one cycle per RESET that follows one or more SETs since the previous RESET
(``set_since_reset`` remembers whether a SET happened). A RESET of a device already in RESET does
not count, nor do SETs on their own.
"""

from __future__ import annotations

import math

from hicsim.kernels.device_jit import device_jit
from hicsim.kernels.rng import normal

_G_HAT_FLOOR = 1e-6


# ---- multi-level cell physics (mirrors hicsim.devices.multilevel) ---------------------------

@device_jit
def ml_programming_sigma(p, g_target):
    gh = g_target / p.g_max
    return (p.prog_c0 + p.prog_c1 * gh + p.prog_c2 * gh * gh) * 1e-6 * (p.g_max / 25e-6)


@device_jit
def ml_drift_nu(p, g_target, z):
    lg = math.log(max(g_target / p.g_max, _G_HAT_FLOOR))
    mu = min(max(p.nu_mu_slope * lg + p.nu_mu_intercept, p.nu_mu_min), p.nu_mu_max)
    sd = min(max(p.nu_sigma_slope * lg + p.nu_sigma_intercept, p.nu_sigma_min), p.nu_sigma_max)
    return abs(mu + sd * z)


@device_jit
def ml_set_step_mean(p, g, d2d):
    # Multiplies by 1 / span where multilevel.set_step_mean does (params.set_span_fields: the
    # division's bits for a power-of-two span; a few ulps from them otherwise, as the reference).
    w = (g - p.g_min) / (p.g_max - p.g_min) * p.set_w_span
    z = 2.0 * p.set_a * w * p.set_w_span_inv + p.set_b
    step_w = max(0.0, 1.0 - p.set_a_up * math.exp(p.set_gamma * z)) * p.set_dw_min * d2d
    return step_w * p.set_w_span_inv * (p.g_max - p.g_min)


@device_jit
def ml_set_pulse(p, g, d2d, z):
    w = (g - p.g_min) / (p.g_max - p.g_min) * p.set_w_span
    dw = ml_set_step_mean(p, g, d2d) / (p.g_max - p.g_min) * p.set_w_span
    sigma = p.set_sigma_c2c * (abs(dw) + p.set_sigma_add + p.set_sigma_slope * abs(w))
    w_new = min(max(w + dw + sigma * z, 0.0), p.set_w_span)
    return p.g_min + w_new * p.set_w_span_inv * (p.g_max - p.g_min)


@device_jit
def drift_factor(nu, elapsed, t0):
    """((elapsed + t0) / t0)^-nu (the drift law at t + t0)."""
    if elapsed <= 0.0:  # no drift yet (and no logarithm to pay for)
        return 1.0
    return math.exp(-nu * math.log((elapsed + t0) / t0))


@device_jit
def read_sigma(q_coeff, q_exp, q_max, t_read, t0, gh_prog, g_now, elapsed):
    """|g_now| Q_s sqrt(ln((elapsed + t0 + t_read) / (2 t_read))): noisy at every read."""
    t = max(elapsed, 0.0) + t0
    growth = max(math.log((t + t_read) / (2.0 * t_read)), 0.0)
    q = min(q_coeff / max(gh_prog ** q_exp, 1e-3), q_max)
    return abs(g_now) * q * math.sqrt(growth)


# ---- wear counters ---------------------------------------------------------------------------

@device_jit
def count_sets(st, d, i, j, pulses):
    if pulses > 0:
        st.set_pulses[d, i, j] += pulses
        st.set_since_reset[d, i, j] = 1


@device_jit
def count_reset(st, d, i, j):
    st.reset_pulses[d, i, j] += 1
    if st.set_since_reset[d, i, j]:
        st.cycles[d, i, j] += 1
        st.set_since_reset[d, i, j] = 0


# ---- programming events on one device of a DeviceState --------------------------------------

@device_jit
def write_ml_reset(st, d, i, j, p, t_now):
    """Abrupt RESET: back to g_min."""
    count_reset(st, d, i, j)
    st.g[d, i, j] = p.g_min
    st.nu[d, i, j] = 0.0
    st.t_prog[d, i, j] = t_now


@device_jit(inline=True)
def write_ml_program(st, d, i, j, p, t_now, g_target, half_step, key, ctr):
    """RESET, then program-and-verify to ``g_target`` (``verify_iterations`` SET pulses, Joshi
    programming noise, nu drawn from the target). Targets within half a step of g_min stay RESET.
    Returns the next counter."""
    write_ml_reset(st, d, i, j, p, t_now)
    if g_target - p.g_min < half_step:
        return ctr
    g = max(g_target + ml_programming_sigma(p, g_target) * normal(key, ctr), p.g_min)
    if p.prog_clip_g_max:
        g = min(g, p.g_max)
    st.g[d, i, j] = g
    st.nu[d, i, j] = ml_drift_nu(p, g_target, normal(key, ctr + 1))
    count_sets(st, d, i, j, p.verify_iterations)
    return ctr + 2


@device_jit(inline=True)
def write_ml_set_towards(st, d, i, j, p, t_now, g_target, half_step, key, ctr):
    """Partial SET pulses, each read back, until the device is within half a step of
    ``g_target`` or ``verify_iterations`` pulses are spent. Returns the next counter. Open-loop
    pulses reach no target of their own: nu is drawn from the conductance reached."""
    g = float(st.g[d, i, j])
    pulses = 0
    while pulses < p.verify_iterations and g < g_target - half_step:
        g = ml_set_pulse(p, g, float(st.d2d[d, i, j]), normal(key, ctr))
        ctr += 1
        pulses += 1
    if pulses > 0:
        st.g[d, i, j] = g
        st.nu[d, i, j] = ml_drift_nu(p, g, normal(key, ctr))
        st.t_prog[d, i, j] = t_now
        count_sets(st, d, i, j, pulses)
        ctr += 1
    return ctr


@device_jit
def write_binary(st, d, i, j, bp, t_now, on, key, ctr):
    """SET (``on``) or RESET one binary cell: nominal state times (1 + spread xi)."""
    z = normal(key, ctr)
    if on:
        st.g[d, i, j] = max(bp.g_on * (1.0 + bp.sigma_on * z), 0.0)
        st.nu[d, i, j] = bp.nu_on
        count_sets(st, d, i, j, 1)
    else:
        st.g[d, i, j] = max(bp.g_off * (1.0 + bp.sigma_off * z), 0.0)
        st.nu[d, i, j] = bp.nu_off
        count_reset(st, d, i, j)
    st.t_prog[d, i, j] = t_now
    return ctr + 1
