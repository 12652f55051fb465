"""The batch as flow-line waves (``hicsim.engine.waves``): a wave's samples travel as one
process, each keeping its own time, and the engine's cost follows the waves, not the batch.

Held to the default (every sample on its own process: ``mapping.waves: null``), not to a
reference built the waves' way: where the engine counts no conflict, cycles, every count, every
unit's busy cycles and operations, the layers' spans, the time kinds, the buffer's bytes and the
traffic timeline are equal; where it counts some, counts and bytes still are.
(tests/test_waves_reference.py holds conflict-free waves to the cycle-by-cycle reference.)
"""

from collections import defaultdict
from fractions import Fraction

import pytest
import simpy

from hicsim import simulate
from hicsim.engine.run import run_engine
from hicsim.engine.unit import Unit, spawn
from hicsim.engine.waves import wait, waves
from hicsim.hardware.ids import UnitKind
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.report.text import summary_text
from hicsim.spec import load_arch
from hicsim.workload import Workload
from hicsim.workload.rates import RatesFile, with_rates
from conftest import ROOT, SMALL_NET

SPECS = ROOT / "arch_specs"
WAVES_16 = {"mapping.waves": 16}  # opt-in: the spec default (null) runs sample by sample
RATES = RatesFile(version=1, source="by hand (test)", batch=4,
                  per_weight=dict(set_pulses=0.05, reset_pulses=0.002, binary_set_pulses=0.001,
                                  binary_reset_pulses=0.001, max_device_write_erase=0.01))
FC = {"version": 1, "name": "fc", "batch": 1, "layers": [
    {"name": "fc", "op": "linear", "in_features": 256, "out_features": 256}]}
CHAIN = {"version": 1, "name": "chain", "batch": 1, "layers": [
    {"name": "fc1", "op": "linear", "in_features": 256, "out_features": 256},
    {"name": "fc2", "op": "linear", "in_features": 256, "out_features": 128},
    {"name": "fc3", "op": "linear", "in_features": 128, "out_features": 10}]}


def engine(arch, workload):
    hw = build_hardware(arch)
    return run_engine(hw, workload, map_workload(hw, workload))


def timeline(traffic) -> dict:
    """The traffic as what it does over time: per (level, direction, layer), the bytes per
    cycle that start and stop at each cycle and the bytes moved at an instant (a wave books a run
    of samples served back to back as one record, samples on their own one each)."""
    out = defaultdict(Fraction)
    for t in traffic:
        key = (t.level, t.direction, t.layer)
        if t.end > t.cycle:
            rate = Fraction(t.nbytes, t.end - t.cycle)
            out[key + ("rate", t.cycle)] += rate
            out[key + ("rate", t.end)] -= rate
        else:
            out[key + ("instant", t.cycle)] += t.nbytes
    return {k: v for k, v in out.items() if v}


def assert_same_run(a, b):
    assert a.cycles == b.cycles
    assert dict(a.ledger.counts) == dict(b.ledger.counts)  # every action, every byte
    assert a.units == b.units  # every unit's busy cycles and operations
    assert timeline(a.ledger.transfers()) == timeline(b.ledger.transfers())
    assert a.ledger.spans == b.ledger.spans
    assert dict(a.ledger.time) == dict(b.ledger.time)
    assert (a.ledger.buffer_in, a.ledger.buffer_out) == (b.ledger.buffer_in, b.ledger.buffer_out)


def workload(phase: str, batch: int, net: dict = SMALL_NET) -> Workload:
    wl = Workload.model_validate({**net, "batch": batch})
    return with_rates(wl, RATES) if phase == "training" else wl


NO_COPIES = {"mapping.replication": "none"}
EXACT = {
    # fc layers one after another on their own tiles: a tandem line
    "chain_hic_pcm": ("hic_pcm.yaml", NO_COPIES, "inference", CHAIN, 8, 2),
    "chain_pcm_multilevel": ("pcm_multilevel.yaml", NO_COPIES, "inference", CHAIN, 12, 3),
    # resident convolutions in bands of rows, a shortcut, the vector unit
    "banded_hic_pcm": ("hic_pcm.yaml", NO_COPIES, "inference", SMALL_NET, 12, 3),
    "banded_isaac_like": ("isaac_like.yaml", NO_COPIES, "inference", SMALL_NET, 12, 3),
    # streamed weights: one tile of two crossbars re-programmed pass after pass
    "streamed": ("hic_pcm.yaml", {"chip.tiles": 1, "tile.crossbars": 2}, "inference", SMALL_NET,
                 7, 2),
    # a training step: backward, gradients, the update after the whole batch
    "training": ("hic_pcm.yaml", NO_COPIES, "training", SMALL_NET, 12, 3),
}


@pytest.mark.parametrize("case", sorted(EXACT))
def test_waves_without_conflicts_equal_samples_on_their_own(case):
    spec, extra, phase, net, batch, count = EXACT[case]
    wl = workload(phase, batch, net)
    alone = engine(load_arch(SPECS / spec, extra), wl)
    waved = engine(load_arch(SPECS / spec, {**extra, "mapping.waves": count}), wl)
    assert (waved.waves, waved.conflicts, alone.waves, alone.conflicts) == (count, 0, batch, 0)
    assert_same_run(waved, alone)
    assert waved.events < alone.events
    # the buffer's peak is an upper bound of the samples' own: a wave holds a tensor's room from
    # its first sample's write to its last sample's read (docs/architecture.md)
    assert (alone.ledger.buffer_peak, waved.ledger.buffer_peak) == PEAKS[case]


PEAKS = {"banded_hic_pcm": (75_776, 90_112), "banded_isaac_like": (75_776, 90_112),
         "chain_hic_pcm": (2_048, 2_048), "chain_pcm_multilevel": (3_072, 3_072),
         "streamed": (28_672, 32_880), "training": (111_616, 140_416)}


CASES = {
    "hic_pcm": ("hic_pcm.yaml", {}, "inference"),
    "pcm_multilevel": ("pcm_multilevel.yaml", {}, "inference"),
    "streamed": ("hic_pcm.yaml", {"chip.tiles": 1, "tile.crossbars": 2}, "inference"),
    "training": ("hic_pcm.yaml", {}, "training"),
    "training_dram": ("hic_pcm.yaml", {"training.activation_store": "dram"}, "training"),
}
# the conflicts each case counts at batch 32 in 4 waves (deterministic runs)
CONFLICTS = {"hic_pcm": 132, "pcm_multilevel": 131, "streamed": 6, "training": 40,
             "training_dram": 6}


@pytest.mark.parametrize("case", sorted(CASES))
def test_waves_keep_every_count_and_count_their_conflicts(case):
    """Batch 32 as 4 waves on the shipped specs (copies and bands of rows as shipped): every
    count, byte and unit's busy cycles equal samples on their own. Each of these runs counts
    conflicts (a wave's next band of rows reaches its tile before its last samples' previous
    band did; requests of other waves between a wave's samples), so the cycles may differ."""
    spec, extra, phase = CASES[case]
    wl = workload(phase, 32)
    alone = engine(load_arch(SPECS / spec, extra), wl)
    waved = engine(load_arch(SPECS / spec, {**extra, "mapping.waves": 4}), wl)
    assert dict(waved.ledger.counts) == dict(alone.ledger.counts)
    assert [(u.name, u.busy_cycles, u.operations) for u in waved.units] == \
        [(u.name, u.busy_cycles, u.operations) for u in alone.units]
    assert waved.events < alone.events
    assert waved.conflicts == CONFLICTS[case]


def test_a_wave_tensor_that_may_not_fit_where_a_samples_would_is_a_conflict():
    """A 1 KiB global buffer: a wave's tensor is placed whole, so it may go to DRAM where one
    sample's would fit; the engine counts it, and the counts differ from samples on their own."""
    extra = {"memory.global_buffer.capacity": "1 KiB", "mapping.replication": "none"}
    wl = workload("inference", 12)
    alone = engine(load_arch(SPECS / "hic_pcm.yaml", extra), wl)
    waved = engine(load_arch(SPECS / "hic_pcm.yaml", {**extra, "mapping.waves": 3}), wl)
    assert waved.conflicts == 3
    # the network's input and conv1's output go to DRAM whole where one sample's fit the buffer
    a, w = dict(alone.ledger.counts), dict(waved.ledger.counts)
    differ = {(k[0], k[2], k[3].value): (a.get(k), w.get(k)) for k in a.keys() | w.keys()
              if a.get(k) != w.get(k)}
    assert differ == {("input", "dram", "read_bytes"): (768, None),
                      ("input", "global_buffer", "write_bytes"): (768, None),
                      ("conv1", "dram", "read_bytes"): (8448, 9216),
                      ("conv1", "global_buffer", "read_bytes"): (768, None)}


def _unit_run(other_cycles: int):
    """By hand: a wave of two samples reaches a unit at cycles 0 and 10 (5 cycles each); another
    request reaches it at cycle 3. Returns the wave's samples' (start, end), the other's start
    and the unit's conflicts."""
    env = simpy.Environment()
    env.waves = True  # samples lag (``waves.wait``)
    unit = Unit(env, "unit", UnitKind.TILE)
    out = {}

    def wave():
        op = unit.submit(5)
        yield from wait(env, op)
        out["wave"] = list(zip(op.starts, op.ends))

    def other():
        yield env.timeout(3)
        out["other"] = yield unit.submit(other_cycles)

    spawn(env, wave(), ((0, 0, 1), (0, 1, 1))).lag = (0, 10)
    spawn(env, other(), ((0, 2, 1),))
    env.run()
    return out["wave"], out["other"], unit.conflicts


def test_a_request_from_a_process_started_without_priorities_is_refused():
    """The arbiter needs every requester's place in the order: a process started with plain
    ``env.process``, or spawned by one, gets a clear error at its first request."""
    env = simpy.Environment()
    unit = Unit(env, "tile 0", UnitKind.TILE)

    def request():
        yield unit.submit(5)

    def parent():
        yield spawn(env, request())

    for start in (request, parent):
        env.process(start())
        with pytest.raises(RuntimeError, match="tile 0: a request from a process started "
                                               "without a priority"):
            env.run()


def test_a_request_between_a_waves_samples_by_hand():
    """Samples on their own: sample 0 runs 0-5, the other request (arrived at 3) from 5, and
    sample 1 (arrived at 10) after it. A 4-cycle request ends at 9, before sample 1 arrives:
    nothing moves, no conflict. An 8-cycle one would end at 13 and move sample 1 to 13-18: a
    conflict; the wave keeps 10-15 and the request runs in the first gap after, 15-23."""
    assert _unit_run(4) == ([(0, 5), (10, 15)], 5, 0)
    assert _unit_run(8) == ([(0, 5), (10, 15)], 15, 1)


def test_copy_sets_split_the_waves():
    """A 256 x 256 fc on hic_pcm gets a set of copies per sample, up to 32 sets (two tiles
    each): at batch 40, samples b and b + 32 share tiles, so they may share a wave (even with 4
    waves asked for); samples on other tiles may not."""
    arch = load_arch(SPECS / "hic_pcm.yaml", {"mapping.waves": 4})
    wl = Workload.model_validate({**FC, "batch": 40})
    mapping = map_workload(build_hardware(arch), wl)
    lm = mapping.layers["fc"]
    (place,) = mapping.placements(lm)
    assert mapping.copy_sets(lm, place) == 32
    assert waves(mapping, 40, 4) == sorted([(b, b + 32) for b in range(8)]
                                           + [(b,) for b in range(8, 32)])
    waved = engine(arch, wl)
    assert waved.conflicts == 0
    assert_same_run(waved, engine(load_arch(SPECS / "hic_pcm.yaml"), wl))


def test_waves_cut_the_batch_into_near_equal_runs():
    arch = load_arch(SPECS / "hic_pcm.yaml")
    mapping = map_workload(build_hardware(arch), workload("inference", 1))
    assert waves(mapping, 5, None) == [(0,), (1,), (2,), (3,), (4,)]
    assert waves(mapping, 16, 16) == [(b,) for b in range(16)]
    assert [len(w) for w in waves(mapping, 17, 16)] == [1] * 15 + [2]
    assert waves(mapping, 7, 3) == [(0, 1), (2, 3), (4, 5, 6)]
    assert [len(w) for w in waves(mapping, 256, 16)] == [16] * 16


@pytest.mark.parametrize("batch", [1, 3, 16])
def test_a_batch_of_no_more_samples_than_waves_runs_sample_by_sample(batch):
    """Waves are opt-in (the default runs every sample on its own), and a batch no larger than
    the waves asked for runs sample by sample."""
    wl = workload("inference", batch)
    default = load_arch(SPECS / "hic_pcm.yaml")
    assert default.mapping.waves is None
    assert_same_run(engine(load_arch(SPECS / "hic_pcm.yaml", WAVES_16), wl), engine(default, wl))


@pytest.mark.parametrize("phase", ["inference", "training"])
def test_events_at_batch_256_follow_those_at_batch_16(phase, monkeypatch):
    """With 16 waves, batch 16 runs 16 waves of one sample and batch 256 16 waves of 16: the
    same processes and the same unit requests (the small net's tensors stay on chip at both),
    each request one event whatever its samples. Only two kinds of event depend on when things
    happen: a unit's end-of-cycle placement (``engine.unit``: one per cycle in which requests
    reach it, so at most one per request) and a process of the whole batch catching up with a
    wave's last sample (``engine.waves``: at most one per wait). So events(256) - those(256) =
    events(16) - those(16). Sample by sample (waves: null) batch 256 takes more than 15 times
    the events of batch 16."""
    from hicsim.engine import unit, waves as waves_module
    calls = {"placements": 0, "catch_ups": 0, "requests": 0}
    end_of_cycle, catch_up, submit = (unit._at_end_of_cycle, waves_module._catch_up,
                                      unit.Unit.submit)

    def counted_end_of_cycle(env, event):
        calls["placements"] += 1
        return end_of_cycle(env, event)

    def counted_catch_up(env, cycles):
        calls["catch_ups"] += 1
        return catch_up(env, cycles)

    def counted_submit(self, cycles):
        calls["requests"] += 1
        return submit(self, cycles)

    monkeypatch.setattr(unit, "_at_end_of_cycle", counted_end_of_cycle)
    monkeypatch.setattr(waves_module, "_catch_up", counted_catch_up)
    monkeypatch.setattr(unit.Unit, "submit", counted_submit)
    arch = load_arch(SPECS / "hic_pcm.yaml", WAVES_16)
    runs = {}
    for batch in (16, 256):
        calls.update(placements=0, catch_ups=0, requests=0)
        runs[batch] = engine(arch, workload(phase, batch)), dict(calls)
    (r16, c16), (r256, c256) = runs[16], runs[256]
    assert c256["requests"] == c16["requests"]
    assert c256["placements"] <= c256["requests"]
    assert r256.events - c256["placements"] - c256["catch_ups"] == \
        r16.events - c16["placements"] - c16["catch_ups"]
    every = load_arch(SPECS / "hic_pcm.yaml")  # the default: sample by sample
    s16, s256 = (engine(every, workload(phase, b)) for b in (16, 256))
    assert s256.events > 15 * s16.events


def test_waves_multiply_one_samples_counts():
    """A wave's counts are its samples': every count at batch 32 (16 waves of 2) is twice that
    at batch 16 (16 waves of 1)."""
    arch = load_arch(SPECS / "hic_pcm.yaml", WAVES_16)
    r16, r32 = (simulate(arch, workload("inference", b)) for b in (16, 32))
    dynamic = [r.actions[r.actions.phase != "static"].set_index(
        ["layer", "phase", "component", "action"])["count"] for r in (r16, r32)]
    assert (dynamic[1] == 2 * dynamic[0]).all()
    assert r32.cycles > r16.cycles


def test_the_report_says_when_the_batch_ran_in_waves_and_their_conflicts():
    arch = load_arch(SPECS / "hic_pcm.yaml", WAVES_16)
    waved, alone = (simulate(arch, workload("inference", b)) for b in (40, 16))
    exact = simulate(load_arch(SPECS / "hic_pcm.yaml"), workload("inference", 40))
    assert (waved.summary["engine_waves"], alone.summary["engine_waves"]) == (16, 16)
    assert exact.summary["engine_waves"] == 40
    conflicts = waved.summary["engine_wave_conflicts"]
    assert conflicts > 0 and exact.summary["engine_wave_conflicts"] == 0
    assert (f"(batch 40 as 16 waves: mapping.waves; {conflicts:,} conflicts)"
            in summary_text(waved))
    assert "waves" not in summary_text(alone)
    assert "waves" not in summary_text(exact)
