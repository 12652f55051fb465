"""Closed-form moments of the published multi-level PCM model, to test the sampled model against
and to print beside a peer's figures (``bench/peer_aihwkit.py``).

The model (REFERENCE.md; Nandakumar 2019 / Joshi 2020 as aihwkit's PCMLikeNoiseModel implements
it), for a target g_T and a time t after programming:

- g_prog = max(g_min, X), X ~ N(g_T, s^2): a rectified normal, whose moments are exact;
- nu = |N(mu, sd)|, drawn from the target and so independent of g_prog; with r = (t + t0) / t0,
  E[r^(-k nu)] = E[exp(-c |N(mu, sd)|)], c = k ln r, is the folded normal's Laplace transform:
  exp(c^2 sd^2 / 2) (exp(-c mu) Phi(mu / sd - c sd) + exp(c mu) Phi(-mu / sd - c sd));
- g(t) = g_prog r^-nu, so E[g] = E[g_prog] E[r^-nu] and E[g^2] = E[g_prog^2] E[r^-2nu];
- a read adds |g(t)| Q_s(g_prog) S(t) xi: the mean is unchanged, the variance grows by
  S^2 E[r^-2nu] E[g_prog^2 Q_s(g_prog)^2]. Q_s depends on g_prog, so that last expectation is a
  one-dimensional integral over the programming distribution, taken by quadrature here.

Programming noise without clipping at g_max (the published convention; see
``spec.devices.ProgrammingNoise``).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import ndtr

from hicsim.devices import multilevel
from hicsim.devices.params import MultilevelParams

_QUADRATURE_POINTS = 8001
_QUADRATURE_SIGMAS = 10.0


def _phi(x: float) -> float:
    """Standard normal cumulative distribution."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def programmed_moments(p: MultilevelParams, g_target: float) -> tuple[float, float]:
    """(E[g_prog], E[g_prog^2]) of g_prog = max(g_min, N(g_T, s^2))."""
    s = float(multilevel.programming_sigma(p, g_target))
    m = g_target - p.g_min  # shift so that the floor is at 0
    a = m / s
    pdf = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    e1 = m * _phi(a) + s * pdf
    e2 = (m * m + s * s) * _phi(a) + m * s * pdf
    return p.g_min + e1, e2 + 2.0 * p.g_min * e1 + p.g_min ** 2


def drift_factor_moment(p: MultilevelParams, g_target: float, elapsed: float, k: int) -> float:
    """E[r^(-k nu)], r = (elapsed + t0) / t0, nu = |N(mu(g_T), sd(g_T))|."""
    mu = float(multilevel.drift_nu_mean(p, g_target))
    sd = float(multilevel.drift_nu_sigma(p, g_target))
    c = k * math.log((max(elapsed, 0.0) + p.drift_t0) / p.drift_t0)
    spread = math.exp(0.5 * c * c * sd * sd)
    return spread * (math.exp(-c * mu) * _phi(mu / sd - c * sd)
                     + math.exp(c * mu) * _phi(-mu / sd - c * sd))


def _read_noise_weight(p: MultilevelParams, g_target: float) -> float:
    """E[g_prog^2 Q_s(g_prog)^2] over the programming distribution (trapezoidal quadrature on
    +-10 sigma; the mass floored at g_min sits at x < g_min, where g = g_min)."""
    s = float(multilevel.programming_sigma(p, g_target))
    x = np.linspace(g_target - _QUADRATURE_SIGMAS * s, g_target + _QUADRATURE_SIGMAS * s,
                    _QUADRATURE_POINTS)
    density = np.exp(-0.5 * ((x - g_target) / s) ** 2) / (s * math.sqrt(2.0 * math.pi))
    g = np.maximum(x, p.g_min)
    f = density * (g * multilevel.read_noise_q(p.read_q_coeff, p.read_q_exp, p.read_q_max,
                                               multilevel.g_hat(p, g))) ** 2
    return float((f.sum() - 0.5 * (f[0] + f[-1])) * (x[1] - x[0]))


def conductance_moments(p: MultilevelParams, g_target: float, elapsed: float,
                        read_noise: bool) -> tuple[float, float]:
    """(mean, standard deviation) of a device programmed to ``g_target``, drifted to ``elapsed``
    seconds after programming, and read once (with its 1/f read noise) or not."""
    e1, e2 = programmed_moments(p, g_target)
    d1 = drift_factor_moment(p, g_target, elapsed, 1)
    d2 = drift_factor_moment(p, g_target, elapsed, 2)
    mean = e1 * d1
    var = e2 * d2 - mean * mean
    if read_noise:
        growth = float(multilevel.read_noise_growth(p.read_t_read, p.drift_t0, elapsed))
        var += growth * growth * d2 * _read_noise_weight(p, g_target)
    return mean, math.sqrt(var)


# ---- pulsed SET (Nandakumar 2020 / aihwkit PCMPresetDevice) ----------------------------------

_SET_GRID = 601       # points on the normalised range [0, w_max]; the step noise spans >= 7
_D2D_NODES = 12       # Gauss-Hermite nodes over the device-to-device factor


def _pulse_transition(p: MultilevelParams, w: np.ndarray, d2d: float) -> np.ndarray:
    """T[k, j]: probability that one pulse moves a device at grid point w_k to grid cell j (cells
    around the points; the end cells take everything clipped at 0 and w_max)."""
    g = p.g_min + w / p.set_w_span * p.g_range
    dw = multilevel.set_step_mean(p, g, d2d) / p.g_range * p.set_w_span
    sigma = p.set_sigma_c2c * (np.abs(dw) + p.set_sigma_add + p.set_sigma_slope * np.abs(w))
    edges = np.concatenate(([-np.inf], 0.5 * (w[1:] + w[:-1]), [np.inf]))
    cdf = ndtr((edges[None, :] - (w + dw)[:, None]) / sigma[:, None])
    return np.diff(cdf, axis=1)


def pulse_train_moments(p: MultilevelParams, g_start: float, pulses: int):
    """(mean, std) in siemens of a device's conductance after 0..``pulses`` SET pulses from
    ``g_start``, over the population of devices (device-to-device factor included): the published
    one-pulse law, a Markov chain on the conductance, propagated exactly on a fine grid."""
    w = np.linspace(0.0, p.set_w_span, _SET_GRID)
    start = np.zeros(_SET_GRID)
    start[int(round((g_start - p.g_min) / p.g_range * (_SET_GRID - 1)))] = 1.0
    nodes, weights = hermegauss(_D2D_NODES)
    weights = weights / weights.sum()
    first = np.zeros(pulses + 1)
    second = np.zeros(pulses + 1)
    for z, weight in zip(nodes, weights):
        transition = _pulse_transition(p, w, max(1.0 + p.set_sigma_d2d * z, 0.0))
        density = start
        for n in range(pulses + 1):
            first[n] += weight * density @ w
            second[n] += weight * density @ (w * w)
            density = density @ transition
    scale = p.g_range / p.set_w_span
    return p.g_min + first * scale, np.sqrt(np.maximum(second - first ** 2, 0.0)) * scale
