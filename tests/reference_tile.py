"""A cycle-by-cycle reference of one tile operation: slow, small, and written from what the
hardware does, not from the engine's closed form (``Timing.mvm_parts``), which it checks.

The tile pushes its input bit slices (MVMs x slices per MVM, in order) through four stages; each
stage holds one slice and passes it on at the start of the cycle after it has finished with it,
if the next stage is free (else it holds it: the stage is blocked):

- fetch: the local buffer's port fills the DAC input registers with the slice's bits, at most
  ``local_bytes_per_cycle`` bytes a cycle, one slice's registers at a time;
- read: every crossbar drives its rows, ``dacs_per_crossbar`` at a time (None: all at once);
  each round of rows is one analog read of ``read_cycles``; the crossbars read in parallel;
- convert: the sample-and-hold keeps the columns while the ADCs convert them, each ADC its own
  columns one after another at ``conversion`` cycles each (a fraction of a cycle allowed: the
  slice is done at the first cycle edge after the last conversion); ADCs belong to each
  crossbar (``adcs_per_crossbar``) or form one bank for the tile (``adc_bank``);
- add: the shift-and-add units take ``shift_add_per_cycle`` conversions a cycle (None: no limit,
  no stage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class TilePeriphery:
    read_cycles: int
    conversion: Fraction  # cycles per conversion of one ADC
    dac_bits: int
    dacs_per_crossbar: int | None
    adcs_per_crossbar: int | None
    adc_bank: int | None
    shift_add_per_cycle: int | None
    local_bytes_per_cycle: Fraction


@dataclass(frozen=True)
class TileOperation:
    slices: int  # input slices to push: MVMs x bit slices per MVM
    rows: tuple[int, ...]  # rows each crossbar of the tile drives per slice
    columns: tuple[int, ...]  # columns each crossbar of the tile converts per slice


def _split(n: int, parts: int) -> list[int]:
    """``n`` lines over ``parts`` units, as evenly as they go."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


class _Fetch:
    def __init__(self, p: TilePeriphery, op: TileOperation):
        self.bits, self.rate = sum(op.rows) * p.dac_bits, p.local_bytes_per_cycle * 8

    def start(self):
        return {"bits": Fraction(self.bits)}

    def tick(self, s) -> bool:
        s["bits"] -= self.rate
        return s["bits"] <= 0


class _Read:
    def __init__(self, p: TilePeriphery, op: TileOperation):
        self.p, self.rows = p, op.rows

    def start(self):
        return {"rows": list(self.rows), "cycle": 0}

    def tick(self, s) -> bool:
        s["cycle"] += 1
        if s["cycle"] < self.p.read_cycles:
            return False
        s["cycle"] = 0  # a round of reads ends: each crossbar's DACs move to its next rows
        per_round = self.p.dacs_per_crossbar
        s["rows"] = [0 if per_round is None else max(0, r - per_round) for r in s["rows"]]
        return not any(s["rows"])


class _Convert:
    def __init__(self, p: TilePeriphery, op: TileOperation):
        self.conversion = p.conversion
        if p.adcs_per_crossbar is not None:  # each crossbar's ADCs share its columns
            self.per_adc = [n for c in op.columns for n in _split(c, p.adcs_per_crossbar)]
        else:  # one bank shares all the tile's columns
            self.per_adc = _split(sum(op.columns), p.adc_bank)

    def start(self):
        return {"elapsed": 0, "left": list(self.per_adc)}

    def tick(self, s) -> bool:
        s["elapsed"] += 1
        # each ADC finishes every conversion whose end has passed
        s["left"] = [max(0, n - math.floor(s["elapsed"] / self.conversion)) if n else 0
                     for n in self.per_adc]
        return not any(s["left"])


class _Add:
    def __init__(self, p: TilePeriphery, op: TileOperation):
        self.ops, self.rate = sum(op.columns), p.shift_add_per_cycle

    def start(self):
        return {"ops": self.ops}

    def tick(self, s) -> bool:
        s["ops"] -= self.rate
        return s["ops"] <= 0


def tile_cycles(p: TilePeriphery, op: TileOperation, limit: int = 10**6) -> int:
    """Cycles until the last slice leaves the last stage, stepped one cycle at a time."""
    stages = [_Fetch(p, op), _Read(p, op), _Convert(p, op)]
    if p.shift_add_per_cycle:
        stages.append(_Add(p, op))
    slot: list = [None] * len(stages)  # (state, finished) of the slice a stage holds
    next_slice, left = 0, op.slices
    for cycle in range(limit):
        # hand slices on, last stage first, so a stage freed now takes a slice now
        for i in reversed(range(len(stages))):
            if slot[i] is not None and slot[i][1]:
                if i == len(stages) - 1:
                    slot[i], left = None, left - 1
                elif slot[i + 1] is None:
                    slot[i + 1], slot[i] = [stages[i + 1].start(), False], None
        if left == 0:
            return cycle
        if slot[0] is None and next_slice < op.slices:
            slot[0], next_slice = [stages[0].start(), False], next_slice + 1
        for i, stage in enumerate(stages):
            if slot[i] is not None and not slot[i][1]:
                slot[i][1] = stage.tick(slot[i][0])
    raise RuntimeError("the operation did not finish")
