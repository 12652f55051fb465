"""Encode float weights into device states (program a fresh array), vectorised numpy.

Devices start fresh in RESET. Encoding programs each weight's devices once: a multi-level cell
with a target above half a level gets ``verify_iterations`` SET pulses (program-and-verify, with
the published programming noise); a binary cell that must be on gets one SET. No RESET is needed
on fresh devices, so encoding adds SET pulses but no write-erase cycles.
"""

from __future__ import annotations

import numpy as np

from hicsim.devices import binary, multilevel
from hicsim.devices.layout import KIND_BIT_SLICED, KIND_HIC, Layout
from hicsim.devices.params import BinaryParams, MultilevelParams
from hicsim.devices.state import DeviceState, allocate


def check_weights(layout: Layout, weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError(f"weights must be a 2-D (rows, cols) array, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contain NaN or infinite values")
    w_max = layout.w_unit * (layout.magnitude_max - layout.offset_units)
    if np.abs(w).max(initial=0.0) > w_max * (1 + 1e-9):
        raise ValueError(f"weights reach {np.abs(w).max():.6g}, beyond the representable range "
                         f"[-{w_max:.6g}, {w_max:.6g}] (raise w_max)")
    return w


def slot_targets(layout: Layout, ml: MultilevelParams, bp: BinaryParams, weights: np.ndarray):
    """Per weight: the side holding it, its digital code, and each slot's target conductance
    (slots, rows, cols), quantised to the devices' levels."""
    w = check_weights(layout, weights)
    if layout.sides == 2:
        sign = np.where(w < 0, -1, 1).astype(np.int8)
        magnitude = np.abs(w) / layout.w_unit
    else:
        sign = np.ones(w.shape, np.int8)
        magnitude = w / layout.w_unit + layout.offset_units
    magnitude = np.clip(magnitude, 0.0, layout.magnitude_max)
    targets = np.empty((layout.slots,) + w.shape, np.float64)
    if layout.kind == KIND_HIC:
        code = np.minimum(np.floor(magnitude), layout.code_max).astype(np.int32)
        level = np.rint((magnitude - code) * (ml.levels - 1))
        for k in range(layout.slots - 1):
            targets[k] = np.where((code >> k) & 1, bp.g_on, bp.g_off)
        targets[-1] = ml.g_min + level / (ml.levels - 1) * ml.g_range
    elif layout.kind == KIND_BIT_SLICED:
        code = np.minimum(np.rint(magnitude), layout.code_max).astype(np.int64)
        base = layout.cell_levels
        for k in range(layout.slots):
            digit = (code // base ** k) % base
            targets[k] = ml.g_min + digit / (base - 1) * ml.g_range
        code = code.astype(np.int32)
    else:
        code = np.zeros(w.shape, np.int32)
        targets[0] = ml.g_min + np.rint(magnitude * (ml.levels - 1)) / (ml.levels - 1) * ml.g_range
    return sign, code, targets


def encode(layout: Layout, ml: MultilevelParams, bp: BinaryParams, weights: np.ndarray,
           rng: np.random.Generator, t_now: float = 0.0) -> DeviceState:
    """Program fresh devices to hold ``weights`` (rows, cols)."""
    sign, code, targets = slot_targets(layout, ml, bp, weights)
    rows, cols = sign.shape
    st = allocate(layout.devices, rows, cols)
    st.sign[:] = sign
    st.code[:] = code
    st.t_prog[:] = t_now
    half_step = 0.5 * ml.g_range / (layout.cell_levels - 1)
    for side in range(layout.sides):
        active = (sign > 0) if side == 0 else (sign < 0)
        for s in range(layout.slots):
            d = side * layout.slots + s
            noise = rng.standard_normal((3, rows, cols))
            if layout.slot_binary[s]:
                on = active & (targets[s] > bp.g_off)
                st.g[d] = binary.program_state(bp, on, noise[0])
                st.nu[d] = binary.drift_nu(bp, on)
                st.set_pulses[d] = on
            else:
                programmed = active & (targets[s] - ml.g_min >= half_step)
                g = multilevel.program(ml, targets[s], noise[0])
                st.g[d] = np.where(programmed, g, ml.g_min)
                st.nu[d] = np.where(programmed, multilevel.drift_nu(ml, targets[s], noise[1]), 0.0)
                st.set_pulses[d] = np.where(programmed, ml.verify_iterations, 0)
                st.d2d[d] = multilevel.device_to_device_factor(ml, noise[2])
            st.set_since_reset[d] = st.set_pulses[d] > 0
    return st
