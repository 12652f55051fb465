"""Decode device states into effective weights at a time t: the numpy reference of
``hicsim.kernels.decode``.

The effective weight is what an ideal read of the crossbar computes: sum over the weight's devices
of coefficient x drifted conductance, minus the reference column (offset sign). Its read-noise
variance (per unit input squared) is sum of coefficient^2 x sigma_read^2, devices being independent.
"""

from __future__ import annotations

import numpy as np

from hicsim.devices import binary, multilevel
from hicsim.devices.layout import Layout
from hicsim.devices.params import BinaryParams, MultilevelParams
from hicsim.devices.state import DeviceState


def device_conductances(layout: Layout, ml: MultilevelParams, bp: BinaryParams, st: DeviceState,
                        t_now: float):
    """Drifted conductance and read-noise sigma of every device at ``t_now``, (devices, rows, cols)."""
    g_now = np.empty(st.g.shape, np.float64)
    sigma = np.empty(st.g.shape, np.float64)
    for d in range(layout.devices):
        elapsed = t_now - st.t_prog[d]
        g_prog = st.g[d].astype(np.float64)
        if layout.slot_binary[d % layout.slots]:
            g_now[d] = multilevel.drifted(g_prog, st.nu[d], elapsed, bp.drift_t0)
            sigma[d] = binary.binary_read_sigma(bp, g_prog, g_now[d], elapsed)
        else:
            g_now[d] = multilevel.drifted(g_prog, st.nu[d], elapsed, ml.drift_t0)
            sigma[d] = multilevel.multilevel_read_sigma(ml, g_prog, g_now[d], elapsed)
    return g_now, sigma


def decode(layout: Layout, ml: MultilevelParams, bp: BinaryParams, st: DeviceState, t_now: float):
    """Effective weights (rows, cols) and their read-noise variance per unit input squared."""
    g_now, sigma = device_conductances(layout, ml, bp, st, t_now)
    coef = layout.device_coefficients()
    weights = np.tensordot(coef, g_now, axes=1) - layout.weight_offset()
    variance = np.tensordot(coef ** 2, sigma ** 2, axes=1)
    return weights, variance
