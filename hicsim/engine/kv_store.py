"""Where KV caches live across the runs of a sequence (the prefill and every decode step).

Each cache is given its full size at its longest (prompt plus every generated token) once, before
the prefill: in the global buffer while the caches placed so far fit beside half of it (the other
half stays for the activations of each run), else in DRAM. A cache does not move once placed, so
a sequence's caches never compete with a later step's activations for space.
"""

from __future__ import annotations

import math

from hicsim.engine.tensors import Tensor, TensorStore
from hicsim.hardware.ids import Level
from hicsim.workload.transformer_layers import KvCache

# Share of the global buffer KV caches may take; the rest holds each run's activations.
KV_SHARE_OF_BUFFER = 0.5


class KvStore:
    def __init__(self, workload, buffer_capacity: float, bits: int):
        new = workload.decode.new_tokens if workload.decode is not None else 0
        self.levels: dict[str, Level] = {}
        self.bytes: dict[str, int] = {}  # each cache at its longest, all samples
        for layer in workload.layers:
            if isinstance(layer, KvCache):
                nbytes = workload.batch * math.ceil((layer.context + new) * layer.dim * bits / 8)
                in_buffer = self.buffer_bytes + nbytes <= KV_SHARE_OF_BUFFER * buffer_capacity
                self.levels[layer.name] = Level.GLOBAL_BUFFER if in_buffer else Level.DRAM
                self.bytes[layer.name] = nbytes

    @property
    def buffer_bytes(self) -> int:
        return sum(n for name, n in self.bytes.items() if self.levels[name] == Level.GLOBAL_BUFFER)

    @property
    def dram_bytes(self) -> int:
        return sum(n for name, n in self.bytes.items() if self.levels[name] == Level.DRAM)

    def level_of(self, name: str) -> Level:
        return self.levels[name]


class SequenceStore(TensorStore):
    """The tensor store of one run, plus KV caches pinned where ``KvStore`` put them: readers
    find them like any tensor, and reading them frees nothing."""

    def __init__(self, capacity: float, ledger):
        super().__init__(capacity, ledger)
        self._pinned: set = set()

    def pin(self, key, nbytes: int, level: Level, readers: int) -> None:
        self._tensors[key] = Tensor(nbytes, level, readers)
        self._pinned.add(key)

    def read_done(self, key) -> None:
        if key not in self._pinned:
            super().read_done(key)
            return
        t = self._tensors[key]
        t.readers_left -= 1
        if t.readers_left == 0:
            del self._tensors[key]
            self._pinned.discard(key)
