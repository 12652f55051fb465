"""The architecture spec: chip, memory hierarchy, tiles, peripherals and weight representation.

Every dimensioned value is held in SI once validated. Dotted paths into this tree
(``tile.adc.bits``) are what overrides and sweeps address.
"""

from __future__ import annotations

import math
from typing import Annotated, Dict, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from hicsim.spec.attention import ActivationMatmul, FunctionCosts
from hicsim.hardware.ids import BASIS_BUFFER, Component
from hicsim.spec.device_kinds import SPEC_MODELS, DeviceSpec
from hicsim.spec.generation import GenerationUnit
from hicsim.spec.mapping_policy import MappingPolicy
from hicsim.spec.memory import LevelName, MemoryLevels, check_hierarchy
from hicsim.spec.physical import (ConverterRating, CrossbarPhysics, FixedComponent, Rated, SampleHold,
                                  Technology)
from hicsim.spec.training import Training
from hicsim.spec.quantities import (Area, AreaOrZero, Bandwidth, Bits, Energy, EnergyPerByte, Frequency,
                                    Clock, NonNegativeInt, Power, Strict, Time, TimeOrZero,
                                    count_up_to)

# Sanity ceilings on hardware counts, each well above published designs (ISAAC: 168 tiles of 96
# crossbars of 128 x 128; IBM's 64-core chip: 256 x 256), so that a slip of a few digits is refused
# at load time instead of allocating for minutes.
MAX_TILES = count_up_to(65536)
MAX_CROSSBARS = count_up_to(4096)
MAX_CROSSBAR_SIDE = count_up_to(16384)
MAX_ADCS = count_up_to(2 ** 20)
MAX_LANES = count_up_to(2 ** 20)

# Largest binary-device count of a HIC weight: magnitudes are held as int32 codes and float32
# conductance sums by the functional model.
MAX_BINARY_DEVICES = 16


class Interconnect(Strict):
    """On-chip network between tiles and the global buffer.

    ``bus``: one shared channel, every transfer contends for it. ``mesh``: a 2-D mesh; each tile
    has its own link into the network, transfers pay the mean hop count to the global buffer.
    """

    kind: Literal["bus", "mesh"]
    link_bandwidth: Bandwidth
    hop_latency: TimeOrZero
    energy: Optional[EnergyPerByte] = Field(
        default=None, description="energy per bit (or byte) per hop; omitted: the wire of one hop "
                                  "(hicsim.components.interconnect) across a tile (mesh) or the "
                                  "chip (bus), its length from the area model")
    tile_to_tile: bool = Field(
        default=True, description="a resident layer's output goes from its tiles straight to the "
                                  "tiles of the layers that read it (ISAAC's inter-tile traffic); "
                                  "false: every tensor goes through the global buffer")


class VectorUnit(Strict):
    """Chip-level digital unit for weightless ops (residual add, pooling, concat copies, softmax,
    norms, activation functions)."""

    lanes: MAX_LANES = 64
    energy_per_op: Energy = Field(default="0.03 pJ")  # 8-bit int add, Horowitz 2014
    mac_energy: Energy = Field(default="0.23 pJ")  # 8-bit int mult + add, Horowitz 2014
    fma_energy: Energy = Field(default="1.5 pJ")  # fp16 mult 1.1 + add 0.4 pJ, Horowitz 2014
    functions: FunctionCosts = FunctionCosts()
    area: Optional[AreaOrZero] = None


class Chip(Strict):
    tiles: MAX_TILES
    interconnect: Interconnect
    vector_unit: VectorUnit = VectorUnit()
    activation_matmul: ActivationMatmul = ActivationMatmul()
    weight_residency: Literal["auto", "streamed"] = Field(
        default="auto", description="auto: weights stay on chip when they fit; streamed: every "
                                    "layer's weights are brought in and programmed per run")


class Crossbar(CrossbarPhysics):
    rows: MAX_CROSSBAR_SIDE
    cols: MAX_CROSSBAR_SIDE
    read_latency: Time = Field(description="one analog read of the array (wordline drive, settle, sample)")
    area: Optional[Area] = None  # array area (cells and drivers); overrides rows x cols x cell area


class Dac(ConverterRating):
    """Row DACs: one conversion drives one row for one input slice."""

    bits: Bits
    energy: Optional[Energy] = Field(
        default=None, description="per conversion at rated_bits; omitted: ISAAC's 1-bit DAC scaled "
                                  "by bits and node (hicsim.components.dac)")
    latency: TimeOrZero = Field(default="0 ns", description="hidden under the crossbar read when zero")
    count: Optional[MAX_CROSSBAR_SIDE] = Field(
        default=None, description="DACs per crossbar; omitted: one per row. Fewer DACs drive the "
                                  "rows in rounds, one crossbar read per round")
    area: Optional[Area] = None  # per DAC at rated_bits; omitted: the same model


class Adc(ConverterRating):
    """Column ADCs. Either ``columns_per_adc`` (a mux ratio; ADCs belong to a crossbar) or
    ``count`` (a bank per tile, shared by the tile's crossbars)."""

    bits: Bits
    energy: Optional[Energy] = Field(
        default=None, description="per conversion at rated_bits; omitted: the Murmann-survey fit")
    sample_rate: Frequency
    columns_per_adc: Optional[MAX_CROSSBAR_SIDE] = None
    count: Optional[MAX_ADCS] = None
    area: Optional[Area] = None
    power: Optional[Power] = None  # informative: published power; energy is what the model uses

    @model_validator(mode="after")
    def _one_sharing(self):
        if (self.columns_per_adc is None) == (self.count is None):
            raise ValueError("give exactly one of columns_per_adc (per crossbar) or count (per tile)")
        return self


class DigitalUnit(Strict):
    """A digital operation: energy per op and, where it can limit speed, ops per cycle."""

    energy: Optional[Energy] = None  # omitted: an adder of its width (Horowitz, node-scaled)
    ops_per_cycle: Optional[MAX_LANES] = None
    area: Optional[AreaOrZero] = None


class Accumulator(Strict):
    """Training-time update accumulator, one per weight (HIC: low precision): a signed fixed-point
    number of device steps with ``fraction_bits`` below the step, so it holds updates of up to
    +-2^(bits - 1 - fraction_bits) steps (beyond, it saturates) at a resolution of
    2^-fraction_bits of a step."""

    bits: Bits
    fraction_bits: Optional[NonNegativeInt] = Field(
        default=None, description="bits below one device step; omitted: bits - 2 (range +-2 steps)")
    rounding: Literal["nearest", "stochastic"] = "stochastic"
    location: LevelName = Field(default="local_buffer",
                                description="the on-chip memory level (by name) holding them")

    @model_validator(mode="after")
    def _fits(self):
        if self.bits < 2:
            raise ValueError("bits: an accumulator needs at least 2 bits (sign and one step)")
        if self.fraction_bits is not None and self.fraction_bits > self.bits - 2:
            raise ValueError(f"fraction_bits: at most bits - 2 = {self.bits - 2}, so that the "
                             f"accumulator holds at least +-2 steps")
        return self

    @property
    def lsbs_per_step(self) -> int:
        return 2 ** (self.bits - 2 if self.fraction_bits is None else self.fraction_bits)


class Programming(Strict):
    """How a crossbar is written: devices programmed at once (write drivers), per crossbar."""

    parallel_devices: MAX_ADCS = Field(default=64)


class _Representation(Strict):
    sign: Literal["differential", "offset"] = "differential"
    reference_column: bool = Field(
        default=True, description="offset sign: one reference column per crossbar (False: the "
                                  "offset is subtracted digitally, as in ISAAC's encoding)")

    def sign_columns(self) -> int:
        """Columns per magnitude device: a differential pair doubles them; an offset scheme does
        not (it spends one reference column per crossbar instead, see ``reference_columns``)."""
        return 2 if self.sign == "differential" else 1

    def reference_columns(self) -> int:
        return 1 if self.sign == "offset" and self.reference_column else 0

    def roles(self) -> dict[str, tuple[str, str]]:
        """Key under ``tile.weights`` -> (device name, cell it must be: analog or binary)."""
        return {"device": (self.device, "analog")}


class HicWeights(_Representation):
    """Hybrid: ``binary_devices`` binary PCM cells for the high bits plus one multi-level cell."""

    representation: Literal["hic"]
    binary_devices: NonNegativeInt = Field(le=MAX_BINARY_DEVICES)
    binary: str = Field(description="name of a binary device (pcm_binary) under devices")
    multilevel: str = Field(description="name of an analog device (pcm_multilevel) under devices")

    def device_names(self) -> list[str]:
        return [self.binary] * self.binary_devices + [self.multilevel]

    def roles(self) -> dict[str, tuple[str, str]]:
        return {"binary": (self.binary, "binary"), "multilevel": (self.multilevel, "analog")}


class MultilevelWeights(_Representation):
    """One analog cell per sign side. ``devices_per_weight`` stays in the schema for the specs
    that name it, but only 1 is modelled (the update rules and the functional model hold one cell
    per side): the engine and ``hicsim train`` refuse other values here, with one message."""

    representation: Literal["multilevel"]
    device: str
    devices_per_weight: count_up_to(64) = 1

    @field_validator("devices_per_weight")
    @classmethod
    def _one_cell_per_side(cls, n: int) -> int:
        if n != 1:
            raise ValueError(f"only 1 multi-level device per weight (per sign side) is modelled, "
                             f"got {n}")
        return n

    def device_names(self) -> list[str]:
        return [self.device] * self.devices_per_weight


class BitSlicedWeights(_Representation):
    """ISAAC-style: a weight of ``weight_bits`` split into cells of ``bits_per_cell``."""

    representation: Literal["bit_sliced"]
    device: str
    bits_per_cell: Bits
    weight_bits: Bits

    def device_names(self) -> list[str]:
        return [self.device] * math.ceil(self.weight_bits / self.bits_per_cell)


Weights = Annotated[Union[HicWeights, MultilevelWeights, BitSlicedWeights],
                    Field(discriminator="representation")]


class Tile(Strict):
    crossbars: MAX_CROSSBARS
    crossbar: Crossbar
    weights: Weights
    dac: Dac
    adc: Adc
    shift_add: DigitalUnit = DigitalUnit()
    sample_hold: SampleHold = SampleHold()
    partial_sum_bits: Bits = Field(default=16, description="width of partial sums sent between tiles")
    accumulator: Optional[Accumulator] = None
    programming: Programming = Programming()
    area: Optional[Area] = None  # other tile logic (control, routers) not itemised above


class Arch(Strict):
    version: Literal[1]
    name: str
    clock: Clock
    chip: Chip
    memory: MemoryLevels = Field(description="the memory levels, innermost first "
                                             "(hicsim.spec.memory)")
    devices: Dict[str, DeviceSpec]
    tile: Tile
    generation: Optional[GenerationUnit] = None
    training: Training = Training()
    mapping: MappingPolicy = MappingPolicy()
    technology: Technology = Technology()
    rated: Rated = Rated()
    fixed: Dict[str, FixedComponent] = Field(default_factory=dict)

    @field_validator("memory")
    @classmethod
    def _hierarchy(cls, levels: list) -> list:
        return check_hierarchy(levels)

    @model_validator(mode="after")
    def _cross_checks(self):
        self._check_level_names()
        w = self.tile.weights
        for key, (name, cell) in w.roles().items():
            if name not in self.devices:
                raise ValueError(f"tile.weights.{key}: no device named {name!r} under devices "
                                 f"(have: {', '.join(sorted(self.devices)) or 'none'})")
            dev = self.devices[name]
            if dev.cell != cell:
                fits = sorted(k for k, m in SPEC_MODELS.items() if m.cell == cell)
                raise ValueError(f"tile.weights.{key}: device {name!r} is {dev.kind}, "
                                 f"expected {' or '.join(fits)}")
        if isinstance(w, BitSlicedWeights):
            levels = self.devices[w.device].levels
            if 2 ** w.bits_per_cell > levels:
                raise ValueError(f"tile.weights.bits_per_cell: {w.bits_per_cell} bits need "
                                 f"{2 ** w.bits_per_cell} levels, device {w.device!r} has {levels}")
        cols_needed = len(w.device_names()) * w.sign_columns() + w.reference_columns()
        if cols_needed > self.tile.crossbar.cols:
            raise ValueError(f"tile.crossbar.cols: one weight needs {cols_needed} columns, "
                             f"the crossbar has {self.tile.crossbar.cols}")
        dac = self.tile.dac
        if dac.count is not None and dac.count > self.tile.crossbar.rows:
            raise ValueError(f"tile.dac.count: {dac.count} exceeds the crossbar's "
                             f"{self.tile.crossbar.rows} rows")
        adc = self.tile.adc
        if adc.columns_per_adc is not None and adc.columns_per_adc > self.tile.crossbar.cols:
            raise ValueError(f"tile.adc.columns_per_adc: {adc.columns_per_adc} exceeds the "
                             f"crossbar's {self.tile.crossbar.cols} columns")
        return self

    def level(self, name: str):
        """The spec entry of memory level ``name``."""
        for m in self.memory:
            if m.name == name:
                return m
        raise KeyError(f"{self.name}: no memory level {name!r}")

    def _check_level_names(self) -> None:
        """Level names are component names in the counts: none may be another component's; the
        levels other sections name must exist and be of the right sort."""
        taken = {c.value for c in Component} | set(self.devices) | {BASIS_BUFFER}
        for i, m in enumerate(self.memory):
            if m.name in taken:
                raise ValueError(f"memory[{i}].name: {m.name!r} is already the name of a "
                                 f"component or device")
        on_chip = [m.name for m in self.memory if not m.off_chip]
        acc = self.tile.accumulator
        if acc is not None and acc.location not in on_chip:
            raise ValueError(f"tile.accumulator.location: {acc.location!r} is not an on-chip "
                             f"memory level (have: {', '.join(on_chip)})")
        shared = [m.name for m in self.memory[1:]]
        if self.training.activation_store not in shared:
            raise ValueError(f"training.activation_store: {self.training.activation_store!r} is "
                             f"not a shared memory level (have: {', '.join(shared)})")
