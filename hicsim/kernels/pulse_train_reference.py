"""Numpy reference of ``program.apply_pulse_train`` (Nandakumar 2020's open-loop transfer with
refresh), built from the device model of ``hicsim.devices.multilevel`` and the counter-based
normals of ``rng.normal_np``, so the kernel can be checked against it on identical draws."""

from __future__ import annotations

import numpy as np

from hicsim.devices import multilevel as mlm
from hicsim.devices.params import MultilevelParams
from hicsim.devices.state import DeviceState
from hicsim.kernels.program import REFRESH_LOWER, REFRESH_UPPER
from hicsim.kernels.rng import normal_np


def _read(st: DeviceState, p: MultilevelParams, d, i, j, t_now, z) -> float:
    """One noisy read of device d of weight (i, j): drifted conductance plus 1/f noise x z."""
    g_prog, elapsed = float(st.g[d, i, j]), t_now - float(st.t_prog[d, i, j])
    g_now = mlm.drifted(g_prog, float(st.nu[d, i, j]), elapsed, p.drift_t0)
    return float(g_now + mlm.multilevel_read_sigma(p, g_prog, g_now, elapsed) * z)


def _reset(st: DeviceState, p: MultilevelParams, d, i, j, t_now) -> None:
    st.reset_pulses[d, i, j] += 1
    if st.set_since_reset[d, i, j]:
        st.cycles[d, i, j] += 1
        st.set_since_reset[d, i, j] = 0
    st.g[d, i, j], st.nu[d, i, j], st.t_prog[d, i, j] = p.g_min, 0.0, t_now


def _set_pulses(st: DeviceState, d, i, j, n) -> None:
    if n > 0:
        st.set_pulses[d, i, j] += n
        st.set_since_reset[d, i, j] = 1


def pulse_train_reference(st: DeviceState, p: MultilevelParams, i, j, pulses, t_now, key) -> None:
    """What the kernel does to ``st`` (in place), in the kernel's order of draws: two refresh
    reads (G+, G-); if refreshed, RESET both and program-and-verify the difference onto the larger
    (two draws, skipped when the difference is within half a level of g_min); then |pulses| SET
    pulses on G+ (pulses > 0) or G- and one draw of the new drift exponent."""
    def z(ctr: int) -> float:  # the kernel's normal(key, ctr)
        return float(normal_np(key, np.array([ctr], np.uint64))[0])

    plus, minus = _read(st, p, 0, i, j, t_now, z(0)), _read(st, p, 1, i, j, t_now, z(1))
    ctr = 2
    high, low = max(plus, minus), min(plus, minus)
    if high > REFRESH_UPPER * p.g_max and low > REFRESH_LOWER * p.g_max:
        keep = 0 if plus >= minus else 1
        _reset(st, p, 1 - keep, i, j, t_now)
        _reset(st, p, keep, i, j, t_now)
        target = p.g_min + high - low
        if target - p.g_min >= 0.5 * (p.g_max - p.g_min) / (p.levels - 1):
            st.g[keep, i, j] = mlm.program(p, target, z(ctr))
            st.nu[keep, i, j] = mlm.drift_nu(p, target, z(ctr + 1))
            _set_pulses(st, keep, i, j, p.verify_iterations)
            ctr += 2
    d = 0 if pulses > 0 else 1
    g = float(st.g[d, i, j])
    for _ in range(abs(pulses)):
        g = float(mlm.set_pulse(p, g, float(st.d2d[d, i, j]), z(ctr)))
        ctr += 1
    st.g[d, i, j] = g
    st.nu[d, i, j] = mlm.drift_nu(p, g, z(ctr))
    st.t_prog[d, i, j] = t_now
    _set_pulses(st, d, i, j, abs(pulses))
