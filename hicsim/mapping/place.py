"""Map each weighted layer onto crossbars and tiles; decide resident or streamed weights.

A layer's weight matrix is ``groups`` blocks of ``rows x cols`` (rows = C/g * R * S, cols = K/g).
A block larger than a crossbar splits into row partitions (their partial sums are added
digitally) and column partitions (each needs the inputs driven again). Blocks smaller than a
crossbar, as in depthwise convolutions, pack block-diagonally so that one read serves several.

Crossbars are numbered as slots (tile = slot // crossbars per tile) and layers are packed into
consecutive slots, so small layers share tiles and contend for them. When every layer fits at
once the weights stay resident (PCM is non-volatile: programmed once, not per inference) and
spare slots replicate the layers with the most work. When they do not fit, weights stream from
DRAM: each layer is programmed before it runs, in passes of at most the whole chip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from hicsim.generation.plan import LayerPlan, plan_network
from hicsim.hardware.model import Hardware
from hicsim.hardware.weights import WeightRepresentation
from hicsim.spec.errors import single
from hicsim.workload.model import Workload


@dataclass(frozen=True)
class ReadDemand:
    """What one direction of analog MVMs asks of a layer's crossbars (one replica)."""

    mvms_per_sample: int
    slices: int  # input bit slices per MVM
    crossbars: int
    dac_per_slice: int  # lines driven per slice of one MVM
    adc_per_slice: int  # lines converted per slice of one MVM
    busiest_outputs: int  # lines converted on the fullest crossbar (sets ADC time)
    partial_sum_adds_per_mvm: int
    devices: dict[str, int]  # devices that conduct on every slice, by device name


@dataclass(frozen=True)
class LayerMap:
    """What one weighted layer asks of the crossbars (one replica unless said otherwise)."""

    index: int
    name: str
    groups: int
    rows: int  # weight rows per group
    cols: int  # weights (outputs) per group
    row_parts: int
    col_parts: int
    groups_per_crossbar: int
    crossbars: int  # per replica
    mvms_per_sample: int
    slices: int  # input bit slices per MVM (input bits / DAC bits)
    columns_per_weight: int
    reference_columns: int
    busiest_crossbar_columns: int  # active columns on the fullest crossbar (sets ADC time)
    devices: dict[str, int]  # devices holding the weights, by device name (one replica)
    replicas: int = 1
    first_slots: tuple[int, ...] = (0,)  # first crossbar slot of each replica (resident)

    def forward_read(self) -> "ReadDemand":
        """x . W: inputs drive rows; every device column of every row partition is converted."""
        return ReadDemand(
            mvms_per_sample=self.mvms_per_sample, slices=self.slices, crossbars=self.crossbars,
            dac_per_slice=self.groups * self.rows * self.col_parts,
            adc_per_slice=(self.groups * self.cols * self.columns_per_weight * self.row_parts
                           + self.reference_columns * self.crossbars),
            busiest_outputs=self.busiest_crossbar_columns,
            partial_sum_adds_per_mvm=self.groups * self.cols * (self.row_parts - 1),
            devices=self.devices)

    def backward_read(self, error_bits: int, dac_bits: int, crossbar_rows: int) -> "ReadDemand":
        """delta . W^T on the same crossbars: errors drive the device columns (each scaled by its
        device's significance), the rows are converted, partial sums meet across column parts."""
        return ReadDemand(
            mvms_per_sample=self.mvms_per_sample, slices=math.ceil(error_bits / dac_bits),
            crossbars=self.crossbars,
            dac_per_slice=self.groups * self.cols * self.columns_per_weight * self.row_parts,
            adc_per_slice=self.groups * self.rows * self.col_parts,
            busiest_outputs=self.groups_per_crossbar * min(self.rows, crossbar_rows),
            partial_sum_adds_per_mvm=self.groups * self.rows * (self.col_parts - 1),
            devices=self.devices)

    def weight_bytes(self, weight_bits: int, fraction: float = 1.0) -> int:
        """Bytes of ``fraction`` of the layer's dense weights (one copy), as loaded from DRAM."""
        return math.ceil(self.groups * self.rows * self.cols * weight_bits / 8 * fraction)

    def with_replicas(self, replicas: int, first_slots: tuple[int, ...]) -> "LayerMap":
        return replace(self, replicas=replicas, first_slots=first_slots)


@dataclass(frozen=True)
class Mapping:
    mode: str  # "resident" or "streamed"
    slots: int  # crossbars on the chip
    crossbars_per_tile: int
    weights: WeightRepresentation
    layers: dict[str, LayerMap] = field(default_factory=dict)
    # Generation plans per weighted layer when the chip has an enabled generation unit.
    generation: dict[str, LayerPlan] = field(default_factory=dict)

    @property
    def crossbars_used(self) -> int:
        return sum(m.crossbars * m.replicas for m in self.layers.values())

    def tiles_of(self, layer: LayerMap, crossbars: int | None = None) -> dict[int, int]:
        """Tile -> crossbars that ``layer`` (all replicas) occupies on it. Streamed passes start at
        slot 0 and use ``crossbars`` slots."""
        if self.mode == "streamed":
            blocks = [(0, crossbars if crossbars is not None else layer.crossbars)]
        else:
            blocks = [(first, layer.crossbars) for first in layer.first_slots]
        out: dict[int, int] = {}
        for first, count in blocks:
            for slot in range(first, first + count):
                tile = slot // self.crossbars_per_tile
                out[tile] = out.get(tile, 0) + 1
        return out

    def passes(self, layer: LayerMap) -> list[int]:
        """Crossbars per programming pass (streamed mode); one pass when resident."""
        if self.mode == "resident":
            return [layer.crossbars]
        full, rest = divmod(layer.crossbars, self.slots)
        return [self.slots] * full + ([rest] if rest else [])


def map_layer(hw: Hardware, index: int, layer, input_bits: int) -> LayerMap:
    rep = hw.weights
    rows, cols, groups = layer.weight_rows, layer.weight_cols, layer.weight_groups
    per_row = rep.weights_per_crossbar_row(hw.crossbar_cols)
    row_parts = math.ceil(rows / hw.crossbar_rows)
    col_parts = math.ceil(cols / per_row)
    if row_parts == 1 and col_parts == 1:
        # Small groups pack block-diagonally: each uses its own rows and columns of one crossbar.
        per_xbar = min(groups, hw.crossbar_rows // rows, per_row // cols)
        crossbars = math.ceil(groups / per_xbar)
        busiest = per_xbar * cols * rep.columns_per_weight + rep.reference_columns
    else:
        per_xbar = 1
        crossbars = groups * row_parts * col_parts
        busiest = min(cols, per_row) * rep.columns_per_weight + rep.reference_columns
    weights = groups * rows * cols
    return LayerMap(
        index=index, name=layer.name, groups=groups, rows=rows, cols=cols, row_parts=row_parts,
        col_parts=col_parts, groups_per_crossbar=per_xbar, crossbars=crossbars,
        mvms_per_sample=layer.mvms_per_sample,
        slices=math.ceil(input_bits / hw.periphery.dac_bits),
        columns_per_weight=rep.columns_per_weight, reference_columns=rep.reference_columns,
        busiest_crossbar_columns=busiest,
        devices={name: n * weights for name, n in rep.devices_by_name().items()})


def map_workload(hw: Hardware, workload: Workload) -> Mapping:
    slots = hw.tiles * hw.crossbars_per_tile
    maps = [map_layer(hw, i, layer, workload.input_bits)
            for i, layer in enumerate(workload.layers) if layer.weighted]
    needed = sum(m.crossbars for m in maps)
    plans = _generation_plans(hw, workload)
    if needed > slots or hw.weight_residency == "streamed":
        return Mapping("streamed", slots, hw.crossbars_per_tile, hw.weights,
                       {m.name: m for m in maps}, plans)
    replicas = _replicate(maps, slots - needed)
    placed, next_slot = {}, 0
    for m in maps:
        firsts = []
        for _ in range(replicas[m.name]):
            firsts.append(next_slot)
            next_slot += m.crossbars
        placed[m.name] = m.with_replicas(replicas[m.name], tuple(firsts))
    return Mapping("resident", slots, hw.crossbars_per_tile, hw.weights, placed, plans)


def _generation_plans(hw: Hardware, workload: Workload) -> dict[str, LayerPlan]:
    """Plans of the generation unit, if the chip has one; a plan the spec makes impossible for
    this workload (an override naming no layer of it) is bad input, reported like one."""
    arch = hw.spec
    gen = arch.generation
    if gen is None or not gen.enabled:
        return {}
    try:
        return plan_network(workload, gen, workload.weight_bits)
    except ValueError as exc:
        raise single(f"{arch.name} (arch) with {workload.name} (workload)", str(exc),
                     "generation") from None


def _replicate(maps: list[LayerMap], spare: int) -> dict[str, int]:
    """Give spare crossbars to the layer whose per-replica work (MVMs x slices) is largest,
    as long as a whole replica fits: the pipeline is as fast as its slowest layer."""
    replicas = {m.name: 1 for m in maps}
    candidates = [m for m in maps if m.mvms_per_sample > 1]
    while candidates:
        best = max(candidates, key=lambda m: (m.mvms_per_sample * m.slices / replicas[m.name], -m.index))
        if best.crossbars > spare or replicas[best.name] >= best.mvms_per_sample:
            candidates.remove(best)
            continue
        replicas[best.name] += 1
        spare -= best.crossbars
    return replicas
