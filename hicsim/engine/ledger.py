"""What the engine records: action counts, memory traffic over time, unit busy time, layer spans.

Counts only, never energy: costs are applied afterwards (``hicsim.costs``).

A wave of ``n`` samples (``engine.waves``) books its samples' identical counts as one entry of
``n`` times the count, and a transfer as one compact record of every sample's span
(``WaveTransfer``), which ``transfers`` gives as one ``Transfer`` per run of samples that follow
one another without a gap: the timeline is the samples', the ledger grows with the waves.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from hicsim.hardware.ids import Direction, Phase, TimeKind


class Transfer(NamedTuple):
    """Bytes that moved through a level (or the interconnect) between two cycles: the span of the
    operation that moved them (a port's or link's transfer, the MVMs that read their inputs out
    of the local buffer, the programming that reads the weights)."""

    cycle: int  # first cycle
    end: int  # the cycle after the last (== cycle: an instant)
    level: str
    direction: Direction
    nbytes: int
    layer: str


class WaveTransfer(NamedTuple):
    """A wave's transfer: ``nbytes`` for each sample, over that sample's span."""

    starts: array
    ends: array
    level: str
    direction: Direction
    nbytes: int
    layer: str

    def runs(self):
        """One ``Transfer`` per run of samples served back to back (one span, one rate)."""
        first, last, k = self.starts[0], self.ends[0], 1
        length = last - first
        for s, e in zip(self.starts[1:], self.ends[1:]):
            if e - s == length and s == (last if length else first):
                last, k = e, k + 1
                continue
            yield Transfer(first, last, self.level, self.direction, self.nbytes * k, self.layer)
            first, last, k, length = s, e, 1, e - s
        yield Transfer(first, last, self.level, self.direction, self.nbytes * k, self.layer)


@dataclass
class Ledger:
    # (layer, Phase, component, Action) -> count; a component is a Level, a Component or the
    # spec's name of a device
    counts: dict = field(default_factory=lambda: defaultdict(int))
    # every Transfer of one sample, in the order they were booked (``transfers``: all of them)
    traffic: list = field(default_factory=list)
    # every WaveTransfer, in the order they were booked
    wave_traffic: list = field(default_factory=list)
    # (layer, phase) -> [first start cycle, last end cycle]
    spans: dict = field(default_factory=dict)
    # (layer, kind of time) -> cycles on the layer's critical unit: compute, conversion,
    # programming, generation (the rest of a layer's span is waiting: memory and contention)
    time: dict = field(default_factory=lambda: defaultdict(int))
    # tensors through the shared on-chip levels: bytes allocated and freed (conservation check)
    buffer_in: int = 0
    buffer_out: int = 0
    buffer_peak: int = 0

    def count(self, layer: str, phase: Phase, component: str, action: str, n: int | float,
              samples: int = 1) -> None:
        """``n`` actions for each of ``samples`` samples."""
        if n:
            self.counts[(layer, phase, component, action)] += n * samples

    def move(self, start, level: str, direction: Direction, nbytes: int, layer: str,
             phase: Phase, end=None, samples: int = 1) -> None:
        """Bytes read from or written to a memory level from cycle ``start`` to ``end`` (default:
        at ``start``), counted as an action and on the timeline; ``nbytes`` for each of
        ``samples`` samples, whose spans ``start`` and ``end`` give one by one when they are
        tuples (a wave's: ``engine.waves``)."""
        if nbytes <= 0:
            return
        self.count(layer, phase, level, direction.action, nbytes, samples)
        if not isinstance(start, tuple) or len(start) == 1:
            start, end = (start[0], end[0]) if isinstance(start, tuple) else (start, end)
            self.traffic.append(Transfer(int(start), int(start if end is None else end), level,
                                         direction, nbytes * samples, layer))
        else:
            self.wave_traffic.append(WaveTransfer(array("q", start), array("q", end), level,
                                                  direction, nbytes, layer))

    def transfers(self) -> list:
        """Every Transfer: one sample's as booked, then the waves' runs (``WaveTransfer``)."""
        return self.traffic + [t for w in self.wave_traffic for t in w.runs()]

    def spend(self, layer: str, kind: TimeKind, cycles: int, samples: int = 1) -> None:
        self.time[(layer, kind)] += cycles * samples

    def span(self, layer: str, phase: Phase, start, end) -> None:
        """``start`` and ``end``: cycles, or a wave's samples' (its first start, its last end)."""
        start = min(start) if isinstance(start, tuple) else start
        end = max(end) if isinstance(end, tuple) else end
        s = self.spans.get((layer, phase))
        self.spans[(layer, phase)] = [start, end] if s is None else [min(s[0], start), max(s[1], end)]
