"""The batch as waves (``hicsim.engine.waves``): a wave's samples take each operation together,
and the engine's cost follows the waves, not the batch.

Every wave is held to the per-sample reference (``run_engine(per_sample=True)``), which serves
each sample of a wave as its own unit operation (one event each) and books its counts one sample
at a time: cycles, every count, every unit's busy cycles and operations, the traffic timeline,
the layers' spans and the buffer's bytes must be equal, on small networks, shipped specs,
resident and streamed weights, inference and training.
"""

import pytest

from hicsim import simulate
from hicsim.engine.run import run_engine
from hicsim.engine.waves import waves
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


def engine(arch, workload, per_sample=False):
    hw = build_hardware(arch)
    return run_engine(hw, workload, map_workload(hw, workload), per_sample=per_sample)


def assert_same_run(a, b):
    assert a.cycles == b.cycles
    assert dict(a.ledger.counts) == dict(b.ledger.counts)  # every action, every byte
    assert a.units == b.units  # every unit's busy cycles and operations
    assert a.ledger.traffic == b.ledger.traffic  # the timeline, transfer by transfer
    assert a.ledger.spans == b.ledger.spans
    assert dict(a.ledger.time) == dict(b.ledger.time)
    assert (a.ledger.buffer_in, a.ledger.buffer_out, a.ledger.buffer_peak) == \
        (b.ledger.buffer_in, b.ledger.buffer_out, b.ledger.buffer_peak)


CASES = {
    # resident inference, banded (intra-layer pipelining), tile to tile
    "hic_pcm": ("hic_pcm.yaml", {}, "inference"),
    "isaac_like": ("isaac_like.yaml", {}, "inference"),
    "pcm_multilevel": ("pcm_multilevel.yaml", {}, "inference"),
    # streamed weights: one tile of two crossbars re-programmed pass after pass
    "streamed": ("hic_pcm.yaml", {"chip.tiles": 1, "tile.crossbars": 2}, "inference"),
    # tensors spill to DRAM, inputs spill out of the local buffers
    "spills": ("hic_pcm.yaml", {"memory.global_buffer.capacity": "1 KiB",
                                "memory.local_buffer.capacity": "64 B"}, "inference"),
    "training": ("hic_pcm.yaml", {}, "training"),
    "training_dram": ("hic_pcm.yaml", {"training.activation_store": "dram"}, "training"),
}


def workload(phase: str, batch: int) -> Workload:
    net = Workload.model_validate({**SMALL_NET, "batch": batch})
    return with_rates(net, RATES) if phase == "training" else net


@pytest.mark.parametrize("batch", [1, 2, 3, 7, 16])
@pytest.mark.parametrize("case", sorted(CASES))
def test_waves_equal_the_per_sample_reference(case, batch):
    spec, extra, phase = CASES[case]
    arch = load_arch(SPECS / spec, {**extra, "mapping.waves": 2})
    wl = workload(phase, batch)
    batched, reference = engine(arch, wl), engine(arch, wl, per_sample=True)
    assert_same_run(batched, reference)
    # the reference serves the samples of a wave one by one (isaac_like: a copy set per
    # sample, so every wave is one sample)
    grouped = any(len(w) > 1 for w in waves(map_workload(build_hardware(arch), wl), batch, 2))
    assert grouped == (batch > 2 and case != "isaac_like")
    assert (reference.events > batched.events) == grouped


@pytest.mark.parametrize("case", sorted(set(CASES) - {"spills"}))
def test_waves_keep_every_count_of_samples_on_their_own_and_only_add_waiting(case):
    """Against the default (every sample on its own, not the wave schedule): at batch 32 as 4
    waves every count and byte is the same, and the waves' samples waiting for one another only
    adds cycles. ("spills" is left out: a wave's tensor is placed whole, so it may spill where a
    sample's fits: the spec's description says so.)"""
    spec, extra, phase = CASES[case]
    wl = workload(phase, 32)
    exact = engine(load_arch(SPECS / spec, extra), wl)
    waved = engine(load_arch(SPECS / spec, {**extra, "mapping.waves": 4}), wl)
    assert dict(waved.ledger.counts) == dict(exact.ledger.counts)
    assert [(u.name, u.busy_cycles) for u in waved.units] == \
        [(u.name, u.busy_cycles) for u in exact.units]
    assert waved.cycles >= exact.cycles
    if waved.waves == 32:  # isaac_like: 32 sets of copies take samples in turn, a wave each
        assert_same_run(waved, exact)
    else:
        assert waved.events < exact.events


def test_copy_sets_split_the_waves_and_match_the_reference():
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
    assert_same_run(engine(arch, wl), engine(arch, wl, per_sample=True))


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
    """Waves are opt-in (the default runs every sample on its own, the exact schedule), and a
    batch no larger than the waves asked for runs sample by sample."""
    wl = workload("inference", batch)
    default = load_arch(SPECS / "hic_pcm.yaml")
    assert default.mapping.waves is None
    assert_same_run(engine(load_arch(SPECS / "hic_pcm.yaml", WAVES_16), wl), engine(default, wl))


@pytest.mark.parametrize("phase", ["inference", "training"])
def test_events_at_batch_256_follow_those_at_batch_16(phase, monkeypatch):
    """With 16 waves, batch 16 runs 16 waves of one sample and batch 256 16 waves of 16: the
    same processes and the same unit operations, each 16 times as long (the small net's tensors
    stay on chip at both). So every event is the same except the arbiter's end-of-cycle ones
    (``engine.unit``), of which an operation costs one or none depending on when it arrives:
    events(256) = events(16) - arbiter(16) + arbiter(256), with arbiter(256) no more than the
    operations submitted. Sample by sample (waves: null) batch 256 takes more than 15 times
    the events of batch 16 (loading the chip's processes is shared)."""
    from hicsim.engine import unit
    calls = {"arbiter": 0, "submit": 0}
    end_of_cycle, submit = unit._at_end_of_cycle, unit.Unit.submit

    def counted_end_of_cycle(env, event):
        calls["arbiter"] += 1
        return end_of_cycle(env, event)

    def counted_submit(self, cycles, n=1):
        calls["submit"] += 1
        return submit(self, cycles, n)

    monkeypatch.setattr(unit, "_at_end_of_cycle", counted_end_of_cycle)
    monkeypatch.setattr(unit.Unit, "submit", counted_submit)
    arch = load_arch(SPECS / "hic_pcm.yaml", WAVES_16)
    runs = {}
    for batch in (16, 256):
        calls.update(arbiter=0, submit=0)
        runs[batch] = engine(arch, workload(phase, batch)), dict(calls)
    (r16, c16), (r256, c256) = runs[16], runs[256]
    arbiter16, arbiter256, submitted = c16["arbiter"], c256["arbiter"], c16["submit"]
    assert c256["submit"] == submitted
    assert r256.events - arbiter256 == r16.events - arbiter16
    assert arbiter256 <= submitted
    assert r256.events <= r16.events - arbiter16 + submitted < 2 * r16.events
    assert r256.ledger.buffer_peak == 16 * r16.ledger.buffer_peak
    assert len(r256.ledger.traffic) == len(r16.ledger.traffic)  # records fold, per wave
    every = load_arch(SPECS / "hic_pcm.yaml")  # the default: sample by sample
    s16, s256 = (engine(every, workload(phase, b)) for b in (16, 256))
    assert s256.events > 15 * s16.events


def test_waves_multiply_one_samples_counts():
    """A wave's counts are its samples': every count at batch 32 (16 waves of 2) is twice that
    at batch 16 (16 waves of 1); the latency is not (the waves' samples wait for each other)."""
    arch = load_arch(SPECS / "hic_pcm.yaml", WAVES_16)
    r16, r32 = (simulate(arch, workload("inference", b)) for b in (16, 32))
    dynamic = [r.actions[r.actions.phase != "static"].set_index(
        ["layer", "phase", "component", "action"])["count"] for r in (r16, r32)]
    assert (dynamic[1] == 2 * dynamic[0]).all()
    assert r32.cycles > r16.cycles


def test_the_report_says_when_the_batch_ran_in_waves():
    arch = load_arch(SPECS / "hic_pcm.yaml", WAVES_16)
    waved, alone = (simulate(arch, workload("inference", b)) for b in (40, 16))
    exact = simulate(load_arch(SPECS / "hic_pcm.yaml"), workload("inference", 40))
    assert (waved.summary["engine_waves"], alone.summary["engine_waves"]) == (16, 16)
    assert exact.summary["engine_waves"] == 40
    assert "(batch 40 as 16 waves: mapping.waves)" in summary_text(waved)
    assert "waves" not in summary_text(alone)
    assert "waves" not in summary_text(exact)
