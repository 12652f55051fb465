"""Where KV caches live across the runs of a sequence (the prefill and every decode step).

Each cache is given its full size at its longest (prompt plus every generated token) once, before
the prefill: in the staging buffer (the first shared level) while the caches placed so far fit
beside half of it (the other half stays for the activations of each run), else in DRAM. A cache does not move once placed, so
a sequence's caches never compete with a later step's activations for space.
"""

from __future__ import annotations

import math

from hicsim.engine.tensors import Tensor, TensorStore
from hicsim.hardware.memory import MemoryLevel
from hicsim.workload.transformer_layers import KvCache

# Share of the global buffer KV caches may take; the rest holds each run's activations.
KV_SHARE_OF_BUFFER = 0.5


class KvStore:
    def __init__(self, workload, buffer: MemoryLevel, backing: MemoryLevel, bits: int):
        new = workload.decode.new_tokens if workload.decode is not None else 0
        self.levels: dict[str, MemoryLevel] = {}
        self.bytes: dict[str, int] = {}  # each cache at its longest, all samples
        for layer in workload.layers:
            if isinstance(layer, KvCache):
                nbytes = workload.batch * math.ceil((layer.context + new) * layer.dim * bits / 8)
                in_buffer = self.bytes_in(buffer) + nbytes <= KV_SHARE_OF_BUFFER * buffer.capacity
                self.levels[layer.name] = buffer if in_buffer else backing
                self.bytes[layer.name] = nbytes

    def bytes_in(self, level: MemoryLevel) -> int:
        return sum(n for name, n in self.bytes.items() if self.levels[name] is level)

    def level_of(self, name: str) -> MemoryLevel:
        return self.levels[name]


class SequenceStore(TensorStore):
    """The tensor store of one run, plus KV caches pinned where ``KvStore`` put them: readers
    find them like any tensor, and reading them frees nothing."""

    def __init__(self, on_chip, backing: MemoryLevel, ledger):
        super().__init__(on_chip, backing, ledger)
        self._pinned: set = set()

    def pin(self, key, nbytes: int, level: MemoryLevel, readers: int) -> None:
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
