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

import math
from typing import NamedTuple

import numpy as np

from hicsim.devices.params import BinaryParams, MultilevelParams, binary_params, multilevel_params
from hicsim.spec.arch import Arch, BitSlicedWeights, HicWeights, MultilevelWeights

KIND_HIC, KIND_MULTILEVEL, KIND_BIT_SLICED = 0, 1, 2
KIND_NAMES = {KIND_HIC: "hic", KIND_MULTILEVEL: "multilevel", KIND_BIT_SLICED: "bit_sliced"}

# Largest binary-device count: magnitudes are held as int32 codes and float32 conductance sums.
MAX_BINARY_DEVICES = 16


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
    """The layout of ``arch.tile.weights`` for weights in [-w_max, w_max], and its device params.

    Raises ValueError for a representation the devices cannot hold.
    """
    if not (np.isfinite(w_max) and w_max > 0):
        raise ValueError(f"w_max must be a positive finite number, got {w_max!r}")
    rep = arch.tile.weights
    sides = rep.sign_columns()
    if isinstance(rep, HicWeights):
        ml = _multilevel(arch, rep.multilevel, "tile.weights.multilevel")
        binp = _binary(arch, rep.binary, "tile.weights.binary")
        n = rep.binary_devices
        if n > MAX_BINARY_DEVICES:
            raise ValueError(f"tile.weights.binary_devices: {n} exceeds the supported {MAX_BINARY_DEVICES}")
        units = [2.0 ** k / (binp.g_on - binp.g_off) for k in range(n)] + [1.0 / ml.g_range]
        zeros = [binp.g_off] * n + [ml.g_min]
        kind, mag_max, step, code_max, levels = KIND_HIC, 2.0 ** n, 1.0 / (ml.levels - 1), 2 ** n - 1, ml.levels
        binary_mask = [1] * n + [0]
    elif isinstance(rep, MultilevelWeights):
        ml = _multilevel(arch, rep.device, "tile.weights.device")
        if rep.devices_per_weight != 1:
            raise ValueError("tile.weights.devices_per_weight: only 1 multi-level device per weight "
                             f"(per sign side) is modelled, got {rep.devices_per_weight}")
        binp = _nominal_binary(ml)
        units, zeros, binary_mask = [1.0 / ml.g_range], [ml.g_min], [0]
        kind, mag_max, step, code_max, levels = KIND_MULTILEVEL, 1.0, 1.0 / (ml.levels - 1), 0, ml.levels
    elif isinstance(rep, BitSlicedWeights):
        ml = _multilevel(arch, rep.device, "tile.weights.device")
        binp = _nominal_binary(ml)
        cell_levels = 2 ** rep.bits_per_cell
        if cell_levels > ml.levels:
            raise ValueError(f"tile.weights.bits_per_cell: {rep.bits_per_cell} bits need {cell_levels} "
                             f"levels, device {rep.device!r} has {ml.levels}")
        cells = math.ceil(rep.weight_bits / rep.bits_per_cell)
        magnitude_bits = rep.weight_bits - 1 if sides == 2 else rep.weight_bits  # sign bit
        code_max = 2 ** magnitude_bits - 1
        units = [cell_levels ** k * (cell_levels - 1) / ml.g_range for k in range(cells)]
        zeros, binary_mask = [ml.g_min] * cells, [0] * cells
        kind, mag_max, step, levels = KIND_BIT_SLICED, float(code_max), 1.0, cell_levels
    else:  # pragma: no cover - the spec's discriminated union has no other members
        raise ValueError(f"unknown weight representation {rep!r}")
    offset_units = 0.0 if sides == 2 else mag_max / 2.0
    w_unit = w_max / (mag_max - offset_units)
    layout = Layout(kind=kind, sides=sides, slots=len(units),
                    slot_binary=np.array(binary_mask, dtype=np.uint8),
                    slot_units=np.array(units, dtype=np.float64),
                    slot_g_zero=np.array(zeros, dtype=np.float64),
                    magnitude_max=float(mag_max), step_units=float(step), offset_units=offset_units,
                    w_unit=float(w_unit), code_max=int(code_max), cell_levels=int(levels))
    return layout, ml, binp


def _multilevel(arch: Arch, name: str, path: str) -> MultilevelParams:
    dev = arch.devices[name]
    if dev.kind != "pcm_multilevel":
        raise ValueError(f"{path}: device {name!r} is {dev.kind}; this representation needs a "
                         "pcm_multilevel device")
    return multilevel_params(dev)


def _binary(arch: Arch, name: str, path: str) -> BinaryParams:
    dev = arch.devices[name]
    if dev.kind != "pcm_binary":
        raise ValueError(f"{path}: device {name!r} is {dev.kind}, expected pcm_binary")
    return binary_params(dev)


def _nominal_binary(ml: MultilevelParams) -> BinaryParams:
    """Placeholder binary params for layouts without binary cells (kernels take both kinds)."""
    return BinaryParams(g_on=ml.g_max, g_off=ml.g_min, sigma_on=0.0, sigma_off=0.0, nu_on=0.0,
                        nu_off=0.0, drift_t0=ml.drift_t0, read_q_coeff=ml.read_q_coeff,
                        read_q_exp=ml.read_q_exp, read_q_max=ml.read_q_max,
                        read_t_read=ml.read_t_read, endurance=ml.endurance)
