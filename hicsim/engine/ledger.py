"""What the engine records: action counts, memory traffic over time, unit busy time, layer spans.

Counts only, never energy: costs are applied afterwards (``hicsim.costs``).

A wave of ``n`` samples (``engine.waves``) books its samples' identical counts as one entry of
``n`` times the count, and its transfers as one record of ``n`` times the bytes over the span
the wave's operation takes (``n`` back-to-back samples): the ledger does not grow with the batch.
The per-sample reference (``per_sample``) adds the count once per sample instead.
"""

from __future__ import annotations

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


@dataclass
class Ledger:
    # (layer, Phase, component, Action) -> count; a component is a Level, a Component or the
    # spec's name of a device
    counts: dict = field(default_factory=lambda: defaultdict(int))
    # every Transfer, in the order they were booked
    traffic: list = field(default_factory=list)
    # (layer, phase) -> [first start cycle, last end cycle]
    spans: dict = field(default_factory=dict)
    # (layer, kind of time) -> cycles on the layer's critical unit: compute, conversion,
    # programming, generation (the rest of a layer's span is waiting: memory and contention)
    time: dict = field(default_factory=lambda: defaultdict(int))
    # tensors through the shared on-chip levels: bytes allocated and freed (conservation check)
    buffer_in: int = 0
    buffer_out: int = 0
    buffer_peak: int = 0
    per_sample: bool = False

    def count(self, layer: str, phase: Phase, component: str, action: str, n: int | float,
              samples: int = 1) -> None:
        """``n`` actions for each of ``samples`` samples."""
        if n:
            key = (layer, phase, component, action)
            if self.per_sample:
                for _ in range(samples):
                    self.counts[key] += n
            else:
                self.counts[key] += n * samples

    def move(self, start: int, level: str, direction: Direction, nbytes: int, layer: str,
             phase: Phase, end: int | None = None, samples: int = 1) -> None:
        """Bytes read from or written to a memory level from cycle ``start`` to ``end`` (default:
        at ``start``), counted as an action and on the timeline; ``nbytes`` for each of
        ``samples`` samples."""
        if nbytes <= 0:
            return
        self.count(layer, phase, level, direction.action, nbytes, samples)
        self.traffic.append(Transfer(int(start), int(start if end is None else end), level,
                                     direction, nbytes * samples, layer))

    def spend(self, layer: str, kind: TimeKind, cycles: int, samples: int = 1) -> None:
        self.time[(layer, kind)] += cycles * samples

    def span(self, layer: str, phase: Phase, start: int, end: int) -> None:
        s = self.spans.get((layer, phase))
        self.spans[(layer, phase)] = [start, end] if s is None else [min(s[0], start), max(s[1], end)]
