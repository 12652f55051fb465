"""The chip's units as SimPy processes, and the transfers between them.

Units: one per tile (its crossbars, ADCs and local buffer serve one operation at a time), one per
port of every shared memory level (DRAM: per channel; a transfer interleaves over them, as its
addresses do), the vector unit, the weight generation unit when the chip has one, and the
interconnect: one shared bus, or one link per tile into a mesh whose hop count to the staging
buffer (at the mesh centre) depends on where the tile sits.

Every memory level is reached through ``access``: it books the bytes and, for a shared level,
occupies its ports; a tile's own buffer is timed inside the tile's operations (``Timing``).
"""

from __future__ import annotations

import math

import simpy

from hicsim.engine.ledger import Ledger
from hicsim.engine.timing import Timing
from hicsim.engine.unit import Unit, spawn
from hicsim.engine.waves import op_span, times, wait
from hicsim.hardware.ids import Action, Component, Direction, UnitKind
from hicsim.hardware.memory import MemoryLevel
from hicsim.hardware.model import Hardware


def _ports(unit, level: MemoryLevel) -> list[Unit]:
    """A shared level's units (``unit(name, kind)`` makes one): one per port (DRAM: per
    channel), named after the level."""
    kind = UnitKind.DRAM_CHANNEL if level.off_chip else UnitKind.BUFFER_PORT
    if level.ports == 1 and kind == UnitKind.BUFFER_PORT:
        return [unit(level.name, kind)]
    return [unit(f"{level.name}{p}", kind) for p in range(level.ports)]


def mesh_hops(tiles: int) -> list[int]:
    """Hops from each tile of a near-square mesh to the global buffer at its centre (>= 1)."""
    side = math.ceil(math.sqrt(tiles))
    c = (side - 1) / 2
    return [1 + math.ceil(abs(t % side - c) + abs(t // side - c) - 1e-9) for t in range(tiles)]


def mesh_distance(a: int, b: int, tiles: int) -> int:
    """Hops between tiles ``a`` and ``b`` of the same near-square mesh (Manhattan distance)."""
    side = math.ceil(math.sqrt(tiles))
    return abs(a % side - b % side) + abs(a // side - b // side)


class Chip:
    def __init__(self, env: simpy.Environment, hw: Hardware, ledger: Ledger, timing: Timing,
                 training: bool = False):
        self.env, self.ledger, self.timing = env, ledger, timing

        def unit(name: str, kind: UnitKind) -> Unit:
            return Unit(env, name, kind)

        n = hw.tiles
        self.tiles = [unit(f"tile{i}", UnitKind.TILE) for i in range(n)]
        self.ports = {m.name: _ports(unit, m) for m in hw.memory.levels if not m.per_tile}
        self.vector_unit = unit("vector_unit", UnitKind.VECTOR_UNIT)
        self.generation_unit = (unit("generation_unit", UnitKind.GENERATION_UNIT)
                                if hw.generation is not None else None)
        # Activation matmuls (attention) on a unit of their own when the spec names one.
        on = hw.attention.matmul_on
        self.matrix_unit = unit("matrix_unit", UnitKind(on)) if on != "vector_unit" else None
        # Training: per-tile gradient units, and transposed-read peripherals of their own when the
        # spec gives the backward pass separate ones.
        self.gradient_units = ([unit(f"gradient{i}", UnitKind.GRADIENT_UNIT) for i in range(n)]
                               if training else [])
        separate = training and hw.training.backward == "separate"
        self.backward_units = ([unit(f"transposed{i}", UnitKind.TRANSPOSED_PERIPHERY)
                                for i in range(n)] if separate else [])
        self.mesh = hw.network.kind == "mesh"
        if not self.mesh:
            bus = unit("bus", UnitKind.BUS)
            self.links, self.hops = [bus] * n, [1] * n
        else:
            self.links = [unit(f"link{i}", UnitKind.LINK) for i in range(n)]
            self.hops = mesh_hops(n)

    @property
    def units(self) -> list[Unit]:
        seen, out = set(), []
        optional = [u for u in (self.generation_unit, self.matrix_unit) if u is not None]
        optional += [*self.gradient_units, *self.backward_units]
        memory = [u for ports in self.ports.values() for u in ports]
        for u in [*self.tiles, *memory, self.vector_unit, *optional, *self.links]:
            if id(u) not in seen:
                seen.add(id(u))
                out.append(u)
        return out

    # Each transfer is a generator to run as (or inside) a SimPy process; it books its bytes over
    # the cycles its ports or link move them and returns that span: (starts, ends), a cycle per
    # sample of the active wave (``engine.waves``).
    def access(self, level: MemoryLevel, nbytes: float, direction: Direction, layer: str, phase,
               span: tuple[int, int] | None = None, samples: int = 1):
        """``nbytes`` read from or written to ``level`` (for each of ``samples`` samples of the
        active wave, each at its own time): booked; on a shared level the transfer interleaves
        over its ports, and a read then waits the level's latency for its first data (writes are
        posted). A per-tile level's time is its tile's: it is only booked, over ``span``, the
        cycles of the tile operations that move the bytes."""
        if nbytes <= 0:
            return None
        if level.per_tile:
            self.ledger.move(span[0], level.name, direction, math.ceil(nbytes), layer, phase,
                             span[1], samples)
            return span
        ports = self.ports[level.name]
        cycles = self.timing.transfer_op(level, nbytes)
        ops = [p.submit(cycles) for p in ports]
        yield from wait(self.env, ops[0] if len(ops) == 1 else self.env.all_of(ops))
        span = op_span(ops)
        self.ledger.move(span[0], level.name, direction, math.ceil(nbytes), layer, phase, span[1],
                         samples)
        if direction == Direction.READ and level.latency_cycles:
            yield self.env.timeout(level.latency_cycles)
        return span

    def link_transfer(self, tile: int, nbytes: float, layer: str, phase,
                      sources: dict[int, int] | None = None, samples: int = 1):
        """Bytes between the global buffer and ``tile`` (either way) over its link and hops; or,
        with ``sources`` (tile -> crossbars), into ``tile`` from those tiles, each sending its
        crossbar share over the hops between them (the last to arrive sets the time). For each
        of ``samples`` samples of the active wave, each at its own time."""
        if nbytes <= 0:
            return None
        if sources is None:
            hops = self.hops[tile]
            bit_hops = math.ceil(nbytes * 8) * hops
        else:
            dist = {s: self.distance(s, tile) for s in sources}
            hops, total = max(dist.values()), sum(sources.values())
            bit_hops = math.ceil(nbytes * 8 * sum(n * dist[s] for s, n in sources.items()) / total)
        self.ledger.count(layer, phase, Component.INTERCONNECT, Action.BIT_HOPS, bit_hops, samples)
        op = self.links[tile].submit(self.timing.bytes_op(nbytes, self.timing.link_bytes_per_cycle))
        yield from wait(self.env, op)
        # the link is busy while it sends them
        self.ledger.move(op.starts, Component.INTERCONNECT, Direction.TRANSFER, math.ceil(nbytes),
                         layer, phase, op.ends, samples)
        yield self.env.timeout(hops * self.timing.hop)
        return op.starts, times(self.env)  # the last byte has arrived after the hops

    def distance(self, a: int, b: int) -> int:
        """Hops from tile ``a`` to tile ``b``: across the mesh, or one bus transfer."""
        return mesh_distance(a, b, len(self.tiles)) if self.mesh else 1

    def spread(self, share_of_tile: dict[int, float], gen_of):
        """Run one transfer per tile concurrently; returns an event for all of them (its value
        maps each transfer to its span: ``span_of`` joins them)."""
        return self.env.all_of([spawn(self.env, gen_of(tile, share))
                                for tile, share in share_of_tile.items() if share > 0])


def span_of(done, ends: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per sample, the span from the first start to the last end of the operations behind a
    fired ``all_of``: unit operations (``Unit.submit``) or transfers (their value is their span).
    ``ends``: the samples' times now, the span of each when nothing ran."""
    spans = [(ev.starts, ev.ends) if hasattr(ev, "starts") else ev.value for ev in done.events
             if hasattr(ev, "starts") or ev.value is not None]
    if not spans:
        return ends, ends
    return (tuple(map(min, zip(*(s for s, _ in spans)))),
            tuple(map(max, zip(ends, *(e for _, e in spans)))))
