"""The memory hierarchy's spec: an ordered list of typed levels, innermost first.

``memory:`` lists every level the chip moves bytes through: each tile's local buffer first, then
the chip's shared buffers (the global buffer, and any level a spec adds), DRAM last. Each entry
has a ``name`` (what counts, costs and reports call it; overrides address it as
``memory.<name>.<key>``) and a ``kind`` that says which model it is. A new kind of level is one
more model here and its case in ``hicsim.costs.memory``; a new level of a known kind is one spec
entry.

SRAM energies, leakage and area omitted in the spec come from the CACTI 7.0 SRAM table
(``hicsim.components.memory``); a DRAM's energy omitted, from its ``standard``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, List, Literal, Optional, Union

from pydantic import Field, model_validator

from hicsim.spec.quantities import (AreaOrZero, Bandwidth, Bytes, EnergyPerByte, PowerOrZero, Strict,
                                    TimeOrZero, count_up_to)

MAX_PORTS = count_up_to(1024)
MAX_LEVELS = 16

# A level's name is a component name in the counts: a short identifier.
LevelName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Memory(Strict):
    """An SRAM buffer: capacity, port bandwidth and per-byte access energies."""

    capacity: Bytes
    bandwidth: Bandwidth = Field(description="per port")
    read_energy: Optional[EnergyPerByte] = None
    write_energy: Optional[EnergyPerByte] = None
    leakage: Optional[PowerOrZero] = None
    area: Optional[AreaOrZero] = None


class SramLevel(Memory):
    """An SRAM level: one in every tile (``per: tile``, the innermost level) or one on the chip,
    shared by the tiles. A transfer interleaves over the ports; a read waits ``latency`` for its
    first byte."""

    name: LevelName
    kind: Literal["sram"]
    per: Literal["tile", "chip"] = "chip"
    ports: MAX_PORTS = 1
    latency: TimeOrZero = Field(default="0 ns", description="until the first byte of a read")

    # What the hardware model reads of every kind of level.
    off_chip: ClassVar[bool] = False

    @property
    def port_count(self) -> int:
        return self.ports

    @property
    def port_bandwidth(self) -> float:
        return self.bandwidth


class DramLevel(Strict):
    """Off-chip DRAM: ``channels`` independent channels of ``channel_bandwidth`` each (a DDR4-3200
    channel moves 3200 MT/s x 8 B = 25.6 GB/s); a transfer interleaves over every channel, as its
    addresses do. A read waits ``latency`` (row activation and column access, about 100 ns for
    DDR4 at the controller) for its first data; writes are posted."""

    name: LevelName
    kind: Literal["dram"]
    channels: MAX_PORTS = 1
    channel_bandwidth: Bandwidth = Field(description="per channel")
    latency: TimeOrZero = Field(description="until the first data of a read")
    energy: Optional[EnergyPerByte] = Field(
        default=None, description="per byte read or written (pins and array); omitted: the "
                                  "published figure of its standard (hicsim.components.dram)")
    standard: Optional[Literal["ddr3", "lpddr", "lpddr4", "gddr5", "hbm2", "hmc"]] = Field(
        default=None, description="memory standard, for its published energy per bit")
    capacity: Optional[Bytes] = Field(default=None, description="omitted: holds everything")

    off_chip: ClassVar[bool] = True
    per: ClassVar[str] = "chip"

    @model_validator(mode="after")
    def _priced(self):
        if self.energy is None and self.standard is None:
            raise ValueError("give energy, or standard for its published energy per bit")
        return self

    @property
    def port_count(self) -> int:
        return self.channels

    @property
    def port_bandwidth(self) -> float:
        return self.channel_bandwidth


MemoryLevelSpec = Annotated[Union[SramLevel, DramLevel], Field(discriminator="kind")]
MemoryLevels = Annotated[List[MemoryLevelSpec], Field(min_length=3, max_length=MAX_LEVELS)]


def check_hierarchy(levels: list) -> list:
    """The shape every hierarchy has: a per-tile level first, at least one shared on-chip level,
    DRAM last and only there; names unique."""
    names = [m.name for m in levels]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"level names given more than once: {', '.join(repeated)}")
    first, last = levels[0], levels[-1]
    if not (isinstance(first, SramLevel) and first.per == "tile"):
        raise ValueError(f"the first level ({first.name}) must be the tiles' own buffer: "
                         f"kind: sram, per: tile")
    for m in levels[1:]:
        if isinstance(m, SramLevel) and m.per == "tile":
            raise ValueError(f"{m.name}: only the first level is per tile")
    if not last.off_chip:
        raise ValueError(f"the last level ({last.name}) must be off chip (kind: dram)")
    for m in levels[:-1]:
        if m.off_chip:
            raise ValueError(f"{m.name}: an off-chip level (kind: {m.kind}) is the last level only")
    return levels
