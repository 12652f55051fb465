"""One training step (one batch) on the chip: forward, backward, weight gradients, update.

- forward: as inference; the inputs of weighted layers are kept for the gradients (in the global
  buffer while it has room, else DRAM, or in DRAM when the spec says so);
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
from typing import NamedTuple

from hicsim.engine.dataflow import PHASE as FORWARD
from hicsim.engine.dataflow import Dataflow
from hicsim.mapping.place import LayerMap
from hicsim.spec.devices import PcmBinary
from hicsim.spec.errors import single
from hicsim.workload.model import NETWORK_INPUT

LOSS = "loss"


class ErrorKey(NamedTuple):
    """An error tensor: d loss / d (``producer``'s output) as one consumer passes it back."""

    producer: str
    consumer: str
    sample: int


class TrainingFlow(Dataflow):
    def __init__(self, *args):
        super().__init__(*args)
        wl, arch = self.workload, self.arch
        if self.mapping.mode != "resident":
            raise single(f"{arch.name} (arch) with {wl.name} (workload)",
                         f"the network needs {sum(m.crossbars for m in self.mapping.layers.values())} "
                         f"crossbars, the chip has {self.mapping.slots}: training would re-program "
                         f"every layer every step; use a chip that holds the network", "chip.tiles")
        if arch.tile.accumulator is None:
            raise single(arch.name, "training needs an update accumulator", "tile.accumulator")
        self.error_bits = wl.error_bits
        self.consumers: dict[str, list[str]] = {layer.name: [] for layer in wl.layers}
        for i, layer in enumerate(wl.layers):
            for src in wl.inputs_of(i):
                if src != NETWORK_INPUT:
                    self.consumers[src].append(layer.name)
        self.keep_in_buffer = arch.training.activation_store == "global_buffer"
        for i, layer in enumerate(wl.layers):
            if not self.consumers[layer.name]:
                self.readers[layer.name] = self.readers.get(layer.name, 0) + 1  # the loss reads it
            if layer.weighted and self.keep_in_buffer:  # the gradient reads the inputs again
                for src in wl.inputs_of(i):
                    self.readers[src] = self.readers.get(src, 0) + 1
        self.devices = _device_roles(arch)
        for layer in wl.weighted_layers:  # checked before anything runs
            rates = layer.programming
            if self.devices[1] is None and (rates.binary_set_pulses or rates.binary_reset_pulses):
                raise single(wl.name, f"binary pulses, but {arch.name}'s weights have no binary "
                                      f"devices", f"layers.{layer.name}.programming")

    def _readers_of(self, key) -> int:
        return 1 if isinstance(key, ErrorKey) else super()._readers_of(key)

    # -- the step ------------------------------------------------------------------------------
    def start(self) -> None:
        super().start()
        batch, layers = range(self.workload.batch), self.workload.layers
        backward = []
        for b in batch:
            for layer in layers:
                if not self.consumers[layer.name]:
                    self.env.process(self._loss(layer, b))
            for i in reversed(range(len(layers))):
                backward.append(self.env.process(self._backward(i, b)))
        done = self.env.all_of(backward)
        for layer in self.workload.weighted_layers:
            self.env.process(self._update(self.mapping.layers[layer.name], done))

    def _weighted(self, i, b, lm, tiles, fraction, first_pass, last_pass):
        if not self.keep_in_buffer:  # activations go to DRAM for the gradient pass
            name = self.workload.layers[i].name
            for src in self.workload.inputs_of(i):
                yield self._event((src, b))
                yield from self.chip.dram_access(self._bytes(self.elems[src]), "write", name,
                                                 FORWARD)
        yield from super()._weighted(i, b, lm, tiles, fraction, first_pass, last_pass)

    def _loss(self, layer, b: int):
        """Softmax cross-entropy gradient of a network output, on the vector unit."""
        yield from self._read((layer.name, b), LOSS, "backward")
        yield self.chip.vector_unit.submit(self.timing.vector_op(2 * layer.output_elems))
        self.ledger.count(LOSS, "backward", "vector_unit", "op", 2 * layer.output_elems)
        nbytes = self._error_bytes(layer.output_elems)
        key = ErrorKey(layer.name, LOSS, b)
        yield from self._write(key, nbytes, LOSS, "backward", nbytes)
        self._event(key).succeed()

    def _backward(self, i: int, b: int):
        layer = self.workload.layers[i]
        name = layer.name
        sources = self.consumers[name] or [LOSS]
        for c in sources:
            yield from self._read(ErrorKey(name, c, b), name, "backward")
        start = self.env.now
        if len(sources) > 1:  # errors from several consumers add up
            adds = layer.output_elems * (len(sources) - 1)
            yield self.chip.vector_unit.submit(self.timing.vector_op(adds))
            self.ledger.count(name, "backward", "vector_unit", "op", adds)
        producers = [p for p in self.workload.inputs_of(i) if p != NETWORK_INPUT]
        if layer.weighted:
            lm = self.mapping.layers[name]
            tiles = self.mapping.tiles_of(lm)
            delta = self._error_bytes(layer.output_elems)
            yield from self._to_tiles(name, "backward", tiles, delta * lm.row_parts)
            if producers:
                yield from self._transposed(name, lm, tiles, layer)
            yield from self._gradient(i, b, lm, tiles)
        else:
            yield self.chip.vector_unit.submit(self.timing.vector_op(
                max(layer.input_elems, layer.output_elems)))
            self.ledger.count(name, "backward", "vector_unit", "op", layer.vector_ops)
        for p in producers:
            nbytes = self._error_bytes(self.elems[p])
            key = ErrorKey(p, name, b)
            yield from self._write(key, nbytes, name, "backward", nbytes)
            self._event(key).succeed()
        self.ledger.span(name, "backward", start, self.env.now)

    def _transposed(self, name: str, lm: LayerMap, tiles: dict[int, int], layer):
        mode = self.arch.training.backward
        if mode == "digital":  # weights read as digital copies; MACs on the vector unit
            weight_bytes = math.ceil(layer.weights * self.workload.weight_bits / 8)
            yield from self.chip.buffer_access(weight_bytes, "read", name, "backward")
            macs = layer.macs_per_sample
            yield self.chip.vector_unit.submit(self.timing.vector_op(macs))
            self.ledger.count(name, "backward", "vector_unit", "mac", macs)
        else:
            units = self.chip.tiles if mode == "shared" else self.chip.backward_units
            demand = lm.backward_read(self.error_bits, self.arch.tile.dac.bits,
                                      self.arch.tile.crossbar.rows)
            yield from self._analog_mvms(name, "backward", lm, demand, tiles, 1.0, units)
        yield from self._from_tiles(name, "backward", tiles, self._error_bytes(layer.input_elems))

    def _gradient(self, i: int, b: int, lm: LayerMap, tiles: dict[int, int]):
        """Outer products of the kept inputs and this sample's errors, summed over the batch in
        the gradient units (the accumulators are touched once per step, in the update)."""
        layer = self.workload.layers[i]
        name, phase = layer.name, "gradient"
        start, in_bytes = self.env.now, 0
        for src in self.workload.inputs_of(i):
            if self.keep_in_buffer:
                in_bytes += yield from self._read((src, b), name, phase)
            else:
                nbytes = self._bytes(self.elems[src])
                yield from self.chip.dram_access(nbytes, "read", name, phase)
                in_bytes += nbytes
        yield from self._to_tiles(name, phase, tiles, in_bytes * lm.col_parts)
        macs = layer.macs_per_sample
        on_chip = sum(tiles.values())
        per_cycle = self.arch.training.gradient_unit.macs_per_cycle
        cycles = {t: math.ceil(macs * n / on_chip / per_cycle) for t, n in tiles.items()}
        yield self.env.all_of([self.chip.gradient_units[t].submit(c) for t, c in cycles.items()])
        self.ledger.spend(name, "compute", max(cycles.values()))
        self.ledger.count(name, phase, "gradient_unit", "mac", macs)
        self.ledger.span(name, phase, start, self.env.now)
        self._event(("grad", name, b)).succeed()

    def _update(self, lm: LayerMap, backward_done):
        layer = self.workload.layers[lm.index]
        name, phase, acc = lm.name, "update", self.arch.tile.accumulator
        yield self.env.all_of([self._event(("grad", name, b)) for b in range(self.workload.batch)]
                              + [backward_done])
        start = self.env.now
        acc_bytes = math.ceil(layer.weights * acc.bits / 8)
        tiles = self.mapping.tiles_of(lm)
        if acc.location == "global_buffer":
            yield from self.chip.buffer_access(acc_bytes, "read", name, phase)
            yield from self.chip.buffer_access(acc_bytes, "write", name, phase)
        else:
            for direction in ("read", "write"):
                self.ledger.move(self.env.now, "local_buffer", direction, acc_bytes, name, phase)
        self.ledger.count(name, phase, "accumulator", "add", layer.weights)
        pulses = self._pulses(name, layer.programming, lm.replicas)
        on_chip = sum(tiles.values())
        lb = self.timing.local_bytes_per_cycle
        program = self.timing.pulse_op(pulses, 1 / on_chip)
        ops = []
        for t, n in tiles.items():
            rmw = 0 if acc.location == "global_buffer" else math.ceil(2 * acc_bytes * n / on_chip / lb)
            ops.append(self.chip.tiles[t].submit(rmw + program))
        yield self.env.all_of(ops)
        self.ledger.spend(name, "programming", program)
        self.ledger.span(name, phase, start, self.env.now)

    def _pulses(self, name: str, rates, replicas: int) -> dict[tuple[str, str], float]:
        """Pulses per (device, kind) for one step, booked as counts; write-erase cycles too.
        Every replica of a layer holds the same weights, so each receives the same pulses."""
        ml, binary = self.devices
        verify = self.arch.devices[ml].verify_iterations
        pulses = {(ml, "set_pulse"): rates.set_pulses,
                  (ml, "reset_pulse"): rates.reset_pulses, (ml, "read"): rates.reset_pulses * verify}
        if binary is not None:
            pulses[(binary, "set_pulse")] = rates.binary_set_pulses
            pulses[(binary, "reset_pulse")] = rates.binary_reset_pulses
        pulses = {key: n * replicas for key, n in pulses.items()}
        for (device, action), n in pulses.items():
            self.ledger.count(name, "update", device, action, n)
            if action == "reset_pulse":
                self.ledger.count(name, "update", device, "write_erase", n)
        return pulses

    # -- helpers ---------------------------------------------------------------------------------
    def _error_bytes(self, elems: int) -> int:
        return math.ceil(elems * self.error_bits / 8)


def _device_roles(arch) -> tuple[str, str | None]:
    """(the multi-level device, the binary device or None) that hold a weight."""
    names = list(dict.fromkeys(arch.tile.weights.device_names()))
    binary = [n for n in names if isinstance(arch.devices[n], PcmBinary)]
    multilevel = [n for n in names if not isinstance(arch.devices[n], PcmBinary)]
    return multilevel[0], (binary[0] if binary else None)
