"""Where each activation tensor lives between its producer and its last consumer.

A tensor goes to the global buffer if it fits beside what is already there, else it spills to
DRAM. It is freed after its last consumer has read it. Allocated and freed bytes are kept in the
ledger, so a test can check that every byte that entered the buffer left it or is still there.
"""

from __future__ import annotations

from dataclasses import dataclass

from hicsim.engine.ledger import Ledger
from hicsim.hardware.ids import Level


@dataclass
class Tensor:
    nbytes: int
    level: Level  # the global buffer or DRAM
    readers_left: int


class TensorStore:
    def __init__(self, capacity: float, ledger: Ledger):
        self.capacity = capacity
        self.ledger = ledger
        self.used = 0
        self._tensors: dict[tuple, Tensor] = {}  # by TensorKey or ErrorKey

    def place(self, key: tuple, nbytes: int, readers: int) -> Level:
        """Decide the level of a new tensor and reserve its space there."""
        level = Level.GLOBAL_BUFFER if self.used + nbytes <= self.capacity else Level.DRAM
        if level == Level.GLOBAL_BUFFER:
            self.used += nbytes
            self.ledger.buffer_in += nbytes
            self.ledger.buffer_peak = max(self.ledger.buffer_peak, self.used)
        self._tensors[key] = Tensor(nbytes, level, readers)
        return level

    def level_of(self, key: tuple) -> Level:
        return self._tensors[key].level

    def size_of(self, key: tuple) -> int:
        return self._tensors[key].nbytes

    def read_done(self, key: tuple) -> None:
        t = self._tensors[key]
        t.readers_left -= 1
        if t.readers_left == 0:
            if t.level == Level.GLOBAL_BUFFER:
                self.used -= t.nbytes
                self.ledger.buffer_out += t.nbytes
            del self._tensors[key]

    @property
    def resident_bytes(self) -> int:
        return self.used
