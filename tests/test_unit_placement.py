"""The unit's placement (``hicsim.engine.unit``) against its first, plain version
(tests/unit_reference.py): for the same requests, every sample's start and end, each event's
cycle, and the conflicts, busy cycles and operations are equal, conflicts and keys out of order
included; and whole engine runs with waves are the same with either (the reference's operations
also take ``waves.wait``'s general way, not its shortcut for a unit operation)."""

import random
from collections import Counter
from operator import gt

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from hicsim.engine import chip
from hicsim.engine.unit import Unit, spawn
from hicsim.hardware.ids import UnitKind
from hicsim.spec import load_arch
from test_waves import CASES, SPECS, assert_same_run, engine, workload
from unit_reference import ReferenceUnit


class CheckedUnit(Unit):
    """``Unit`` that checks its own bookkeeping after every placement and counts the placements
    that found operations still to arrive in key order (merged) and out of it (one by one)."""

    seen: Counter = Counter()

    def _place(self, event) -> None:
        if self._keys:
            self.seen["out of key order" if self._descents else "in key order"] += 1
        super()._place(event)
        keys, starts, ends = self._keys, self._starts, self._ends
        assert self._descents == sum(map(gt, keys, keys[1:]))
        assert all(e <= s for e, s in zip(ends, starts[1:]))  # in time order, none overlapping


def served(unit_class, requesters) -> tuple:
    """Each requester (a wave: its samples' lag, then its requests as (wait before, cycles))
    submits to one unit; returns every request's (cycle it fired, starts, ends, lag) in order,
    and the unit's conflicts, busy cycles and operations."""
    env = simpy.Environment()
    unit = unit_class(env, "unit", UnitKind.TILE)
    out = {}

    def requester(w, requests):
        ops = []
        for k, (wait, cycles) in enumerate(requests):
            if wait:
                yield env.timeout(wait)
            ops.append((k, unit.submit(cycles)))
        for k, op in ops:
            yield op
            out[w, k] = (env.now, op.starts, op.ends, op.lag)

    for w, (lag, requests) in enumerate(requesters):
        priorities = tuple((4 * w + i) % 7 for i in range(len(lag)))  # ties across waves
        priorities = tuple(p + 7 * i for i, p in enumerate(priorities))  # rising in a wave
        spawn(env, requester(w, requests), priorities).lag = lag
    env.run()
    return sorted(out.items()), unit.conflicts, unit.busy_cycles, unit.operations


@st.composite
def requesters(draw):
    """Up to six waves of one to five samples (their lag rising), each making up to six requests
    of 0-40 cycles at close cycles, several in one cycle at times."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        gaps = draw(st.lists(st.sampled_from([0, 0, 1, 3, 10, 40]), max_size=4))
        lag = [0]
        for g in gaps:
            lag.append(lag[-1] + g)
        requests = draw(st.lists(st.tuples(st.sampled_from([0, 0, 1, 2, 5, 20]),
                                           st.integers(0, 40)), min_size=1, max_size=6))
        out.append((tuple(lag), requests))
    return out


@settings(max_examples=400, deadline=None)
@given(requesters())
def test_placement_equals_the_first_one(drawn):
    """Of 400 draws, about 340 place requests among operations in key order (merged at once)
    and 250 out of it; about 280 count conflicts."""
    assert served(CheckedUnit, drawn) == served(ReferenceUnit, drawn)


def test_placement_equals_the_first_one_on_long_queues():
    """Thirty waves of 16 samples whose lags spread far, twelve requests each (seeded draws):
    long lists of operations still to arrive, many conflicts, and keys out of order for long
    stretches, as on a DRAM channel in ResNet-152 training."""
    CheckedUnit.seen.clear()
    for seed in range(4):
        rng = random.Random(seed)
        drawn = [(tuple(sorted(rng.choice([0, 5, 50, 400]) * i + rng.randrange(30)
                               for i in range(16))),
                  [(rng.choice([0, 1, 7, 60]), rng.randrange(1, 30)) for _ in range(12)])
                 for _ in range(30)]
        got = served(CheckedUnit, drawn)
        assert got == served(ReferenceUnit, drawn)
        assert got[1] > 100  # conflicts
    assert CheckedUnit.seen["out of key order"] > 400


def test_engine_runs_with_waves_are_the_same_with_the_first_placement(monkeypatch):
    """Batch 32 as 4 waves on hic_pcm, inference and a training step (both count conflicts)."""
    for case in ("hic_pcm", "training"):
        spec, extra, phase = CASES[case]
        arch, wl = load_arch(SPECS / spec, {**extra, "mapping.waves": 4}), workload(phase, 32)
        fast = engine(arch, wl)
        with monkeypatch.context() as m:
            m.setattr(chip, "Unit", ReferenceUnit)
            plain = engine(arch, wl)
        assert (fast.conflicts, fast.events) == (plain.conflicts, plain.events)
        assert fast.conflicts > 0
        assert_same_run(fast, plain)
