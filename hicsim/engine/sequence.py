"""Inference runs of transformer workloads: one run (an encoder, a ViT), or a decoder's prefill
followed by its decode steps, one after another on the same chip, with KV caches that persist
between them.

Each stage is a ``TransformerFlow`` over the stage's workload (``step_workload``) and mapping (the
prefill's placement, each layer's MVM count the step's). A step starts when the one before has
finished, on an idle chip, so its time and counts depend only on its context length. The engine
simulates the steps ``Decode.steps_to_simulate`` names; each other step's cycles, counts and
bytes are interpolated linearly between the simulated steps either side of it (a step's work is
linear in its context; a test bounds the error against simulating every step). ``Stages.compose``
then gives the ledger the whole sequence's counts and places the simulated steps' transfers at
their steps' times.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from hicsim.engine.kv_store import KvStore
from hicsim.engine.transformer_flow import TransformerFlow
from hicsim.mapping.place import Mapping
from hicsim.workload.decode import step_workload


@dataclass
class StageRecord:
    """One simulated stage: 0 the prefill, s >= 1 decode step s."""

    step: int
    start: int  # engine cycles
    end: int
    counts: dict  # (layer, phase, component, action) -> count during the stage
    traffic: tuple[int, int]  # its rows of the ledger's traffic list
    unit_work: tuple = ()  # per chip unit, (busy cycles, operations) during the stage


@dataclass
class Stages:
    new_tokens: int = 0
    simulated: list[StageRecord] = field(default_factory=list)
    kv_levels: dict[str, str] = field(default_factory=dict)
    kv_bytes: dict[str, int] = field(default_factory=dict)
    # Filled by compose: per stage (0 = prefill, then every step) its cycles and whether simulated.
    cycles: list[int] = field(default_factory=list)
    is_simulated: list[bool] = field(default_factory=list)
    bytes_by_level: list[dict] = field(default_factory=list)  # (level, direction) -> bytes
    # Largest relative miss of an interior simulated step's cycles by the line through the
    # simulated steps either side of it: how far the linear interpolation can be trusted.
    interpolation_error: float = 0.0
    # Per chip unit, (busy cycles, operations) over the whole sequence (None: as the engine ran).
    unit_totals: list | None = None

    def weights(self) -> np.ndarray:
        """Interpolation weights: row s (stage s) over the simulated stages."""
        sim = [r.step for r in self.simulated]
        w = np.zeros((self.new_tokens + 1, len(sim)))
        for s in range(self.new_tokens + 1):
            if s in sim:
                w[s, sim.index(s)] = 1.0
                continue
            hi = next(j for j, t in enumerate(sim) if t > s)
            frac = (s - sim[hi - 1]) / (sim[hi] - sim[hi - 1])
            w[s, hi - 1], w[s, hi] = 1 - frac, frac
        return w

    def compose(self, ledger, now: int) -> int:
        """Whole-sequence counts and times from the simulated stages; returns total cycles."""
        if self.new_tokens == 0:  # a single run: nothing to interpolate
            r = StageRecord(0, 0, now, dict(ledger.counts), (0, len(ledger.traffic)))
            self.simulated = [r]
            self.cycles, self.is_simulated = [now], [True]
            self.bytes_by_level = [self._bytes(ledger, r)]
            return now
        w = self.weights()
        keys = sorted({k for r in self.simulated for k in r.counts}, key=str)
        per_stage = np.array([[r.counts.get(k, 0) for k in keys] for r in self.simulated])
        totals = w.sum(axis=0) @ per_stage
        ledger.counts = defaultdict(int, {k: _whole(n) for k, n in zip(keys, totals) if n})
        cycles = w @ np.array([r.end - r.start for r in self.simulated], dtype=float)
        self.cycles = [int(round(c)) for c in cycles]
        self.interpolation_error = self._line_error()
        self.is_simulated = [s in {r.step for r in self.simulated} for s in range(len(w))]
        levels = [self._bytes(ledger, r) for r in self.simulated]
        names = sorted({k for lv in levels for k in lv})
        bytes_sim = np.array([[lv.get(k, 0) for k in names] for lv in levels], dtype=float)
        self.bytes_by_level = [dict(zip(names, row)) for row in w @ bytes_sim]
        work = np.array([r.unit_work for r in self.simulated], dtype=float)  # stage x unit x 2
        self.unit_totals = [(int(round(b)), int(round(n)))
                            for b, n in np.tensordot(w.sum(axis=0), work, axes=1)]
        self._place_traffic(ledger)
        return int(sum(self.cycles))

    def _line_error(self) -> float:
        steps = [r for r in self.simulated if r.step > 0]
        worst = 0.0
        for a, b, c in zip(steps, steps[1:], steps[2:]):
            frac = (b.step - a.step) / (c.step - a.step)
            line = (1 - frac) * (a.end - a.start) + frac * (c.end - c.start)
            worst = max(worst, abs((b.end - b.start) - line) / (b.end - b.start))
        return worst

    @staticmethod
    def _bytes(ledger, r: StageRecord) -> dict:
        out: dict = defaultdict(int)
        for t in ledger.traffic[r.traffic[0]:r.traffic[1]]:
            out[f"{t.level}.{t.direction}"] += t.nbytes
        return dict(out)

    def _place_traffic(self, ledger) -> None:
        """Move each simulated stage's transfers to where the stage falls in the sequence."""
        starts = np.concatenate([[0], np.cumsum(self.cycles)[:-1]])
        placed = []
        for r in self.simulated:
            shift = int(starts[r.step]) - r.start
            placed += [t._replace(cycle=t.cycle + shift, end=t.end + shift)
                       for t in ledger.traffic[r.traffic[0]:r.traffic[1]]]
        ledger.traffic = placed


def _whole(n: float):
    """Counts stay integers where they are (interpolation can make halves)."""
    return int(round(n)) if abs(n - round(n)) < 1e-9 else float(n)


def step_mapping(mapping: Mapping, workload) -> Mapping:
    """The prefill's placement with every weighted layer's MVMs per sample as in ``workload``."""
    mvms = {layer.name: layer.mvms_per_sample for layer in workload.weighted_layers}
    return replace(mapping, layers={name: replace(lm, mvms_per_sample=mvms[name])
                                    for name, lm in mapping.layers.items()})


def start_sequence(env, hw, workload, mapping, chip, ledger, timing):
    """Start the stages as one SimPy process; returns (the first stage's flow, Stages)."""
    kv = KvStore(workload, hw.memory.staging, hw.memory.backing, workload.input_bits)
    stages = Stages(new_tokens=workload.decode.new_tokens if workload.decode else 0,
                    kv_levels={name: level.name for name, level in kv.levels.items()},
                    kv_bytes=dict(kv.bytes))
    first = TransformerFlow(env, hw, workload, mapping, chip, ledger, timing, kv)

    def work():
        return [(u.busy_cycles, u.operations) for u in chip.units]

    def stage(step: int, flow):
        start, before, rows = int(env.now), dict(ledger.counts), len(ledger.traffic)
        busy = work()
        flow.start()
        yield flow.done()
        counts = {k: n - before.get(k, 0) for k, n in ledger.counts.items() if n != before.get(k, 0)}
        done = tuple((b1 - b0, n1 - n0) for (b0, n0), (b1, n1) in zip(busy, work()))
        stages.simulated.append(StageRecord(step, start, int(env.now), counts,
                                            (rows, len(ledger.traffic)), done))

    if workload.decode is None:  # one run: no driver process, no events beyond the flow's
        first.start()
        return first, stages

    def run():
        yield from stage(0, first)
        for step in workload.decode.steps_to_simulate():
            w = step_workload(workload, step)
            yield from stage(step, TransformerFlow(env, hw, w, step_mapping(mapping, w), chip,
                                                   ledger, timing, kv))

    env.process(run())
    return first, stages
