"""Multi-level PCM cell: the published statistical model, vectorised in numpy.

These functions are the reference truth. Random draws enter as arguments (standard normals), so a
caller decides where randomness comes from and the numba kernels (``hicsim.kernels.device_ops``)
can be checked against them on identical draws.

Sources (../shared/REFERENCE.md): programming noise, drift and read noise from Nandakumar ICECS
2019 / Joshi Nat. Commun. 2020; pulsed SET from Nandakumar Front. Neurosci. 2020 (aihwkit PCMPreset).
"""

from __future__ import annotations

import numpy as np

from hicsim.devices.params import MultilevelParams

_G_HAT_FLOOR = 1e-6  # ln(g_hat) in the drift fits: a fully RESET device uses the floor


def g_hat(p: MultilevelParams, g):
    return np.asarray(g, dtype=np.float64) / p.g_max


def programming_sigma(p: MultilevelParams, g_target):
    """Standard deviation (siemens) of the programmed conductance around its target."""
    gh = g_hat(p, g_target)
    return (p.prog_c0 + p.prog_c1 * gh + p.prog_c2 * gh * gh) * 1e-6 * (p.g_max / 25e-6)


def program(p: MultilevelParams, g_target, normal):
    """Program-and-verify to ``g_target``: the target plus programming noise, floored at g_min
    (and clipped at g_max only when the spec asks: ``programming_noise.clip_at_g_max``)."""
    g = np.maximum(np.asarray(g_target, dtype=np.float64) + programming_sigma(p, g_target) * normal,
                   p.g_min)
    return np.minimum(g, p.g_max) if p.prog_clip_g_max else g


def drift_nu_mean(p: MultilevelParams, g_target):
    lg = np.log(np.maximum(g_hat(p, g_target), _G_HAT_FLOOR))
    return np.clip(p.nu_mu_slope * lg + p.nu_mu_intercept, p.nu_mu_min, p.nu_mu_max)


def drift_nu_sigma(p: MultilevelParams, g_target):
    lg = np.log(np.maximum(g_hat(p, g_target), _G_HAT_FLOOR))
    return np.clip(p.nu_sigma_slope * lg + p.nu_sigma_intercept, p.nu_sigma_min, p.nu_sigma_max)


def drift_nu(p: MultilevelParams, g_target, normal):
    """Drift exponent of a device programmed towards ``g_target``: |N(mu, sigma)|, both functions
    of the target (the published convention, ``spec.devices.Drift``)."""
    return np.abs(drift_nu_mean(p, g_target) + drift_nu_sigma(p, g_target) * normal)


def drifted(g_prog, nu, elapsed, t0):
    """g = g_prog ((elapsed + t0) / t0)^-nu: the drift law at t + t0, ``elapsed`` counted from the
    end of programming (no drift at elapsed = 0, the fit's first read at t0)."""
    ratio = (np.maximum(np.asarray(elapsed, dtype=np.float64), 0.0) + t0) / t0
    return np.asarray(g_prog, dtype=np.float64) * ratio ** (-np.asarray(nu, dtype=np.float64))


def read_noise_growth(t_read, t0, elapsed):
    """sqrt(ln((elapsed + t0 + t_read) / (2 t_read))): the 1/f noise accumulated since programming,
    at t + t0 like drift (so a read right after programming is already noisy)."""
    t = np.maximum(np.asarray(elapsed, dtype=np.float64), 0.0) + t0
    return np.sqrt(np.maximum(np.log((t + t_read) / (2.0 * t_read)), 0.0))


def read_noise_q(q_coeff, q_exp, q_max, gh_prog):
    """Q_s = min(q_coeff / max(g_hat_prog^q_exp, 1e-3), q_max)."""
    return np.minimum(q_coeff / np.maximum(np.asarray(gh_prog, dtype=np.float64) ** q_exp, 1e-3),
                      q_max)


def read_noise_sigma(q_coeff, q_exp, q_max, t_read, t0, gh_prog, g_now, elapsed):
    """1/f read noise: |g(t)| Q_s(g_hat_prog) read_noise_growth."""
    return (np.abs(g_now) * read_noise_q(q_coeff, q_exp, q_max, gh_prog)
            * read_noise_growth(t_read, t0, elapsed))


def multilevel_read_sigma(p: MultilevelParams, g_prog, g_now, elapsed):
    return read_noise_sigma(p.read_q_coeff, p.read_q_exp, p.read_q_max, p.read_t_read, p.drift_t0,
                            g_hat(p, g_prog), g_now, elapsed)


def _normalised_w(p: MultilevelParams, g):
    """Position on the SET model's normalised weight range [0, set_w_span]."""
    return (np.asarray(g, dtype=np.float64) - p.g_min) / p.g_range * p.set_w_span


def set_step_mean(p: MultilevelParams, g, d2d=1.0):
    """Mean conductance increment (siemens) of one SET pulse at conductance ``g``.

    step(w) = max(0, 1 - a_up exp(gamma z)) dw_min, z = 2 a w / w_span + b, mapped back to siemens.
    ``d2d`` is the device's own dw_min factor (device-to-device variation). Divisions by w_span
    are multiplications by its reciprocal ``set_w_span_inv`` (``params.set_span_fields``: the
    division's bits for a power-of-two span, a few ulps from them otherwise), as in the kernels.
    """
    w = _normalised_w(p, g)
    z = 2.0 * p.set_a * w * p.set_w_span_inv + p.set_b
    step_w = np.maximum(0.0, 1.0 - p.set_a_up * np.exp(p.set_gamma * z)) * p.set_dw_min * d2d
    return step_w * p.set_w_span_inv * p.g_range


def set_pulse(p: MultilevelParams, g, d2d, normal):
    """One stochastic SET pulse, the published noise law with one draw: on the normalised range,
    w' = w + dw + sigma_c2c (|dw| + sigma_add + sigma_slope |w|) xi, dw the device's mean step
    (``set_step_mean`` with its ``d2d`` factor), kept in [g_min, g_max] (aihwkit ExpStepDevice with
    PCMPresetDevice's constants, ``spec.devices.SetResponse``)."""
    w = _normalised_w(p, g)
    dw = set_step_mean(p, g, d2d) / p.g_range * p.set_w_span
    sigma = p.set_sigma_c2c * (np.abs(dw) + p.set_sigma_add + p.set_sigma_slope * np.abs(w))
    w_new = np.clip(w + dw + sigma * np.asarray(normal, dtype=np.float64), 0.0, p.set_w_span)
    return p.g_min + w_new * p.set_w_span_inv * p.g_range


def mean_set_step(p: MultilevelParams, points: int = 2001) -> float:
    """The device's mean SET step (siemens), averaged over its conductance range: the epsilon of
    Nandakumar 2020's mixed-precision transfer (n = trunc(chi / epsilon) pulses), where epsilon is
    the device's average conductance change per SET pulse."""
    g = np.linspace(p.g_min, p.g_max, points)
    return float(set_step_mean(p, g).mean())


def device_to_device_factor(p: MultilevelParams, normal):
    """Per-device multiplier of dw_min, N(1, sigma_d2d) kept non-negative."""
    return np.maximum(1.0 + p.set_sigma_d2d * np.asarray(normal, dtype=np.float64), 0.0)
