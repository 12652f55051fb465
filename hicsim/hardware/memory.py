"""The memory hierarchy as an ordered list of typed levels, innermost first, as the spec lists
them (``memory:``), plus the buffers private to one unit (the generation unit's basis buffer).

Each level has what the engine needs to place tensors and move bytes: capacity, port bandwidth
(bytes per cycle, per port or DRAM channel), ports, and the latency of a read. Their energies,
leakage and area are the costs' (``hicsim.costs.memory``, from ``spec``), priced after the engine.

Roles follow from the order, never from names: the first level is each tile's own buffer, the
levels between it and the last are shared on-chip buffers (tensors go to the first with room;
the first of them, ``staging``, is the one the tiles' links reach), the last is DRAM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

from hicsim.hardware.ids import BASIS_BUFFER
from hicsim.spec.arch import Arch
from hicsim.units import per_cycle, to_cycles


@dataclass(frozen=True)
class MemoryLevel:
    name: str  # the spec's name: the component its byte counts are booked under
    kind: str  # the spec's kind (sram, dram)
    capacity: float  # bytes (math.inf: holds everything)
    bytes_per_cycle: Fraction  # per port, exact
    ports: int = 1  # ports (DRAM: channels); a transfer interleaves over them
    per_tile: bool = False  # one instance in every tile (else one on the chip)
    off_chip: bool = False  # DRAM: outside the chip's area and leakage
    latency_cycles: int = 0  # until the first byte of a read arrives
    spec: Any = None  # the validated spec entry (energies, leakage, area)


@dataclass(frozen=True)
class MemoryHierarchy:
    levels: tuple[MemoryLevel, ...]  # the spec's list, innermost first
    private: tuple[MemoryLevel, ...]  # buffers of one unit, outside the hierarchy
    tiles: int  # instances of a per-tile level

    def __iter__(self) -> Iterator[MemoryLevel]:
        """Every level, the hierarchy's then the private ones: what costs, area and reports
        loop over."""
        return iter(self.levels + self.private)

    def __getitem__(self, name: str) -> MemoryLevel:
        for m in self:
            if m.name == name:
                return m
        raise KeyError(f"no memory level {name!r}")

    def count(self, level: MemoryLevel) -> int:
        """Instances of ``level`` on the chip."""
        return self.tiles if level.per_tile else 1

    @property
    def local(self) -> MemoryLevel:
        """Each tile's own buffer (inputs, outputs and partial sums of its operations)."""
        return self.levels[0]

    @property
    def shared(self) -> tuple[MemoryLevel, ...]:
        """The shared on-chip levels, innermost first: where tensors wait between layers."""
        return self.levels[1:-1]

    @property
    def staging(self) -> MemoryLevel:
        """The shared level the tiles' links reach: weights from DRAM are staged here."""
        return self.levels[1]

    @property
    def backing(self) -> MemoryLevel:
        """DRAM: holds what the chip does not."""
        return self.levels[-1]


def _level(spec, clock: float) -> MemoryLevel:
    """Any kind of level's spec model (``hicsim.spec.memory``) -> its hardware figures."""
    return MemoryLevel(spec.name, spec.kind, math.inf if spec.capacity is None else spec.capacity,
                       per_cycle(spec.port_bandwidth, clock), spec.port_count,
                       per_tile=spec.per == "tile", off_chip=spec.off_chip,
                       latency_cycles=to_cycles(spec.latency, clock), spec=spec)


def memory_hierarchy(arch: Arch) -> MemoryHierarchy:
    clock = arch.clock
    private = ()
    if arch.generation is not None:
        basis = arch.generation.basis_buffer
        private = (MemoryLevel(BASIS_BUFFER, "sram", basis.capacity, per_cycle(basis.bandwidth, clock),
                               spec=basis),)
    return MemoryHierarchy(tuple(_level(m, clock) for m in arch.memory), private, arch.chip.tiles)
