"""The memory hierarchy as an ordered list of typed levels, innermost first.

Each level has its capacity, port bandwidth (bytes per cycle, per channel), access latency and
channels: what the engine needs to place tensors and move bytes. Their energies are the cost
table's (``hicsim.costs``: spec values or the SRAM model), priced after the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hicsim.hardware.ids import Level
from hicsim.spec.arch import Arch
from hicsim.units import to_cycles


@dataclass(frozen=True)
class MemoryLevel:
    id: Level
    capacity: float  # bytes (math.inf: unbounded, DRAM)
    bytes_per_cycle: float  # per channel
    per_tile: bool = False  # one instance in every tile (else one on the chip)
    latency_cycles: int = 0  # until the first byte of a read arrives
    channels: int = 1  # transfers interleave over channels


def memory_levels(arch: Arch) -> tuple[MemoryLevel, ...]:
    clock, t, c = arch.clock, arch.tile, arch.chip

    def sram(level: Level, mem, per_tile: bool = False) -> MemoryLevel:
        return MemoryLevel(level, mem.capacity, mem.bandwidth / clock, per_tile)

    levels = [sram(Level.LOCAL_BUFFER, t.local_buffer, per_tile=True)]
    if arch.generation is not None:
        levels.append(sram(Level.BASIS_BUFFER, arch.generation.basis_buffer))
    levels.append(sram(Level.GLOBAL_BUFFER, c.global_buffer))
    levels.append(MemoryLevel(Level.DRAM, math.inf, c.dram.bandwidth / clock,
                              latency_cycles=to_cycles(c.dram.latency, clock),
                              channels=c.dram.channels))
    return tuple(levels)
