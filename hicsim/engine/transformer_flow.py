"""The dataflow with the transformer layer kinds: activation matmuls on the unit the spec names,
softmax, norms and activation functions on the vector unit with per-function costs, embedding
rows read from DRAM, token slices, and KV caches that persist from one run to the next.

Weight matmuls and the older weightless kinds run as in ``Dataflow``; this class only adds the
cases it knows and hands everything else to it.
"""

from __future__ import annotations

import math

from hicsim.engine.dataflow import PHASE, READ, WRITE, Dataflow
from hicsim.engine.keys import TensorKey
from hicsim.engine.kv_store import KvStore, SequenceStore
from hicsim.engine.runtime_crossbars import RuntimeCrossbarMatmul
from hicsim.hardware.ids import Action, Component, TimeKind


# the layer kinds ``Dataflow`` runs itself, which take a wave of samples at once
WAVE_KINDS = {"conv2d", "linear", "pool", "add", "mul", "concat"}


class TransformerFlow(Dataflow):
    def __init__(self, env, hw, workload, mapping, chip, ledger, timing, kv: KvStore):
        super().__init__(env, hw, workload, mapping, chip, ledger, timing)
        self.kv = kv
        # Activations share the on-chip levels with the KV caches placed there.
        self.store = SequenceStore([(m, m.capacity - kv.bytes_in(m)) for m in hw.memory.shared],
                                   hw.memory.backing, ledger)
        self.store.clock = self.wave_clock
        self.functions = hw.attention.functions
        self.matmul_on = hw.attention.matmul_on
        self.runtime = (RuntimeCrossbarMatmul(hw, self) if self.matmul_on == "crossbars"
                        else None)

    def _batches_in_waves(self) -> bool:
        """Transformer kinds (KV caches, token slices) run sample by sample."""
        return all(layer.op in WAVE_KINDS for layer in self.workload.layers)

    def done(self):
        """An event that fires when every layer of every sample has finished."""
        return self.env.all_of([self._event(TensorKey(layer.name, b))
                                for layer in self.workload.layers for b in self.samples])

    def _weightless(self, i: int, b: int):
        op = self.workload.layers[i].op
        if op == "matmul":
            run = self._activation_matmul
        elif op == "embedding":
            run = self._embedding
        elif op == "kv_cache":
            run = self._kv_cache
        elif op == "token_slice":
            run = self._token_slice
        elif op in ("softmax", "layernorm", "rmsnorm", "gelu", "silu", "tanh"):
            run = self._vector_functions
        else:
            yield from super()._weightless(i, b)
            return
        layer = self.workload.layers[i]
        start = self.env.now
        yield from run(i, b)
        self.ledger.span(layer.name, PHASE, start, self.env.now)
        self._event(TensorKey(layer.name, b)).succeed()

    def _finish(self, i: int, b: int):
        layer = self.workload.layers[i]
        yield from self._store_output(i, b, self._bytes(layer.output_elems), True)

    def _vector_functions(self, i: int, b: int):
        """Elementwise passes on the vector unit: plain ops one lane cycle each, functions as
        their multiply-adds (``FunctionCosts``), all spread over the lanes."""
        layer = self.workload.layers[i]
        yield from self._fetch(i, b, True)
        fmas = 0
        for function, n in layer.function_ops.items():
            self.ledger.count(layer.name, PHASE, Component.VECTOR_UNIT, function, n)
            fmas += n * self.functions.fmas(function)
        self.ledger.count(layer.name, PHASE, Component.VECTOR_UNIT, Action.OP, layer.vector_ops)
        cycles = self.timing.vector_op(max(layer.vector_ops, layer.output_elems) + fmas)
        yield self.chip.vector_unit.submit(cycles)
        self.ledger.spend(layer.name, TimeKind.COMPUTE, cycles)
        yield from self._finish(i, b)

    def _activation_matmul(self, i: int, b: int):
        layer = self.workload.layers[i]
        if layer.weighted:  # static weights never reach here (they map onto crossbars)
            raise AssertionError(f"{layer.name}: weighted matmul in the weightless path")
        yield from self._fetch(i, b, True)
        macs = layer.vector_ops
        if self.matmul_on == "matrix_unit":
            cycles = math.ceil(macs / self.hw.attention.matrix_macs_per_cycle)
            self.ledger.count(layer.name, PHASE, Component.MATRIX_UNIT, Action.MAC, macs)
            yield self.chip.matrix_unit.submit(cycles)
        elif self.matmul_on == "crossbars":
            cycles = yield from self.runtime.run(layer)
        else:
            cycles = self.timing.vector_op(macs)
            self.ledger.count(layer.name, PHASE, Component.VECTOR_UNIT, Action.MAC, macs)
            yield self.chip.vector_unit.submit(cycles)
        self.ledger.spend(layer.name, TimeKind.COMPUTE, cycles)
        yield from self._finish(i, b)

    def _embedding(self, i: int, b: int):
        """Token ids in (a positions lookup reads none), table rows from DRAM, where tables too
        large for the chip stay."""
        layer = self.workload.layers[i]
        if layer.lookup == "ids":
            yield from self._fetch(i, b, True)
        else:
            yield from self._order_only(i, b)
        rows = math.ceil(layer.table_elems_read * self.workload.weight_bits / 8)
        yield from self.chip.access(self.backing, rows, READ, layer.name, PHASE)
        yield from self._finish(i, b)

    def _token_slice(self, i: int, b: int):
        """Only the tokens taken are read from the producer."""
        layer = self.workload.layers[i]
        (src,) = self.workload.inputs_of(i)
        key = TensorKey(src, b)
        yield self._event(key)
        nbytes = self._bytes(layer.input_elems)
        yield from self.chip.access(self.store.level_of(key), nbytes, READ, layer.name, PHASE)
        self.store.read_done(key)
        yield from self._finish(i, b)

    def _kv_cache(self, i: int, b: int):
        """Append this run's rows to the cache where it lives; its readers then read all of it."""
        layer = self.workload.layers[i]
        yield from self._fetch(i, b, True)
        level = self.kv.level_of(layer.name)
        appended = self._bytes(layer.appended_elems)
        yield from self.chip.access(level, appended, WRITE, layer.name, PHASE)
        key = TensorKey(layer.name, b)
        self.store.pin(key, self._bytes(layer.output_elems), level, self._readers_of(key))

    def _order_only(self, i: int, b: int):
        """Wait for the producers without reading them (they only order this layer)."""
        for src in self.workload.inputs_of(i):
            key = TensorKey(src, b)
            yield self._event(key)
            self.store.read_done(key)
