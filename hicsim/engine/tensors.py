"""Where each activation tensor lives between its producer and its last consumer.

A tensor goes to the first shared on-chip level (innermost first) with room for it beside what is
already there, else to DRAM. It is freed after its last consumer has read it. Bytes allocated in
and freed from the on-chip levels are kept in the ledger, so a test can check that every byte that
entered a buffer left it or is still there.

Pipelined layers read a tensor in parts (``consume``): the bytes every reader has read are freed
as they are read (each reader keeps the rows it still needs in its tiles), so a tensor holds its
place from its first write until its readers have consumed it, shrinking as they go. A tensor is
placed by its whole size against what the others still hold, so a level never holds more than
its capacity.

A wave's tensor (``engine.waves``) is its samples' tensors side by side: placed when its first
sample writes it, read together, and freed when its last sample has read it (a free comes into
effect the cycle after that sample's time: ``_frees``); sizes and reads are per sample, the room
it takes is ``samples`` times that. So a wave's tensors hold at least the room their samples'
would on their own at any time, and a wave tensor goes where each of its samples' would when it
goes to the innermost level that holds one sample's tensor; one that does not is a conflict
(``conflicts``: it went to DRAM where a sample's would have fitted, or was placed at a level one
sample's would not be).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from hicsim.engine.ledger import Ledger
from hicsim.hardware.memory import MemoryLevel


@dataclass
class Tensor:
    nbytes: int  # per sample
    level: MemoryLevel
    readers_left: int
    readers: int = 0  # readers in all (for partial reads)
    consumed: dict = field(default_factory=dict)  # reader -> bytes it has read (partial reads)
    freed: int = 0  # bytes (per sample) already given back
    samples: int = 1  # a wave's samples


class TensorStore:
    def __init__(self, on_chip: list[tuple[MemoryLevel, float]], backing: MemoryLevel,
                 ledger: Ledger):
        """``on_chip``: each shared level with the bytes tensors may take there, innermost
        first; ``backing``: where the rest goes."""
        self.capacity = {level.name: capacity for level, capacity in on_chip}
        self.on_chip = [level for level, _ in on_chip]
        self.backing = backing
        self.ledger = ledger
        self.used = {level.name: 0 for level in self.on_chip}
        self._tensors: dict[tuple, Tensor] = {}  # by TensorKey or ErrorKey
        # Waves: the samples' times at this point of the active process (``engine.waves``), or
        # None (sample by sample: frees at once, nothing to check); frees still to come:
        # (cycle, level, bytes), in effect after that cycle.
        self.clock = None
        self._frees: list[tuple[int, str, int]] = []
        self.conflicts = 0

    def place(self, key: tuple, nbytes: int, readers: int, samples: int = 1) -> MemoryLevel:
        """Decide the level of a new tensor (``nbytes`` for each of ``samples`` samples) and
        reserve its space there."""
        total = nbytes * samples
        if self.clock is not None:
            self.settle(self.clock()[0] - 1)
        level = next((m for m in self.on_chip
                      if self.used[m.name] + total <= self.capacity[m.name]), self.backing)
        if self.clock is not None and level is not next(
                (m for m in self.on_chip if nbytes <= self.capacity[m.name]), self.backing):
            self.conflicts += 1
        if level is not self.backing:
            self.used[level.name] += total
            self.ledger.buffer_in += total
            self.ledger.buffer_peak = max(self.ledger.buffer_peak, self.resident_bytes)
        self._tensors[key] = Tensor(nbytes, level, readers, readers, samples=samples)
        return level

    def hold(self, key: tuple, nbytes: int, readers: int, level: MemoryLevel,
             samples: int = 1) -> None:
        """A tensor kept in its producer's tiles (tile-to-tile, ``level`` the tiles' buffer): it
        takes no room in the shared levels."""
        self._tensors[key] = Tensor(nbytes, level, readers, readers, samples=samples)

    def level_of(self, key: tuple) -> MemoryLevel:
        return self._tensors[key].level

    def size_of(self, key: tuple) -> int:
        """Bytes per sample."""
        return self._tensors[key].nbytes

    def consume(self, key: tuple, reader, nbytes: int) -> None:
        """``reader`` has read ``nbytes`` more of ``key`` (per sample); free what every reader
        has read."""
        t = self._tensors[key]
        t.consumed[reader] = t.consumed.get(reader, 0) + nbytes
        if len(t.consumed) == t.readers and t.level.name in self.used:
            self._free(t, min(min(t.consumed.values()), t.nbytes) - t.freed)

    def read_done(self, key: tuple) -> None:
        t = self._tensors[key]
        t.readers_left -= 1
        if t.readers_left == 0:
            if t.level.name in self.used:  # a shared on-chip level
                self._free(t, t.nbytes - t.freed)
            del self._tensors[key]

    def _free(self, t: Tensor, nbytes: int) -> None:
        if nbytes > 0:
            t.freed += nbytes
            if self.clock is None:
                self._release(t.level.name, nbytes * t.samples)
            else:  # when the wave's last sample has read them
                heapq.heappush(self._frees, (self.clock()[-1], t.level.name, nbytes * t.samples))

    def _release(self, level: str, nbytes: int) -> None:
        self.used[level] -= nbytes
        self.ledger.buffer_out += nbytes

    def settle(self, cycle: float = float("inf")) -> None:
        """Bring the frees of waves' tensors due by ``cycle`` into effect (all by default)."""
        while self._frees and self._frees[0][0] <= cycle:
            _, level, nbytes = heapq.heappop(self._frees)
            self._release(level, nbytes)

    @property
    def resident_bytes(self) -> int:
        return sum(self.used.values())
