"""Flow-line waves (``hicsim.engine.waves``) against the cycle-by-cycle reference
(``reference_chip``): hypothesis draws waves of samples that take the same steps (inputs through
one global-buffer port and a shared link to a tile, an operation there, outputs back) from
different start cycles; the engine runs each wave as one process whose unit requests carry every
sample's time. Whenever the engine counts no conflict, every sample finishes in the cycle the
reference's independent samples do; the draws include runs with and without conflicts."""

import copy
from dataclasses import replace

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from hicsim.engine.chip import Chip
from hicsim.engine.ledger import Ledger
from hicsim.engine.unit import spawn
from hicsim.engine.waves import times, wait
from hicsim.hardware.ids import Direction, Phase
from reference_chip import Job, chip_schedule
from test_reference_chip import BASE, HW, rates


def wave_schedule(waves: list[list[Job]], r) -> tuple[list[list[int]], int]:
    """Each wave's samples' finishing cycles, and the conflicts the units counted."""
    env = simpy.Environment()
    env.waves = True  # samples lag (``waves.wait``)
    timing = copy.copy(BASE)
    port = replace(HW.memory.staging, bytes_per_cycle=r.buffer_bytes_per_cycle)
    timing.link_bytes_per_cycle, timing.hop = r.link_bytes_per_cycle, r.hop
    chip = Chip(env, HW, Ledger(), timing)
    finished = [None] * len(waves)

    def run(w, jobs):
        job = jobs[0]  # the samples of a wave take the same steps
        yield env.timeout(job.start)
        yield from chip.access(port, job.in_bytes, Direction.READ, "layer", Phase.FORWARD)
        yield from chip.link_transfer(job.tile, job.in_bytes, "layer", Phase.FORWARD)
        yield from wait(env, chip.tiles[job.tile].submit(job.tile_cycles))
        yield from chip.link_transfer(job.tile, job.out_bytes, "layer", Phase.FORWARD)
        yield from chip.access(port, job.out_bytes, Direction.WRITE, "layer", Phase.FORWARD)
        finished[w] = list(times(env))

    for w, jobs in enumerate(waves):
        process = spawn(env, run(w, jobs), tuple(j.priority for j in jobs))
        process.lag = tuple(j.start - jobs[0].start for j in jobs)
    env.run()
    return finished, sum(u.conflicts for u in chip.units)


@st.composite
def waves(draw):
    """Up to four waves of one to four samples; a wave's samples start at non-decreasing
    cycles and take priorities in that order (as a wave's samples do), waves in a drawn order."""
    latest = draw(st.sampled_from([0, 3, 40, 300]))
    out = []
    for _ in range(draw(st.integers(1, 4))):
        job = draw(st.builds(Job, tile=st.integers(0, 1), start=st.integers(0, latest),
                             in_bytes=st.integers(0, 600), tile_cycles=st.integers(1, 60),
                             out_bytes=st.integers(0, 600)))
        gaps = draw(st.lists(st.sampled_from([0, 0, 1, 5, 30, 200]), max_size=3))
        starts = [job.start]
        for g in gaps:
            starts.append(starts[-1] + g)
        out.append([replace(job, start=s) for s in starts])
    order = draw(st.permutations(range(len(out))))
    base = {w: 4 * p for w, p in enumerate(order)}  # room for four samples per wave
    return [[replace(j, priority=base[w] + i) for i, j in enumerate(jobs)]
            for w, jobs in enumerate(out)]


def check(drawn, r) -> int:
    """The waves' conflicts; asserts the reference's times when there are none."""
    got, conflicts = wave_schedule(drawn, r)
    if conflicts == 0:
        reference = chip_schedule([j for jobs in drawn for j in jobs], r).finished
        assert [t for ts in got for t in ts] == reference
    return conflicts


@settings(max_examples=300, deadline=None, derandomize=True)
@given(waves(), rates)
def test_waves_without_conflicts_equal_the_cycle_by_cycle_reference(drawn, r):
    check(drawn, r)


def test_the_drawn_waves_include_runs_with_and_without_conflicts():
    """Of the 300 drawn runs, some with waves of samples at several start cycles count no
    conflict (and were held to the reference), others count some (45 and 177 with hypothesis 6
    when this was written)."""
    seen = []

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(waves(), rates)
    def count(drawn, r):
        grouped = any(len({j.start for j in jobs}) > 1 for jobs in drawn)
        seen.append((grouped, check(drawn, r) > 0))

    count()
    assert sum(g and not c for g, c in seen) >= 30
    assert sum(c for _, c in seen) >= 100
