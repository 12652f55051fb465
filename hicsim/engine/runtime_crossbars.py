"""Activation matmuls on crossbars written at run time (``chip.activation_matmul.unit: crossbars``).

The right operand of each head (K^T or V, k x n) is programmed into the reserved crossbars in the
tile's weight representation, as a layer's weights would be, then the left operand's m rows run as
MVMs on them. When the operand needs more crossbars than are reserved, it goes in passes, each
programmed and then read. Programming pulses, verify reads and devices written are counted as a
layer's programming is (``WeightLoading.count_writes``); the reserved crossbars form one unit, so
programming and reads of different matmuls queue for it.

Wear: the engine counts devices written; ``hicsim.report.transformer`` turns them into the hours
until the most-written device reaches its endurance, assuming writes rotate evenly over the
reserved devices (wear levelling), which makes the mean the maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hicsim.engine.dataflow import PHASE
from hicsim.hardware.ids import TimeKind
from hicsim.mapping.place import map_layer


@dataclass(frozen=True)
class _Operand:
    """The k x n right operand of each head, seen as a layer's weights."""

    name: str
    weight_groups: int
    weight_rows: int
    weight_cols: int
    mvms_per_sample: int


class RuntimeCrossbarMatmul:
    def __init__(self, hw, flow):
        self.hw, self.flow = hw, flow
        self.reserved = hw.attention.runtime_crossbars

    def run(self, layer):
        """Program and read one activation matmul; returns the cycles the unit was busy."""
        flow = self.flow
        operand = _Operand(layer.name, layer.heads, layer.k, layer.n, layer.m)
        lm = map_layer(self.hw, -1, operand, flow.workload.input_bits)
        passes = math.ceil(lm.crossbars / self.reserved)
        on_chip = min(lm.crossbars, self.reserved)
        per_crossbar = {d: math.ceil(n / lm.crossbars) for d, n in lm.devices.items()}
        program = flow.timing.program_op(per_crossbar)
        read, _, _ = flow.timing.mvm_parts(lm.forward_read(), lm.mvms_per_sample, on_chip)
        cycles = passes * (program + read)
        start = yield flow.chip.matrix_unit.submit(cycles)
        flow.ledger.spend(layer.name, TimeKind.PROGRAMMING, passes * program)
        for device, n in lm.devices.items():
            flow.weights_in.count_writes(layer.name, device, n)
        flow._count_mvms(layer.name, PHASE, lm.forward_read(), 1.0, (start, flow.env.now), 1.0)
        return passes * read
