"""Binary PCM cell: a SET (on) and a RESET (off) state, each with its own spread and drift.

Vectorised numpy; random draws are arguments (see ``multilevel.py`` for why).
"""

from __future__ import annotations

import numpy as np

from hicsim.devices.multilevel import read_noise_sigma
from hicsim.devices.params import BinaryParams


def program_state(p: BinaryParams, on, normal):
    """Conductance after a SET (``on``) or RESET pulse: nominal times (1 + relative spread xi)."""
    on = np.asarray(on, dtype=bool)
    nominal = np.where(on, p.g_on, p.g_off)
    spread = np.where(on, p.sigma_on, p.sigma_off)
    return np.maximum(nominal * (1.0 + spread * np.asarray(normal, dtype=np.float64)), 0.0)


def drift_nu(p: BinaryParams, on):
    return np.where(np.asarray(on, dtype=bool), p.nu_on, p.nu_off)


def binary_read_sigma(p: BinaryParams, g_prog, g_now, elapsed):
    return read_noise_sigma(p.read_q_coeff, p.read_q_exp, p.read_q_max, p.read_t_read,
                            p.drift_t0, np.asarray(g_prog, dtype=np.float64) / p.g_on, g_now,
                            elapsed)


def read_margin(p: BinaryParams, elapsed, k_sigma: float = 3.0) -> float:
    """Gap (siemens) between the k-sigma low edge of the on state and the k-sigma high edge of the
    off state, both drifted to ``elapsed`` seconds after programming (the drift law at t + t0, as
    for multi-level cells). Negative: states overlap and a single-threshold read can fail."""
    ratio = (max(float(elapsed), 0.0) + p.drift_t0) / p.drift_t0
    on_low = p.g_on * ratio ** -p.nu_on * (1.0 - k_sigma * p.sigma_on)
    off_high = p.g_off * ratio ** -p.nu_off * (1.0 + k_sigma * p.sigma_off)
    return on_low - off_high


def read_threshold(p: BinaryParams) -> float:
    """Sense threshold: geometric mean of the nominal states (robust to the states' drift)."""
    return float(np.sqrt(p.g_on * max(p.g_off, p.g_on * 1e-6)))
