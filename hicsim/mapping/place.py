"""Map each weighted layer onto crossbars and tiles; decide resident or streamed weights, and how
many copies of each layer the spare crossbars hold.

A layer's weight matrix is ``groups`` blocks of ``rows x cols`` (rows = C/g * R * S, cols = K/g).
A block larger than a crossbar splits into row partitions (their partial sums are added
digitally) and column partitions (each needs the inputs driven again). Blocks smaller than a
crossbar, as in depthwise convolutions, pack block-diagonally so that one read serves several.

Crossbars are numbered as slots (tile = slot // crossbars per tile) and layers are packed into
consecutive slots, so small layers share tiles and contend for them. When every layer fits at
once the weights stay resident (PCM is non-volatile: programmed once, not per inference). When
they do not fit, weights stream from DRAM: each layer is programmed before it runs, in passes of
at most the whole chip.

Replication (``mapping.replication: balance``, the spec's default) puts spare crossbars to work:

- resident: spare slots hold copies of the layer with the most MVMs x input slices per copy over
  the batch (the pipeline runs at its slowest layer's pace, ISAAC's balancing), one copy at a
  time while a copy fits; beyond one sample's MVMs (a classifier at batch > 1) whole sets of
  ``mvms_per_sample`` copies are added, each set on whole tiles of its own (taken from the top
  slots down) serving its own samples;
- streamed: a layer's last pass (the only one that leaves crossbars free) is copied into the
  free slots, as many copies as fit, no more than its MVMs over the batch, and no more than
  make one copy's reads (MVMs x batch x slices x read cycles, a lower bound of its time) as
  short as the pass's programming (``Hardware.program_cycles``): beyond that, copies cost
  programming energy for little time.

A sample's MVMs are shared by ``min(copies, mvms_per_sample)`` copies (``Mapping.copies_for``);
a copy takes its share of the inputs, so input bytes do not grow with copies; every copy is
programmed.

Streamed passes go round the chip: each layer's last pass starts on the first whole tile after
the previous layer's (a pass that would run past the last crossbar starts again at slot 0; a full
pass takes the whole chip), so a pass can be programmed while the passes before it still compute
on other tiles, as soon as the passes that last held its crossbars are done
(``Mapping.stream_passes``: double buffering, the ring of a streaming accelerator's weight
buffers). Passes start on whole tiles because a tile serves one operation at a time: programming
one layer on a tile would hold up another layer's MVMs there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import NamedTuple

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
    replicas: int = 1  # copies (streamed: of its last pass)
    first_slots: tuple[int, ...] = (0,)  # first crossbar slot of each copy

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

    def placements(self, layer: LayerMap) -> list["Placement"]:
        """Where each run of ``layer`` sits: the resident copies; or per streamed pass, its
        crossbars from slot 0 (full passes: one copy of the whole chip; the last pass: the
        layer's copies)."""
        if self.mode == "resident":
            return [Placement(layer.crossbars, layer.first_slots)]
        full, rest = divmod(layer.crossbars, self.slots)
        return ([Placement(self.slots, (0,))] * full
                + ([Placement(rest, layer.first_slots)] if rest else []))

    def tiles_of(self, layer: LayerMap) -> dict[int, int]:
        """Tile -> crossbars that ``layer`` occupies on it (every copy; streamed: its largest
        pass)."""
        return max((p.tiles(self.crossbars_per_tile) for p in self.placements(layer)),
                   key=lambda t: sum(t.values()))

    def copies_for(self, layer: LayerMap, place: "Placement", sample: int) -> "CopySet":
        """The copies of ``place`` that run ``sample``: ``min(copies, mvms_per_sample)`` of
        them share its MVMs; with more copies than that, sets of copies take samples in turn."""
        per_sample = self._copies_per_sample(layer, place)
        group = sample % self.copy_sets(layer, place)
        firsts = place.first_slots[group * per_sample:(group + 1) * per_sample]
        return CopySet(Placement(place.crossbars, firsts).tiles(self.crossbars_per_tile),
                       per_sample)

    def stream_passes(self) -> list["StreamPass"]:
        """Streamed: every pass in network order, each with the earlier passes (positions in this
        list) that last held its crossbars: it can be programmed once those are done (waiting
        for the last holder of each crossbar is enough: that one waited for the holders before)."""
        out: list[StreamPass] = []
        held: list[tuple[int, int]] = []  # each earlier pass's crossbars [lo, hi)
        for lm in self.layers.values():
            for p, place in enumerate(self.placements(lm)):
                lo = min(place.first_slots)
                hi = max(place.first_slots) + place.crossbars
                out.append(StreamPass(lm.name, p, place, _last_holders(held, lo, hi)))
                held.append((lo, hi))
        return out

    def copy_sets(self, layer: LayerMap, place: "Placement") -> int:
        """How many sets of copies of ``place`` take samples in turn (``copies_for``): samples
        ``b`` and ``b + copy_sets`` run on the same copies."""
        return len(place.first_slots) // self._copies_per_sample(layer, place)

    @staticmethod
    def _copies_per_sample(layer: LayerMap, place: "Placement") -> int:
        return min(len(place.first_slots), max(1, layer.mvms_per_sample))

    def passes(self, layer: LayerMap) -> list[int]:
        """Crossbars per programming pass (streamed mode); one pass when resident."""
        return [p.crossbars for p in self.placements(layer)]


@dataclass(frozen=True)
class Placement:
    """One run of a layer's weights: ``crossbars`` per copy, each copy from its first slot."""

    crossbars: int
    first_slots: tuple[int, ...]

    def tiles(self, crossbars_per_tile: int) -> dict[int, int]:
        """Tile -> crossbars of these copies on it."""
        out: dict[int, int] = {}
        for first in self.first_slots:
            for slot in range(first, first + self.crossbars):
                tile = slot // crossbars_per_tile
                out[tile] = out.get(tile, 0) + 1
        return out


class StreamPass(NamedTuple):
    """One streamed pass: its layer, its number among the layer's passes, where it sits, and the
    earlier passes (positions in ``Mapping.stream_passes``) it must wait for."""

    layer: str
    index: int
    place: Placement
    after: tuple[int, ...]


def _last_holders(held: list[tuple[int, int]], lo: int, hi: int) -> tuple[int, ...]:
    """Positions of the latest of ``held``'s ranges that cover some crossbar of [lo, hi)."""
    gaps, out = [(lo, hi)], []
    for k in range(len(held) - 1, -1, -1):
        a, b = held[k]
        left = [g for x, y in gaps for g in ((x, min(y, a)), (max(x, b), y)) if g[0] < g[1]]
        if left != gaps:
            out.append(k)
            gaps = left
        if not gaps:
            break
    return tuple(sorted(out))


class CopySet(NamedTuple):
    """The copies that run one sample's MVMs: their tiles (tile -> crossbars) and how many."""

    tiles: dict[int, int]
    count: int


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
    balance = hw.policy.replication == "balance"
    if needed > slots or hw.weight_residency == "streamed":
        copied = [_stream_copies(hw, m, slots, workload.batch) if balance else m for m in maps]
        ring = _round_the_chip(copied, slots, hw.crossbars_per_tile)
        return Mapping("streamed", slots, hw.crossbars_per_tile, hw.weights,
                       {m.name: m for m in ring}, plans)
    tile = hw.crossbars_per_tile
    replicas = (_replicate(maps, slots - needed, workload.batch, tile) if balance
                else {m.name: 1 for m in maps})
    # Copies that share a sample's MVMs are packed in order after the layer before; the sets
    # that serve other samples take whole tiles from the top, so their samples do not queue
    # on one tile (a tile serves one operation at a time).
    placed, next_slot, top = {}, 0, slots
    for m in maps:
        per_sample = min(replicas[m.name], max(1, m.mvms_per_sample))
        firsts = [next_slot + j * m.crossbars for j in range(per_sample)]
        next_slot += per_sample * m.crossbars
        for _ in range(replicas[m.name] // per_sample - 1):
            top -= _whole_tiles(per_sample * m.crossbars, tile)
            firsts += [top + j * m.crossbars for j in range(per_sample)]
        placed[m.name] = m.with_replicas(replicas[m.name], tuple(firsts))
    return Mapping("resident", slots, tile, hw.weights, placed, plans)


def _round_the_chip(maps: list[LayerMap], slots: int, per_tile: int) -> list[LayerMap]:
    """Streamed: each layer's last pass (its copies side by side) from the first whole tile
    after the previous layer's, back to slot 0 when it would not fit (module docstring)."""
    out, at = [], 0
    for m in maps:
        rest = m.crossbars % slots
        if not rest:  # full passes only: the whole chip
            out.append(m)
            continue
        if at + rest * m.replicas > slots:
            at = 0
        out.append(m.with_replicas(m.replicas, tuple(at + j * rest for j in range(m.replicas))))
        at = _whole_tiles(at + rest * m.replicas, per_tile) % slots
    return out


def _whole_tiles(crossbars: int, per_tile: int) -> int:
    """Slots of the whole tiles that ``crossbars`` take."""
    return math.ceil(crossbars / per_tile) * per_tile


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


def _replicate(maps: list[LayerMap], spare: int, batch: int, per_tile: int) -> dict[str, int]:
    """Give spare crossbars to the layer whose work per copy (MVMs x slices over the copies) is
    largest, as long as a whole copy fits: the pipeline is as fast as its slowest layer. Up to
    one sample's MVMs, one copy at a time; beyond, a whole set of ``mvms_per_sample`` copies on
    tiles of its own (one more sample served at once), up to the batch."""
    replicas = {m.name: 1 for m in maps}
    candidates = [m for m in maps if m.mvms_per_sample * batch > 1]
    while candidates:
        best = max(candidates, key=lambda m: (m.mvms_per_sample * m.slices / replicas[m.name], -m.index))
        have, mvms = replicas[best.name], best.mvms_per_sample
        step, cost = ((1, best.crossbars) if have < mvms
                      else (mvms, _whole_tiles(mvms * best.crossbars, per_tile)))
        if cost > spare or have + step > mvms * batch:
            candidates.remove(best)
            continue
        replicas[best.name] += step
        spare -= cost
    return replicas


def _stream_copies(hw: Hardware, m: LayerMap, slots: int, batch: int) -> LayerMap:
    """Copies of a streamed layer's last pass in the slots it leaves free (module docstring)."""
    rest = m.crossbars % slots
    if not rest:
        return m
    work = m.mvms_per_sample * batch
    reads = work * m.slices * hw.periphery.read_cycles
    program = hw.program_cycles({d: math.ceil(n / m.crossbars) for d, n in m.devices.items()})
    wanted = math.ceil(reads / program) if program else work
    copies = max(1, min(slots // rest, work, wanted))
    if copies > m.mvms_per_sample:  # whole sets of copies, each serving its own samples
        copies -= copies % m.mvms_per_sample
    return m.with_replicas(copies, tuple(j * rest for j in range(copies)))
