"""One training step (one batch) on the chip: forward, backward, weight gradients, update.

- forward: as inference; the inputs of weighted layers are kept for the gradients (on chip while
  there is room, else DRAM, or in DRAM when the spec says so);
- backward: per sample, from the loss back; a weighted layer's error delta . W^T is read from the
  same crossbars in the transposed direction (on the peripherals the spec names), errors of
  layers read by several consumers are summed on the vector unit;
- gradient: per sample, outer products of the kept activations and the errors on the per-tile
  gradient units;
- update: after every sample's backward pass (a crossbar being programmed cannot be read, and the
  next step needs the new weights), each layer's accumulators are read, added to and written
  back, and the devices are programmed at the workload's measured (or hand-set) rates.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hicsim.engine.dataflow import READ, WHOLE_BATCH, WRITE, Dataflow
from hicsim.engine.keys import ErrorKey, GradientKey, Pass, TensorKey
from hicsim.engine.local_buffers import error_working_set_fraction, working_set_fraction
from hicsim.engine.waves import announce, op_span, times, wait
from hicsim.hardware.ids import Action, Component, Phase, TimeKind
from hicsim.mapping.place import CopySet, LayerMap
from hicsim.spec.errors import single
from hicsim.workload.model import NETWORK_INPUT

LOSS = "loss"
FORWARD, BACKWARD, GRADIENT, UPDATE = Phase.FORWARD, Phase.BACKWARD, Phase.GRADIENT, Phase.UPDATE


class TrainingFlow(Dataflow):
    def __init__(self, *args):
        super().__init__(*args)
        wl, hw = self.workload, self.hw
        if self.mapping.mode != "resident":
            raise single(f"{hw.name} (arch) with {wl.name} (workload)",
                         f"the network needs {sum(m.crossbars for m in self.mapping.layers.values())} "
                         f"crossbars, the chip has {self.mapping.slots}: training would re-program "
                         f"every layer every step; use a chip that holds the network", "chip.tiles")
        if hw.training.accumulator is None:
            raise single(hw.name, "training needs an update accumulator", "tile.accumulator")
        self.error_bits = wl.error_bits
        self.consumers: dict[str, list[str]] = {layer.name: [] for layer in wl.layers}
        for i, layer in enumerate(wl.layers):
            for src in wl.inputs_of(i):
                if src != NETWORK_INPUT:
                    self.consumers[src].append(layer.name)
        self.keep_in_buffer = hw.training.activation_store is not self.backing
        for i, layer in enumerate(wl.layers):
            if not self.consumers[layer.name]:
                self.readers[layer.name] = self.readers.get(layer.name, 0) + 1  # the loss reads it
            if layer.weighted and self.keep_in_buffer:  # the gradient reads the inputs again
                for src in wl.inputs_of(i):
                    self.readers[src] = self.readers.get(src, 0) + 1
        for layer in wl.weighted_layers:  # checked before anything runs
            rates = layer.programming
            if hw.weights.binary is None and (rates.binary_set_pulses or rates.binary_reset_pulses):
                raise single(wl.name, f"binary pulses, but {hw.name}'s weights have no binary "
                                      f"devices", f"layers.{layer.name}.programming")

    def _readers_of(self, key) -> int:
        return 1 if isinstance(key, ErrorKey) else super()._readers_of(key)

    # -- the step ------------------------------------------------------------------------------
    def start(self) -> None:
        super().start()
        batch, layers = list(self.samples), self.workload.layers
        backward = []
        for b in batch:
            for layer in layers:
                if not self.consumers[layer.name]:
                    self._spawn(self._loss(layer, b), self.index[layer.name], b, BACKWARD)
            for i in reversed(range(len(layers))):
                backward.append(self._spawn(self._backward(i, b), i, b, BACKWARD))
        # every sample's backward pass is done (once, for every layer's update to wait on)
        done = self._spawn(self._all_done(backward), -1, WHOLE_BATCH, UPDATE)
        for layer in self.workload.weighted_layers:
            lm = self.mapping.layers[layer.name]
            self._spawn(self._update(lm, done), lm.index, WHOLE_BATCH, UPDATE)

    def _all_done(self, processes):
        yield from wait(self.env, self.env.all_of(processes))

    def _weighted(self, i: int, b: int, lm: LayerMap, tiles: dict[int, int], run: Pass):
        if not self.keep_in_buffer:  # activations go to DRAM for the gradient pass
            name = self.workload.layers[i].name
            for src in self.workload.inputs_of(i):
                yield from wait(self.env, self._event(TensorKey(src, b)))
                yield from self.chip.access(self.backing, self._bytes(self.elems[src]), WRITE,
                                            name, FORWARD, samples=self.samples[b])
        yield from super()._weighted(i, b, lm, tiles, run)

    def _loss(self, layer, b: int):
        """Softmax cross-entropy gradient of a network output, on the vector unit."""
        n = self.samples[b]
        yield from self._read(TensorKey(layer.name, b), LOSS, BACKWARD)
        yield from wait(self.env, self.chip.vector_unit.submit(
            self.timing.vector_op(2 * layer.output_elems)))
        self.ledger.count(LOSS, BACKWARD, Component.VECTOR_UNIT, Action.OP, 2 * layer.output_elems,
                          n)
        nbytes = self._error_bytes(layer.output_elems)
        key = ErrorKey(layer.name, LOSS, b)
        yield from self._write(key, nbytes, LOSS, BACKWARD, nbytes)
        announce(self.env, self._event(key))

    def _backward(self, i: int, b: int):
        layer = self.workload.layers[i]
        name, n = layer.name, self.samples[b]
        sources = self.consumers[name] or [LOSS]
        for c in sources:
            yield from self._read(ErrorKey(name, c, b), name, BACKWARD)
        start = self.env.now
        if len(sources) > 1:  # errors from several consumers add up
            adds = layer.output_elems * (len(sources) - 1)
            yield from wait(self.env, self.chip.vector_unit.submit(self.timing.vector_op(adds)))
            self.ledger.count(name, BACKWARD, Component.VECTOR_UNIT, Action.OP, adds, n)
        producers = [p for p in self.workload.inputs_of(i) if p != NETWORK_INPUT]
        if layer.weighted:
            lm = self.mapping.layers[name]
            (place,) = self.mapping.placements(lm)
            copies = self.mapping.copies_for(lm, place, b)  # the copies its forward pass ran on
            tiles = copies.tiles
            delta = self._error_bytes(layer.output_elems)
            spill = {}  # what the transposed reads' working set leaves in the staging buffer
            if producers and self.hw.training.backward != "digital":
                window = delta * error_working_set_fraction(layer, lm.mvms_per_sample)
                spill = self.spills.of(lm, tiles, window, lm.row_parts)
            errors = delta * lm.row_parts
            yield from self.links.to_tiles(name, BACKWARD, tiles, errors,
                                           shares=self.spills.held(tiles, errors, spill), samples=n)
            if producers:
                yield from self._transposed(name, lm, copies, layer, spill, n)
            yield from self._gradient(i, b, lm, tiles, spill)
        else:
            yield from wait(self.env, self.chip.vector_unit.submit(self.timing.vector_op(
                max(layer.input_elems, layer.output_elems))))
            self.ledger.count(name, BACKWARD, Component.VECTOR_UNIT, Action.OP, layer.vector_ops, n)
        for p in producers:
            nbytes = self._error_bytes(self.elems[p])
            key = ErrorKey(p, name, b)
            yield from self._write(key, nbytes, name, BACKWARD, nbytes)
            announce(self.env, self._event(key))
        self.ledger.span(name, BACKWARD, start, times(self.env))

    def _transposed(self, name: str, lm: LayerMap, copies: CopySet, layer, spill, n: int):
        """The error through the weights, for the ``n`` samples of a wave."""
        mode = self.hw.training.backward
        if mode == "digital":  # weights read as digital copies; MACs on the vector unit
            weight_bytes = math.ceil(layer.weights * self.workload.weight_bits / 8)
            yield from self.chip.access(self.staging, weight_bytes, READ, name, BACKWARD,
                                        samples=n)
            macs = layer.macs_per_sample
            yield from wait(self.env, self.chip.vector_unit.submit(self.timing.vector_op(macs)))
            self.ledger.count(name, BACKWARD, Component.VECTOR_UNIT, Action.MAC, macs, n)
        else:
            units = self.chip.tiles if mode == "shared" else self.chip.backward_units
            demand = lm.backward_read(self.error_bits, self.hw.periphery.dac_bits,
                                      self.hw.crossbar_rows)
            yield from self._analog_mvms(name, BACKWARD, lm, demand, copies, 1.0, units,
                                         spill=spill, samples=n)
        yield from self.links.from_tiles(name, BACKWARD, copies.tiles,
                                         self._error_bytes(layer.input_elems), samples=n)

    def _gradient(self, i: int, b: int, lm: LayerMap, tiles: dict[int, int],
                  error_spill: dict[int, float]):
        """Outer products of the kept inputs and this sample's errors, summed over the batch in
        the gradient units (the accumulators are touched once per step, in the update).
        ``error_spill``: per tile, the share of the errors' working set its local buffer could
        not hold (``_backward``): those errors come from the staging buffer again."""
        layer = self.workload.layers[i]
        name, phase, samples = layer.name, GRADIENT, self.samples[b]
        start, in_bytes = self.env.now, 0
        for src in self.workload.inputs_of(i):
            if self.keep_in_buffer:
                in_bytes += yield from self._read(TensorKey(src, b), name, phase)
            else:
                nbytes = self._bytes(self.elems[src])
                yield from self.chip.access(self.backing, nbytes, READ, name, phase,
                                            samples=samples)
                in_bytes += nbytes
        # The kept inputs: the forward's working set, read by the gradient units as the DACs did;
        # what the local buffer cannot hold comes over the link as the units need it.
        demand = lm.forward_read()
        window = self._bytes(layer.input_elems) * working_set_fraction(layer, demand.mvms_per_sample)
        spill = self.spills.of(lm, tiles, window, lm.col_parts)
        sent = in_bytes * lm.col_parts
        yield from self.links.to_tiles(name, phase, tiles, sent,
                                       shares=self.spills.held(tiles, sent, spill), samples=samples)
        macs = layer.macs_per_sample
        on_chip = sum(tiles.values())
        # The units' operands, out of the local buffers: the kept inputs as the forward's DACs
        # read them, and every output error the tiles were sent (``_backward``), once: an outer
        # product takes each error with the inputs of its window. Shares that spill come from
        # the staging buffer over the tile's link instead, the unit waiting for them.
        reads = Fraction(self._dac_bytes(demand, 1.0, 1.0, demand.mvms_per_sample))
        errors = Fraction(self._error_bytes(layer.output_elems) * lm.row_parts)
        spilled = {t: (reads * spill.get(t, 0.0) + errors * error_spill.get(t, 0.0))
                   * tiles[t] / on_chip for t in spill.keys() | error_spill.keys()}
        per_cycle = self.hw.training.gradient_macs_per_cycle
        stall = self.spills.stall
        cycles = {t: math.ceil(macs * n / on_chip / per_cycle) + stall(spilled.get(t, 0))
                  for t, n in tiles.items()}
        ops = [self.chip.gradient_units[t].submit(c) for t, c in cycles.items()]
        yield from wait(self.env, self.env.all_of(
            ops + self.spills.streams(name, phase, tiles, spilled, samples)))
        self.ledger.move(op_span(ops)[0], self.local.name, READ,
                         math.ceil(reads + errors) - math.ceil(sum(spilled.values())), name,
                         phase, times(self.env), samples)
        self.ledger.spend(name, TimeKind.COMPUTE, max(cycles.values()), samples)
        self.ledger.count(name, phase, Component.GRADIENT_UNIT, Action.MAC, macs, samples)
        self.ledger.span(name, phase, start, times(self.env))
        announce(self.env, self._event(GradientKey(name, b)))

    def _update(self, lm: LayerMap, backward_done):
        layer = self.workload.layers[lm.index]
        name, phase, acc = lm.name, UPDATE, self.hw.training.accumulator
        yield from wait(self.env, self.env.all_of(
            [self._event(GradientKey(name, b)) for b in self.samples] + [backward_done]))
        start = self.env.now
        acc_bytes = math.ceil(layer.weights * acc.bits / 8)
        tiles = self.mapping.tiles_of(lm)
        level = self.hw.training.accumulator_level
        if not level.per_tile:  # read, add, write back through a shared level's ports
            for direction in (READ, WRITE):
                yield from self.chip.access(level, acc_bytes, direction, name, phase)
        self.ledger.count(name, phase, Component.ACCUMULATOR, Action.ADD, layer.weights)
        pulses = self._pulses(name, layer.programming, lm.replicas)
        on_chip = sum(tiles.values())
        lb = self.timing.local_bytes_per_cycle
        program = self.timing.pulse_op(pulses, 1 / on_chip)
        rmw = {t: self.timing.bytes_op(Fraction(2 * acc_bytes * n, on_chip), lb) if level.per_tile
               else 0 for t, n in tiles.items()}
        ops = {t: self.chip.tiles[t].submit(rmw[t] + program) for t in tiles}
        yield self.env.all_of(list(ops.values()))
        if level.per_tile:  # each tile reads, adds to and writes back its accumulators first
            span = (min(op.value for op in ops.values()),
                    max(op.value + rmw[t] for t, op in ops.items()))
            for direction in (READ, WRITE):
                yield from self.chip.access(level, acc_bytes, direction, name, phase, span)
        self.ledger.spend(name, TimeKind.PROGRAMMING, program)
        self.ledger.span(name, phase, start, self.env.now)

    def _pulses(self, name: str, rates, replicas: int) -> dict[tuple[str, Action], float]:
        """Pulses per (device, action) for one step, booked as counts; write-erase cycles too.
        The rates name the analog device's pulses and the binary devices' (HIC); each device's
        technology adds what its writes entail (verify reads). Every replica of a layer holds the
        same weights, so each receives the same pulses."""
        weights, pulses = self.hw.weights, {}
        roles = [(weights.analog, rates.set_pulses, rates.reset_pulses)]
        if weights.binary is not None:
            roles.append((weights.binary, rates.binary_set_pulses, rates.binary_reset_pulses))
        for device, sets, resets in roles:
            for action, n in self.hw.devices[device].update_actions(sets, resets).items():
                pulses[(device, action)] = n * replicas
        for (device, action), n in pulses.items():
            self.ledger.count(name, UPDATE, device, action, n)
            if action == Action.RESET_PULSE:
                self.ledger.count(name, UPDATE, device, Action.WRITE_ERASE, n)
        return pulses

    # -- helpers ---------------------------------------------------------------------------------
    def _error_bytes(self, elems: int) -> int:
        return math.ceil(elems * self.error_bits / 8)

