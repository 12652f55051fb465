"""The chip's units as SimPy processes, and the transfers between them.

Units: one per tile (its crossbars, ADCs and local buffer serve one operation at a time), the
global buffer port, one per DRAM channel (transfers interleave over channels, as addresses do),
the vector unit, the weight generation unit when the chip has one, and the interconnect: one shared bus, or one link per tile into a mesh whose
hop count to the global buffer (at the mesh centre) depends on where the tile sits.
"""

from __future__ import annotations

import math

import simpy

from hicsim.engine.ledger import Ledger
from hicsim.engine.timing import Timing
from hicsim.engine.unit import Unit
from hicsim.hardware.ids import Action, Component, Direction, Level, UnitKind
from hicsim.hardware.model import Hardware


def mesh_hops(tiles: int) -> list[int]:
    """Hops from each tile of a near-square mesh to the global buffer at its centre (>= 1)."""
    side = math.ceil(math.sqrt(tiles))
    c = (side - 1) / 2
    return [1 + math.ceil(abs(t % side - c) + abs(t // side - c) - 1e-9) for t in range(tiles)]


class Chip:
    def __init__(self, env: simpy.Environment, hw: Hardware, ledger: Ledger, timing: Timing,
                 training: bool = False):
        self.env, self.ledger, self.timing = env, ledger, timing
        n = hw.tiles
        self.tiles = [Unit(env, f"tile{i}", UnitKind.TILE) for i in range(n)]
        self.global_buffer = Unit(env, "global_buffer", UnitKind.GLOBAL_BUFFER)
        self.dram = [Unit(env, f"dram{c}", UnitKind.DRAM_CHANNEL)
                     for c in range(hw.level(Level.DRAM).channels)]
        self.vector_unit = Unit(env, "vector_unit", UnitKind.VECTOR_UNIT)
        self.generation_unit = (Unit(env, "generation_unit", UnitKind.GENERATION_UNIT)
                                if hw.generation is not None else None)
        # Activation matmuls (attention) on a unit of their own when the spec names one.
        on = hw.attention.matmul_on
        self.matrix_unit = Unit(env, "matrix_unit", UnitKind(on)) if on != "vector_unit" else None
        # Training: per-tile gradient units, and transposed-read peripherals of their own when the
        # spec gives the backward pass separate ones.
        self.gradient_units = ([Unit(env, f"gradient{i}", UnitKind.GRADIENT_UNIT) for i in range(n)]
                               if training else [])
        separate = training and hw.training.backward == "separate"
        self.backward_units = ([Unit(env, f"transposed{i}", UnitKind.TRANSPOSED_PERIPHERY)
                                for i in range(n)] if separate else [])
        if hw.network.kind == "bus":
            bus = Unit(env, "bus", UnitKind.BUS)
            self.links, self.hops = [bus] * n, [1] * n
        else:
            self.links = [Unit(env, f"link{i}", UnitKind.LINK) for i in range(n)]
            self.hops = mesh_hops(n)

    @property
    def units(self) -> list[Unit]:
        seen, out = set(), []
        optional = [u for u in (self.generation_unit, self.matrix_unit) if u is not None]
        optional += [*self.gradient_units, *self.backward_units]
        for u in [*self.tiles, self.global_buffer, *self.dram, self.vector_unit, *optional, *self.links]:
            if id(u) not in seen:
                seen.add(id(u))
                out.append(u)
        return out

    # Each transfer is a generator to run as (or inside) a SimPy process.
    def dram_access(self, nbytes: float, direction: Direction, layer: str, phase):
        if nbytes <= 0:
            return
        self.ledger.move(self.env.now, Level.DRAM, direction, math.ceil(nbytes), layer, phase)
        share = nbytes / len(self.dram)
        yield self.env.all_of([ch.submit(self.timing.bytes_op(share, self.timing.dram_bytes_per_cycle))
                               for ch in self.dram])
        if direction == Direction.READ:  # reads wait for the first data; writes are posted
            yield self.env.timeout(self.timing.dram_latency)

    def buffer_access(self, nbytes: float, direction: Direction, layer: str, phase):
        if nbytes <= 0:
            return
        self.ledger.move(self.env.now, Level.GLOBAL_BUFFER, direction, math.ceil(nbytes), layer, phase)
        yield self.global_buffer.submit(self.timing.bytes_op(nbytes, self.timing.global_bytes_per_cycle))

    def link_transfer(self, tile: int, nbytes: float, layer: str, phase):
        """Bytes between the global buffer and ``tile`` (either way) over its link and hops."""
        if nbytes <= 0:
            return
        hops = self.hops[tile]
        self.ledger.move(self.env.now, Component.INTERCONNECT, Direction.TRANSFER, math.ceil(nbytes),
                         layer, phase)
        self.ledger.count(layer, phase, Component.INTERCONNECT, Action.BIT_HOPS,
                          math.ceil(nbytes * 8) * hops)
        yield self.links[tile].submit(self.timing.bytes_op(nbytes, self.timing.link_bytes_per_cycle))
        yield self.env.timeout(hops * self.timing.hop)

    def spread(self, share_of_tile: dict[int, float], gen_of):
        """Run one transfer per tile concurrently; returns an event for all of them."""
        return self.env.all_of([self.env.process(gen_of(tile, share))
                                for tile, share in share_of_tile.items() if share > 0])
