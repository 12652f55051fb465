"""Enforced basis-buffer capacity: the generation unit reads its bases B and coefficients V again
for every input channel (``engine.basis_buffer``); what the buffer cannot hold of them comes from
DRAM again for every channel after the first, and the unit waits for it. Counts by hand on
hic_pcm_generation."""

from hicsim import simulate
from hicsim.engine.basis_buffer import refetch_bytes, working_set_bytes
from hicsim.engine.timing import Timing
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.spec import load_arch
from hicsim.workload import Workload
from conftest import ROOT

GEN = ROOT / "arch_specs" / "hic_pcm_generation.yaml"
CONV = dict(op="conv2d", in_channels=64, out_channels=64, kernel=3, padding=1, input_hw=[56, 56])
# two generated 3x3 convolutions (the first and the classifier are stored directly by the spec)
NET = Workload.model_validate({"version": 1, "name": "two_convs", "batch": 1, "layers": [
    dict(CONV, name="c0"), dict(CONV, name="c1"),
    {"name": "gap", "op": "pool", "mode": "avg", "channels": 64, "input_hw": [56, 56]},
    {"name": "fc", "op": "linear", "in_features": 64, "out_features": 10}]})


def run(capacity=None):
    over = {"chip.weight_residency": "streamed"}  # generated as they are programmed
    if capacity:
        over["generation.basis_buffer.capacity"] = capacity
    return simulate(load_arch(GEN, over), NET)


def counts(r):
    dynamic = r.actions[r.actions.phase != "static"]
    return dynamic.groupby(["layer", "phase", "component", "action"])["count"].sum().to_dict()


def test_the_working_set_is_the_bases_and_the_coefficients():
    # each conv: B 32 x 3 x 9 at 8 bits = 864 B, U 32 x 64 x 3 at 4 bits = 3,072 B (streams
    # channel by channel), V 64 x 32 at 4 bits = 1,024 B
    plan = map_workload(build_hardware(load_arch(GEN)), NET).generation["c1"]
    assert [(t.name, t.bytes) for t in plan.tensors] == [("B", 864), ("U", 3072), ("V", 1024)]
    assert working_set_bytes(plan) == 864 + 1024
    assert refetch_bytes(plan, 2048) == 0
    assert refetch_bytes(plan, 1024) == 864 * 63  # the overflow again for channels 2..64


def test_a_1_KiB_basis_buffer_refetches_the_overflow_from_dram_by_hand():
    """1 KiB holds 1,024 of the 1,888 B each conv reads per channel: 864 B come from DRAM again
    for 63 channels, 54,432 B a conv (108,864 B in all), written into the basis buffer again;
    the unit waits for the DRAM channels to move them. The 128 KiB of the spec and 1 GiB hold
    everything and give the same counts, cycles and events (a larger SRAM costs more leakage)."""
    spec, large, small = run(), run("1 GiB"), run("1 KiB")
    engine = lambda r: (r.cycles, r.summary["engine_events"], counts(r),  # noqa: E731
                        r.units.busy_cycles.tolist())
    assert engine(large) == engine(spec)
    before, after = spec.summary["bytes_by_level"], small.summary["bytes_by_level"]
    moved = {k: after[k] - before[k] for k in before if after[k] != before[k]}
    assert moved == {"dram.read": 2 * 54432, "basis_buffer.write": 2 * 54432}
    hw = build_hardware(load_arch(GEN))
    wait = Timing(hw).transfer_op(hw.memory.backing, 54432)
    unit = lambda r: r.units.set_index("unit").busy_cycles["generation_unit"]  # noqa: E731
    assert unit(small) - unit(spec) == 2 * wait
    # c1 is generated while c0 computes on other tiles: only c0's wait delays the run
    assert small.cycles - spec.cycles == wait
