"""Weights onto the chip: one streamed pass of a layer brought in and written into its crossbars.

Weights come from DRAM through the staging buffer once, or, with a generation unit, the layer's
bases and coefficients come from DRAM into the unit's basis buffer and the unit generates them
(what its basis buffer cannot hold comes from DRAM again while it waits: ``basis_buffer``);
batch-norm parameters and biases come with them; each copy receives its own weights over the
links and its tiles program them.
"""

from __future__ import annotations

import math

import simpy

from hicsim.engine.basis_buffer import refetch_bytes
from hicsim.engine.chip import Chip, span_of
from hicsim.engine.ledger import Ledger
from hicsim.engine.tile_links import TileLinks
from hicsim.engine.timing import Timing
from hicsim.engine.unit import spawn
from hicsim.engine.waves import times, wait
from hicsim.generation.plan import extra_tensors
from hicsim.hardware.ids import BASIS_BUFFER, Action, Component, Direction, Phase, TimeKind
from hicsim.hardware.model import Hardware
from hicsim.mapping.place import LayerMap, Mapping, Placement
from hicsim.workload.model import Workload

READ, WRITE = Direction.READ, Direction.WRITE
PHASE = Phase.PROGRAM


class WeightLoading:
    def __init__(self, env: simpy.Environment, hw: Hardware, workload: Workload, mapping: Mapping,
                 chip: Chip, ledger: Ledger, timing: Timing, links: TileLinks):
        self.env, self.hw, self.workload, self.mapping = env, hw, workload, mapping
        self.chip, self.ledger, self.timing, self.links = chip, ledger, timing, links
        memory = hw.memory
        self.local, self.staging, self.backing = memory.local, memory.staging, memory.backing

    def program(self, lm: LayerMap, place: Placement, fraction: float, after=()):
        """Once the events ``after`` have fired (the crossbars are free), bring one pass of a
        layer's weights in and write them into the crossbars of every copy."""
        name, chip = lm.name, self.chip
        tiles, copies = place.tiles(self.mapping.crossbars_per_tile), len(place.first_slots)
        if after:  # every sample of the waves that ran on them is done
            yield from wait(self.env, self.env.all_of(after))
        start = self.env.now
        weight_bytes = lm.weight_bytes(self.workload.weight_bits, fraction)
        plan = self.mapping.generation.get(name)
        if plan is not None and not plan.direct:
            yield from self._generate(plan, fraction)
        else:
            yield from self._staged(weight_bytes, name)
        # Batch-norm scale and shift and biases, for the digital periphery: from DRAM with the
        # weights, at the generation spec's bits (32 without one), staged like dense weights.
        extras = plan.extras if plan is not None else extra_tensors(self.workload.layers[lm.index],
                                                                    None)
        yield from self._staged(math.ceil(sum(t.bytes for t in extras) * fraction), name)
        yield from self.links.to_tiles(name, PHASE, tiles, weight_bytes * copies)

        per_crossbar = {d: math.ceil(n / lm.crossbars) for d, n in lm.devices.items()}
        cycles = self.timing.program_op(per_crossbar)
        span = span_of((yield self.env.all_of([chip.tiles[t].submit(cycles) for t in tiles])),
                       times(self.env))
        # the write circuits read the weights out of the local buffer as they program them
        self.ledger.move(span[0], self.local.name, READ, weight_bytes * copies, name, PHASE,
                         span[1])
        self.ledger.spend(name, TimeKind.PROGRAMMING, cycles)
        for device, n in lm.devices.items():
            self.count_writes(name, device, round(n * fraction) * copies)
        self.ledger.span(name, PHASE, start, self.env.now)

    def _staged(self, nbytes: int, name: str):
        """``nbytes`` from DRAM through the staging buffer (written there, read out to the
        links); nothing when there are none."""
        if nbytes:
            yield from self.chip.access(self.backing, nbytes, READ, name, PHASE)
            yield from self.chip.access(self.staging, nbytes, WRITE, name, PHASE)
            yield from self.chip.access(self.staging, nbytes, READ, name, PHASE)

    def _generate(self, plan, fraction: float):
        """One pass of generated weights: bases in from DRAM, MACs on the unit; what its basis
        buffer cannot hold comes from DRAM again while the unit waits (``basis_buffer``)."""
        name, chip = plan.name, self.chip
        stored = math.ceil(plan.stored_bytes * fraction)
        macs = round(plan.generation_macs * fraction)
        again = math.ceil(refetch_bytes(plan, self.hw.level(BASIS_BUFFER).capacity) * fraction)
        arrive = (yield from chip.access(self.backing, stored, READ, name, PHASE)) or (self.env.now,) * 2
        self.ledger.move(arrive[0], BASIS_BUFFER, WRITE, stored, name, PHASE, arrive[1])
        self.ledger.count(name, PHASE, Component.GENERATION_UNIT, Action.MAC, macs)
        cycles = self.timing.generation_op(macs, stored) + self.timing.transfer_op(self.backing,
                                                                                  again)
        op = chip.generation_unit.submit(cycles)
        if again:  # the refills hold the DRAM channels while the unit waits for them
            yield self.env.all_of([op, spawn(self.env, chip.access(self.backing, again, READ,
                                                                   name, PHASE))])
        else:
            yield op
        # the unit reads the bases and coefficients as it generates, refilling what overflowed
        self.ledger.move(op.value, BASIS_BUFFER, READ, stored, name, PHASE, self.env.now)
        self.ledger.move(op.value, BASIS_BUFFER, WRITE, again, name, PHASE, self.env.now)
        self.ledger.spend(name, TimeKind.GENERATION, cycles)

    def count_writes(self, layer: str, device: str, n: int) -> None:
        """Actions to write ``n`` devices from scratch, as the device's technology says."""
        for action, count in self.hw.devices[device].program_actions(n).items():
            self.ledger.count(layer, PHASE, device, action, count)
        self.ledger.count(layer, PHASE, device, Action.DEVICES_WRITTEN, n)
