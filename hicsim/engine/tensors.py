"""Where each activation tensor lives between its producer and its last consumer.

A tensor goes to the global buffer if it fits beside what is already there, else it spills to
DRAM. It is freed after its last consumer has read it. Allocated and freed bytes are kept in the
ledger, so a test can check that every byte that entered the buffer left it or is still there.
"""

from __future__ import annotations

from dataclasses import dataclass

from hicsim.engine.ledger import Ledger


@dataclass
class Tensor:
    nbytes: int
    level: str  # "global_buffer" or "dram"
    readers_left: int


class TensorStore:
    def __init__(self, capacity: float, ledger: Ledger):
        self.capacity = capacity
        self.ledger = ledger
        self.used = 0
        self._tensors: dict[tuple[str, int], Tensor] = {}

    def place(self, key: tuple[str, int], nbytes: int, readers: int) -> str:
        """Decide the level of a new tensor and reserve its space there."""
        level = "global_buffer" if self.used + nbytes <= self.capacity else "dram"
        if level == "global_buffer":
            self.used += nbytes
            self.ledger.buffer_in += nbytes
            self.ledger.buffer_peak = max(self.ledger.buffer_peak, self.used)
        self._tensors[key] = Tensor(nbytes, level, readers)
        return level

    def level_of(self, key: tuple[str, int]) -> str:
        return self._tensors[key].level

    def size_of(self, key: tuple[str, int]) -> int:
        return self._tensors[key].nbytes

    def read_done(self, key: tuple[str, int]) -> None:
        t = self._tensors[key]
        t.readers_left -= 1
        if t.readers_left == 0:
            if t.level == "global_buffer":
                self.used -= t.nbytes
                self.ledger.buffer_out += t.nbytes
            del self._tensors[key]

    @property
    def resident_bytes(self) -> int:
        return self.used
