"""Weight representations: how one weight is spread over PCM devices, for HIC, all-multi-level and
bit-sliced weights alike.

Every representation is described by the same flat ``Layout``: per sign side (two for a
differential pair, one for an offset scheme) a row of ``slots`` devices, each contributing
``slot_units[s] * (g - g_zero)`` to the weight's magnitude, in *magnitude units*; one unit is worth
``w_unit`` in weight. The layouts differ only in their numbers:

- ``hic``: ``binary_devices`` binary cells weighted 2^k (k = 0..n-1) times the multi-level
  device's full range, plus one multi-level cell; a unit is the multi-level range, the largest
  magnitude is 2^n, an update step is one multi-level level (1 / (levels - 1) units);
- ``multilevel``: one multi-level cell per side; a unit is its range, a step one level;
- ``bit_sliced``: ceil(weight_bits / bits_per_cell) multi-level cells of 2^bits_per_cell levels,
  cell k weighted (2^bits_per_cell)^k; a unit is one code LSB, a step is one LSB.

Differential pairs hold a weight as sign x magnitude with the other side left RESET; an offset
scheme holds weight + w_max on its single side and subtracts a reference column.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hicsim.devices.params import BinaryParams, MultilevelParams, check_set_span
from hicsim.hardware.kinds import technology_of
from hicsim.hardware.weights import WeightRepresentation, weight_representation
from hicsim.spec.arch import Arch

KIND_HIC, KIND_MULTILEVEL, KIND_BIT_SLICED = 0, 1, 2  # the kernels compile these in (program.py)
KIND_NAMES = {KIND_HIC: "hic", KIND_MULTILEVEL: "multilevel", KIND_BIT_SLICED: "bit_sliced"}
KIND_OF = {name: kind for kind, name in KIND_NAMES.items()}


class Layout(NamedTuple):
    kind: int
    sides: int                 # 2: differential pair, 1: offset with a reference column
    slots: int                 # devices per side
    slot_binary: np.ndarray    # uint8 (slots,): 1 where the slot holds a binary cell
    slot_units: np.ndarray     # float64 (slots,): magnitude units per siemens
    slot_g_zero: np.ndarray    # float64 (slots,): conductance that means "zero" (g_min or g_off)
    magnitude_max: float       # largest magnitude, in units
    step_units: float          # one update step (one device level or code LSB), in units
    offset_units: float        # magnitude that means weight 0 (offset scheme); 0 for differential
    w_unit: float              # weight per magnitude unit
    code_max: int              # hic: largest binary code; bit_sliced: largest magnitude code
    cell_levels: int           # levels of one multi-level cell

    @property
    def devices(self) -> int:
        return self.sides * self.slots

    def device_coefficients(self) -> np.ndarray:
        """Weight per siemens of every device slot d = side * slots + s (differential sign folded in)."""
        signs = np.array([1.0, -1.0][: self.sides])
        return (signs[:, None] * self.slot_units[None, :]).reshape(-1) * self.w_unit

    def weight_offset(self) -> float:
        """Constant subtracted by the reference column (offset scheme), in weight."""
        if self.sides == 2:
            return 0.0
        return self.w_unit * (float(np.dot(self.slot_units, self.slot_g_zero)) + self.offset_units)


def build_layout(arch: Arch, w_max: float) -> tuple[Layout, MultilevelParams, BinaryParams]:
    """The kernels' layout of the spec's weight representation for weights in [-w_max, w_max],
    and the kernel parameters of its analog and binary cells (the spec has validated the
    representation: device cells, counts, levels)."""
    if not (np.isfinite(w_max) and w_max > 0):
        raise ValueError(f"w_max must be a positive finite number, got {w_max!r}")
    rep = weight_representation(arch.tile.weights)
    analog = technology_of(rep.analog, arch.devices[rep.analog])
    ml = analog.kernel_params()
    check_set_span(ml, f"{type(analog).__name__}.kernel_params() of {rep.analog!r}")
    binp = (technology_of(rep.binary, arch.devices[rep.binary]).kernel_params()
            if rep.binary is not None else _absent_binary(ml))
    return kernel_layout(rep, ml, binp, w_max), ml, binp


def kernel_layout(rep: WeightRepresentation, ml: MultilevelParams, binp: BinaryParams,
                  w_max: float) -> Layout:
    sides = rep.sign_columns
    if rep.kind == "hic":
        n = rep.spec.binary_devices
        units = [2.0 ** k / (binp.g_on - binp.g_off) for k in range(n)] + [1.0 / ml.g_range]
        zeros = [binp.g_off] * n + [ml.g_min]
        mag_max, step, code_max, levels = 2.0 ** n, 1.0 / (ml.levels - 1), 2 ** n - 1, ml.levels
        binary_mask = [1] * n + [0]
    elif rep.kind == "multilevel":
        units, zeros, binary_mask = [1.0 / ml.g_range], [ml.g_min], [0]
        mag_max, step, code_max, levels = 1.0, 1.0 / (ml.levels - 1), 0, ml.levels
    else:  # bit_sliced
        cell_levels = 2 ** rep.spec.bits_per_cell
        cells = len(rep.device_names)
        magnitude_bits = rep.spec.weight_bits - 1 if sides == 2 else rep.spec.weight_bits  # sign
        code_max = 2 ** magnitude_bits - 1
        units = [cell_levels ** k * (cell_levels - 1) / ml.g_range for k in range(cells)]
        zeros, binary_mask = [ml.g_min] * cells, [0] * cells
        mag_max, step, levels = float(code_max), 1.0, cell_levels
    offset_units = 0.0 if sides == 2 else mag_max / 2.0
    w_unit = w_max / (mag_max - offset_units)
    return Layout(kind=KIND_OF[rep.kind], sides=sides, slots=len(units),
                  slot_binary=np.array(binary_mask, dtype=np.uint8),
                  slot_units=np.array(units, dtype=np.float64),
                  slot_g_zero=np.array(zeros, dtype=np.float64),
                  magnitude_max=float(mag_max), step_units=float(step), offset_units=offset_units,
                  w_unit=float(w_unit), code_max=int(code_max), cell_levels=int(levels))


def _absent_binary(ml: MultilevelParams) -> BinaryParams:
    """Binary parameters for a representation without binary cells: every kernel takes one
    (multi-level, binary) parameter pair, and never reads this one (no slot is binary)."""
    return BinaryParams(g_on=ml.g_max, g_off=ml.g_min, sigma_on=0.0, sigma_off=0.0, nu_on=0.0,
                        nu_off=0.0, drift_t0=ml.drift_t0, read_q_coeff=ml.read_q_coeff,
                        read_q_exp=ml.read_q_exp, read_q_max=ml.read_q_max,
                        read_t_read=ml.read_t_read, endurance=ml.endurance)
