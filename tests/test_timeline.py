"""The traffic timeline: each transfer's bytes spread over the cycles it took, read and write
apart per level, and every byte of the ledger in exactly one bin."""

import pandas as pd
import pytest

from hicsim import simulate
from hicsim.engine.timing import Timing
from hicsim.hardware.model import build_hardware
from hicsim.mapping.place import map_workload
from hicsim.report.timeline import spread_timeline
from hicsim.spec import load_arch
from hicsim.workload import Workload, load_workload
from conftest import ROOT, SMALL_NET
from test_training_engine import training

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"


def transfers(*rows):
    return pd.DataFrame(rows, columns=["cycle", "end_cycle", "level", "direction", "bytes", "layer"])


def test_a_transfer_is_spread_evenly_over_its_span_in_whole_bytes():
    t = transfers((10, 30, "dram", "read", 100, "a"),   # half in bin 1, half in bin 2
                  (0, 30, "dram", "write", 10, "a"),    # 10/3 per bin: 3, 3 and the rest, 4
                  (35, 35, "dram", "write", 7, "a"),    # an instant: the bin it falls in
                  (38, 45, "local_buffer", "read", 5, "a"))  # past the end: the last bin
    out = spread_timeline(t, 40, 4, 1e9)
    assert list(out.columns) == ["start_s", "width_s", "dram.read", "dram.write", "local_buffer.read"]
    assert out["dram.read"].tolist() == [0, 50, 50, 0]
    assert out["dram.write"].tolist() == [3, 3, 4, 7]
    assert out["local_buffer.read"].tolist() == [0, 0, 0, 5]
    assert out["width_s"].tolist() == [10e-9] * 4


@pytest.mark.parametrize("bins", [1, 7, 50, 333])
def test_the_timeline_keeps_every_byte_of_the_ledger(bins):
    runs = [simulate(HIC, ROOT / "workloads" / "resnet18_cifar10.yaml"),          # streamed
            simulate(load_arch(HIC, {"chip.tiles": 4096}), Workload.model_validate(SMALL_NET)),
            simulate(HIC, training())]
    for r in runs:
        timeline = r.traffic_timeline(bins)
        ledger = r.actions[r.actions.action.isin(["read_bytes", "write_bytes", "transfer_bytes"])]
        totals = {f"{c}.{a.removesuffix('_bytes')}": int(n) for (c, a), n in
                  ledger.groupby(["component", "action"])["count"].sum().items()}
        assert {"dram.read", "local_buffer.read", "local_buffer.write"} <= set(totals)
        summed = timeline.drop(columns=["start_s", "width_s"]).sum()
        assert {k: int(v) for k, v in summed.items()} == totals


def test_resnet18_conv1_reads_its_local_buffers_all_the_while_it_runs():
    """hic_pcm streams ResNet-18; with one copy of each layer conv1 runs its MVMs (one
    operation) from 0.28 to 10.3 ms (of 25.4 ms). Its inputs leave the local buffer while the MVMs run, not in the bin
    they start in (before: 0 B at every level from 0.6 to 9.7 ms)."""
    one_copy = load_arch(HIC, {"mapping.replication": "none"})
    r = simulate(one_copy, ROOT / "workloads" / "resnet18_imagenet.yaml")
    reads = r.traffic[(r.traffic.layer == "conv1") & (r.traffic.level == "local_buffer")
                      & (r.traffic.direction == "read")]
    mvms = reads.loc[reads["bytes"].idxmax()]  # the DAC inputs of conv1's one MVM operation
    conv1 = r.layers.set_index("layer").loc["conv1"]
    # the span of its MVM operation (one tile holds its 3 crossbars), after its weights are
    # programmed
    hw = build_hardware(one_copy)
    lm = map_workload(hw, load_workload(ROOT / "workloads" / "resnet18_imagenet.yaml")).layers["conv1"]
    op, _, _ = Timing(hw).mvm_parts(lm.forward_read(), lm.mvms_per_sample, lm.crossbars)
    assert mvms["end_cycle"] - mvms["cycle"] == op
    assert mvms["cycle"] > conv1["programming_cycles"]
    timeline = r.traffic_timeline(50)
    width = r.cycles / 50
    inside = [b for b in range(50) if b * width >= mvms["cycle"] and (b + 1) * width <= mvms["end_cycle"]]
    assert len(inside) == 19
    rate = mvms["bytes"] / (mvms["end_cycle"] - mvms["cycle"])
    for b in inside:  # an even rate, to the byte
        assert abs(timeline["local_buffer.read"][b] - rate * width) <= 1


def test_the_accumulators_read_modify_write_spans_the_tiles_cycles_for_it():
    """hic_pcm keeps the update accumulators (8 bits per weight) in the tiles' local buffers: each
    layer's are read, added to and written back over the cycles its tiles take for it at the
    buffer's 64 B/cycle, before the pulses (one copy each, one tile each): conv1's 432 weights
    ceil(2 x 432 / 64) = 14 cycles from the update's start, conv2's 2,304: 72, fc's 160: 5."""
    r = simulate(load_arch(HIC, {"mapping.replication": "none"}), training())
    update = r.phases.set_index("phase").loc["update"]
    t = r.traffic[(r.traffic.level == "local_buffer") & (r.traffic.cycle >= update["start_cycle"])]
    for layer, nbytes, cycles in (("conv1", 432, 14), ("conv2", 2304, 72), ("fc", 160, 5)):
        rows = t[t.layer == layer]
        assert sorted(rows.direction) == ["read", "write"] and (rows["bytes"] == nbytes).all()
        assert (rows.end_cycle - rows.cycle == cycles).all()
    assert t[t.layer == "conv1"].cycle.min() == update["start_cycle"]
