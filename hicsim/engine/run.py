"""Run the engine: build the chip's units, start the dataflow, step SimPy to the end."""

from __future__ import annotations

from dataclasses import dataclass

import simpy
from simpy.core import EmptySchedule

from hicsim.engine.chip import Chip
from hicsim.engine.ledger import Ledger
from hicsim.engine.progress import LayerCallback, watch_layers
from hicsim.engine.sequence import Stages, start_sequence
from hicsim.engine.timing import Timing
from hicsim.engine.training import TrainingFlow
from hicsim.hardware.ids import UnitKind
from hicsim.hardware.model import Hardware
from hicsim.mapping.place import Mapping
from hicsim.workload.model import Workload


@dataclass(frozen=True)
class UnitRecord:
    name: str
    kind: UnitKind
    busy_cycles: int
    operations: int


@dataclass
class EngineResult:
    cycles: int
    events: int  # SimPy events processed
    ledger: Ledger
    units: list[UnitRecord]
    buffer_resident_bytes: int
    stages: Stages | None = None  # inference: where the prefill and each decode step end
    waves: int = 0  # how many waves the batch ran as (``engine.waves``; the batch: sample by sample)
    # wave operations and tensors that may differ from samples on their own (``engine.waves``)
    conflicts: int = 0


def run_engine(hw: Hardware, workload: Workload, mapping: Mapping,
               on_layer: LayerCallback | None = None) -> EngineResult:
    """``on_layer(name, index, count, cycle)`` is called as each layer completes (progress)."""
    env = simpy.Environment()
    ledger = Ledger()
    timing = Timing(hw)
    training = workload.phase == "training"
    chip = Chip(env, hw, ledger, timing, training)
    stages = None
    if training:
        flow = TrainingFlow(env, hw, workload, mapping, chip, ledger, timing)
        flow.start()
    else:
        flow, stages = start_sequence(env, hw, workload, mapping, chip, ledger, timing)
    if on_layer is not None:
        watch_layers(flow, on_layer)
    events = 0
    while True:
        try:
            env.step()
        except EmptySchedule:  # every unit waits on an empty queue: the workload is done
            break
        events += 1
    end = max(int(env.now), getattr(env, "finished", 0))  # a wave's last sample may end later
    cycles = end if stages is None else stages.compose(ledger, end)
    # A decode's interpolated steps keep their units busy too (Stages.compose).
    work = (stages.unit_totals if stages is not None and stages.unit_totals is not None
            else [(u.busy_cycles, u.operations) for u in chip.units])
    units = [UnitRecord(u.name, u.kind, busy, ops) for u, (busy, ops) in zip(chip.units, work)]
    flow.store.settle()  # the frees of waves' last samples
    conflicts = sum(u.conflicts for u in chip.units) + flow.store.conflicts
    return EngineResult(cycles, events, ledger, units, flow.store.resident_bytes, stages,
                        len(flow.samples), conflicts)
