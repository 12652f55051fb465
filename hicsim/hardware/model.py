"""``Hardware``: the chip as one typed object graph, built once from a validated ``Arch`` by
``build_hardware``. Mapping, engine and functional model read it instead of the raw spec.

Times the engine needs are held here in clock cycles (integers, except the ADC's conversion time,
kept fractional because many conversions share one rounding) and rates in bytes per cycle, both
exact rationals (``units.exact``: 256 B/cycle is 256, not 255.99999999999997); physical figures come from the
component models (``hicsim.components``). ``spec`` keeps the validated spec for what is priced
after the engine (cost table, area) and for the generation unit's plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

from hicsim.components import sar_conversion_time
from hicsim.hardware.ids import Action
from hicsim.hardware.kinds import technology_of
from hicsim.hardware.memory import MemoryHierarchy, MemoryLevel, memory_hierarchy
from hicsim.hardware.technology import DeviceTechnology
from hicsim.hardware.weights import WeightRepresentation, weight_representation
from hicsim.spec.arch import Adc, Arch
from hicsim.units import cycles_exact, per_cycle, to_cycles


@dataclass(frozen=True)
class Periphery:
    """One tile's crossbar periphery and programming drivers."""

    read_cycles: int  # one analog read of a crossbar, DAC settling included
    conversion_cycles: Fraction  # one conversion of one ADC (exact, fractional)
    dac_bits: int
    dacs_per_crossbar: Optional[int]  # None: one per row
    adcs_per_crossbar: Optional[int]  # None: a bank per tile (``adc_bank``)
    adc_bank: Optional[int]  # ADCs shared by a tile's crossbars
    shift_add_per_cycle: Optional[int]  # None: never the limit
    parallel_devices: int  # devices programmed at once per crossbar
    partial_sum_bits: int  # width of partial sums sent between tiles


@dataclass(frozen=True)
class Network:
    kind: str  # bus (one shared channel) or mesh (a link per tile)
    link_bytes_per_cycle: Fraction  # exact
    hop_cycles: int
    tile_to_tile: bool  # tensors may go between tiles without the global buffer


@dataclass(frozen=True)
class GenerationUnitModel:
    macs_per_cycle: int
    latency_cycles: int  # pipeline fill per operation


@dataclass(frozen=True)
class AttentionUnits:
    """Where activation-by-activation matmuls run, and the vector unit's function costs."""

    matmul_on: str  # vector_unit, matrix_unit or crossbars (programmed at run time)
    matrix_macs_per_cycle: Optional[int]  # the matrix unit's, when it has one
    runtime_crossbars: Optional[int]  # crossbars reserved for run-time operands
    functions: Any  # the validated ``chip.vector_unit.functions`` (multiply-adds per function)


@dataclass(frozen=True)
class TrainingUnits:
    accumulator: Any  # the validated ``tile.accumulator`` (None: the chip cannot train)
    accumulator_level: Optional[MemoryLevel]  # the memory level holding the accumulators
    backward: str  # shared, separate or digital transposed reads
    activation_store: MemoryLevel  # where forward activations wait for the gradient
    gradient_macs_per_cycle: int


@dataclass(frozen=True)
class Hardware:
    spec: Arch
    name: str
    clock_hz: float
    tiles: int
    crossbars_per_tile: int
    crossbar_rows: int
    crossbar_cols: int
    weights: WeightRepresentation
    devices: dict[str, DeviceTechnology]  # by the spec's device names
    memory: MemoryHierarchy  # levels innermost first, then the generation unit's buffer
    periphery: Periphery
    network: Network
    vector_lanes: int
    attention: AttentionUnits
    generation: Optional[GenerationUnitModel]
    training: TrainingUnits
    weight_residency: str  # auto or streamed
    policy: Any  # the validated ``mapping`` section: replication, chunk rows

    def level(self, name: str) -> MemoryLevel:
        return self.memory[name]

    def write_cycles(self, device: str) -> int:
        """Cycles to write one ``device`` from scratch."""
        return to_cycles(self.devices[device].write_time(), self.clock_hz)

    def program_cycles(self, devices_per_crossbar: dict[str, int]) -> int:
        """Programming a tile's crossbars in parallel, ``parallel_devices`` at a time per
        crossbar; a batch of devices takes as long as its slowest device kind."""
        total = sum(devices_per_crossbar.values())
        if total <= 0:
            return 0
        slowest = max(self.write_cycles(name) for name, n in devices_per_crossbar.items() if n)
        return math.ceil(total / self.periphery.parallel_devices) * slowest

    def pulse_cycles(self, device: str, action: Action) -> int:
        return to_cycles(self.devices[device].pulse_times()[action], self.clock_hz)


def adc_conversion_time(adc: Adc) -> float:
    """Seconds per conversion of the tile's ADC: a SAR converter's time grows as bits + 1 at the
    comparator speed its rating implies (``components.sar_conversion_time``). The engine's cycles
    and the costs' peak rates both read this one function."""
    return sar_conversion_time(adc.bits, adc.sample_rate, adc.rating_bits)


def build_hardware(arch: Arch) -> Hardware:
    """The one factory: a validated spec -> its hardware model."""
    clock, t, c = arch.clock, arch.tile, arch.chip
    periphery = Periphery(
        read_cycles=to_cycles(t.crossbar.read_latency + t.dac.latency, clock),
        conversion_cycles=cycles_exact(adc_conversion_time(t.adc), clock),
        dac_bits=t.dac.bits, dacs_per_crossbar=t.dac.count,
        adcs_per_crossbar=(math.ceil(t.crossbar.cols / t.adc.columns_per_adc)
                           if t.adc.columns_per_adc else None),
        adc_bank=t.adc.count, shift_add_per_cycle=t.shift_add.ops_per_cycle,
        parallel_devices=t.programming.parallel_devices, partial_sum_bits=t.partial_sum_bits)
    gen, am = arch.generation, c.activation_matmul
    memory = memory_hierarchy(arch)
    attention = AttentionUnits(
        am.unit, am.matrix_unit.macs_per_cycle if am.matrix_unit is not None else None,
        am.crossbars.crossbars if am.crossbars is not None else None, c.vector_unit.functions)
    return Hardware(
        spec=arch, name=arch.name, clock_hz=clock, tiles=c.tiles, crossbars_per_tile=t.crossbars,
        crossbar_rows=t.crossbar.rows, crossbar_cols=t.crossbar.cols,
        weights=weight_representation(t.weights),
        devices={name: technology_of(name, dev) for name, dev in arch.devices.items()},
        memory=memory, periphery=periphery,
        network=Network(c.interconnect.kind, per_cycle(c.interconnect.link_bandwidth, clock),
                        to_cycles(c.interconnect.hop_latency, clock), c.interconnect.tile_to_tile),
        vector_lanes=c.vector_unit.lanes, attention=attention,
        generation=(GenerationUnitModel(gen.macs_per_cycle, to_cycles(gen.latency, clock))
                    if gen is not None else None),
        training=TrainingUnits(
            t.accumulator, memory[t.accumulator.location] if t.accumulator is not None else None,
            arch.training.backward, memory[arch.training.activation_store],
            arch.training.gradient_unit.macs_per_cycle),
        weight_residency=c.weight_residency, policy=arch.mapping)
