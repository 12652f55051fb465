"""Apply whole update steps to one weight's devices, by the representation's rules (numba).

A step is one multi-level level (hic, multilevel) or one code LSB (bit_sliced), up or down in
weight. What a step does to the devices:

- hic: growing the magnitude SETs the multi-level device towards one level more (partial SET
  pulses, read back); when that would pass g_max, the binary code carries (+1: its changed bits are
  SET / RESET) and the multi-level device is RESET and re-programmed one range lower. Shrinking
  RESETs and re-programs the multi-level device one level lower (PCM cannot lower a conductance
  gradually), borrowing from the binary code below g_min. A differential weight that crosses zero
  moves to the other side. At the largest magnitude a step is dropped (saturation).
- multilevel: a differential pair as in Nandakumar 2020: up SETs G+, down SETs G-; when the device
  to SET is full, both are RESET and their difference re-programmed onto one (refresh). With an
  offset reference, down RESETs and re-programs the single device.
- bit_sliced: the digital code moves by one LSB and every cell whose digit changed is RESET and
  re-programmed to its new level.

Controllers read back the programmed conductance (``st.g``), not the drifted one.

``apply_pulse_train`` is the published mixed-precision transfer (Nandakumar 2020), for a
differential pair of multi-level devices: n open-loop SET pulses on G+ (n > 0) or G- (n < 0),
nothing read back, each pulse the device's stochastic step. Refresh: before a train, both devices
are read (with read noise); when the larger reads above 0.75 g_max and the smaller above
0.25 g_max, both are RESET and their difference re-programmed onto one (program-and-verify).
The thresholds are aihwkit's (OneSidedUnitCell refresh_upper_thres / refresh_lower_thres, as its
MixedPrecisionPCMPreset uses them for this scheme).
"""

from __future__ import annotations

from hicsim.devices.layout import KIND_HIC, KIND_MULTILEVEL
from hicsim.kernels.decode import device_read
from hicsim.kernels.device_jit import device_jit
from hicsim.kernels.device_ops import (count_sets, ml_drift_nu, ml_set_pulse, write_binary,
                                       write_ml_program, write_ml_reset, write_ml_set_towards)
from hicsim.kernels.rng import normal


@device_jit
def _write_binary_code(st, lay, bp, side, i, j, old, new, t_now, key, ctr):
    for k in range(lay.slots - 1):
        bit = (new >> k) & 1
        if bit != ((old >> k) & 1):
            ctr = write_binary(st, side * lay.slots + k, i, j, bp, t_now, bit == 1, key, ctr)
    return ctr


@device_jit(inline=True)
def _hic_step(st, lay, ml, bp, i, j, direction, t_now, key, ctr):
    eps = (ml.g_max - ml.g_min) / (ml.levels - 1)
    half = 0.5 * eps
    g_range = ml.g_max - ml.g_min
    last = lay.slots - 1
    if lay.sides == 2 and st.code[i, j] == 0 and direction != st.sign[i, j]:
        side = 0 if st.sign[i, j] > 0 else 1
        if st.g[side * lay.slots + last, i, j] - ml.g_min < half:  # magnitude 0: change sides
            st.sign[i, j] = direction
    side = 0 if st.sign[i, j] > 0 else 1
    d = side * lay.slots + last
    g = float(st.g[d, i, j])
    code = st.code[i, j]
    grow = direction == st.sign[i, j] if lay.sides == 2 else direction > 0
    if grow:
        target = g + eps
        if target <= ml.g_max + half:
            ctr = write_ml_set_towards(st, d, i, j, ml, t_now, target, half, key, ctr)
        elif code < lay.code_max:
            ctr = _write_binary_code(st, lay, bp, side, i, j, code, code + 1, t_now, key, ctr)
            st.code[i, j] = code + 1
            ctr = write_ml_program(st, d, i, j, ml, t_now, target - g_range, half, key, ctr)
        return ctr
    target = g - eps
    if target >= ml.g_min - half:
        ctr = write_ml_program(st, d, i, j, ml, t_now, max(target, ml.g_min), half, key, ctr)
    elif code > 0:
        ctr = _write_binary_code(st, lay, bp, side, i, j, code, code - 1, t_now, key, ctr)
        st.code[i, j] = code - 1
        ctr = write_ml_program(st, d, i, j, ml, t_now, target + g_range, half, key, ctr)
    elif lay.sides == 2:  # crossing zero: the remainder goes to the other side
        write_ml_reset(st, d, i, j, ml, t_now)
        st.sign[i, j] = -st.sign[i, j]
        other = (1 - side) * lay.slots + last
        ctr = write_ml_program(st, other, i, j, ml, t_now, ml.g_min + (ml.g_min - target), half,
                               key, ctr)
    return ctr


@device_jit
def _multilevel_step(st, lay, ml, i, j, direction, t_now, key, ctr):
    eps = (ml.g_max - ml.g_min) / (ml.levels - 1)
    half = 0.5 * eps
    if lay.sides == 1:
        g = float(st.g[0, i, j])
        if direction > 0:
            if g + eps <= ml.g_max + half:
                ctr = write_ml_set_towards(st, 0, i, j, ml, t_now, g + eps, half, key, ctr)
        elif g - eps >= ml.g_min - half:
            ctr = write_ml_program(st, 0, i, j, ml, t_now, max(g - eps, ml.g_min), half, key, ctr)
        return ctr
    d = 0 if direction > 0 else 1
    if st.g[d, i, j] + eps > ml.g_max + half:  # refresh the pair, then step
        net = float(st.g[0, i, j]) - float(st.g[1, i, j])
        keep = 0 if net >= 0 else 1
        write_ml_reset(st, 1 - keep, i, j, ml, t_now)
        ctr = write_ml_program(st, keep, i, j, ml, t_now, ml.g_min + abs(net), half, key, ctr)
    g = float(st.g[d, i, j])
    if g + eps <= ml.g_max + half:
        ctr = write_ml_set_towards(st, d, i, j, ml, t_now, g + eps, half, key, ctr)
    return ctr


@device_jit
def _bit_sliced_step(st, lay, ml, i, j, direction, t_now, key, ctr):
    base = lay.cell_levels
    half = 0.5 * (ml.g_max - ml.g_min) / (base - 1)
    if lay.sides == 2:
        old_value = st.sign[i, j] * st.code[i, j]
        new_value = min(max(old_value + direction, -lay.code_max), lay.code_max)
    else:
        old_value = st.code[i, j]
        new_value = min(max(old_value + direction, 0), lay.code_max)
    if new_value == old_value:
        return ctr
    old_side = 0 if old_value >= 0 else 1
    new_side = 0 if new_value >= 0 else 1
    old_code, new_code = abs(old_value), abs(new_value)
    if new_side != old_side:  # a differential weight through zero: clear the old side
        ctr = _write_cells(st, lay, ml, old_side, i, j, old_code, 0, half, t_now, key, ctr)
        old_code = 0
    ctr = _write_cells(st, lay, ml, new_side, i, j, old_code, new_code, half, t_now, key, ctr)
    st.code[i, j] = new_code
    st.sign[i, j] = 1 if new_value >= 0 else -1
    return ctr


@device_jit
def _write_cells(st, lay, ml, side, i, j, old_code, new_code, half, t_now, key, ctr):
    base = lay.cell_levels
    scale = 1
    for k in range(lay.slots):
        old_digit = (old_code // scale) % base
        new_digit = (new_code // scale) % base
        if new_digit != old_digit:
            target = ml.g_min + new_digit / (base - 1) * (ml.g_max - ml.g_min)
            ctr = write_ml_program(st, side * lay.slots + k, i, j, ml, t_now, target, half, key, ctr)
        scale *= base
    return ctr


@device_jit(inline=True)
def apply_steps(st, lay, ml, bp, i, j, steps, t_now, key):
    """Apply ``steps`` (signed) whole steps to weight (i, j); draws come from ``key``."""
    direction = 1 if steps > 0 else -1
    ctr = 0
    for _ in range(abs(steps)):
        if lay.kind == KIND_HIC:
            ctr = _hic_step(st, lay, ml, bp, i, j, direction, t_now, key, ctr)
        elif lay.kind == KIND_MULTILEVEL:
            ctr = _multilevel_step(st, lay, ml, i, j, direction, t_now, key, ctr)
        else:
            ctr = _bit_sliced_step(st, lay, ml, i, j, direction, t_now, key, ctr)


REFRESH_UPPER, REFRESH_LOWER = 0.75, 0.25  # of g_max (module docstring)


@device_jit
def _refresh(st, ml, i, j, t_now, key, ctr):
    """Read both devices of the pair (with read noise); if both sit high, RESET both and
    re-program their difference onto one. Returns the next counter."""
    g_now, sd = device_read(ml, float(st.g[0, i, j]), float(st.nu[0, i, j]),
                            t_now - st.t_prog[0, i, j])
    plus = g_now + sd * normal(key, ctr)
    g_now, sd = device_read(ml, float(st.g[1, i, j]), float(st.nu[1, i, j]),
                            t_now - st.t_prog[1, i, j])
    minus = g_now + sd * normal(key, ctr + 1)
    ctr += 2
    high, low = max(plus, minus), min(plus, minus)
    if high > REFRESH_UPPER * ml.g_max and low > REFRESH_LOWER * ml.g_max:
        keep = 0 if plus >= minus else 1
        write_ml_reset(st, 1 - keep, i, j, ml, t_now)
        half = 0.5 * (ml.g_max - ml.g_min) / (ml.levels - 1)
        ctr = write_ml_program(st, keep, i, j, ml, t_now, ml.g_min + high - low, half, key, ctr)
    return ctr


@device_jit
def apply_pulse_train(st, ml, i, j, pulses, t_now, key):
    """Nandakumar 2020's transfer of ``pulses`` (signed) to weight (i, j) of a differential
    multi-level pair: a refresh check, then |pulses| open-loop SET pulses on G+ or G-."""
    ctr = _refresh(st, ml, i, j, t_now, key, 0)
    d = 0 if pulses > 0 else 1
    g = float(st.g[d, i, j])
    d2d = float(st.d2d[d, i, j])
    n = abs(pulses)
    for _ in range(n):
        g = ml_set_pulse(ml, g, d2d, normal(key, ctr))
        ctr += 1
    st.g[d, i, j] = g
    st.nu[d, i, j] = ml_drift_nu(ml, g, normal(key, ctr))
    st.t_prog[d, i, j] = t_now
    count_sets(st, d, i, j, n)
