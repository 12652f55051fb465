"""The generation unit in the engine: bases instead of weights on DRAM, MACs in latency and energy."""

import math

import pytest

from hicsim import simulate
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.report.generation import generation_breakeven
from hicsim.spec import InputError, load_arch
from hicsim.workload import Workload
from conftest import ROOT

GEN = ROOT / "arch_specs" / "hic_pcm_generation.yaml"
STREAM = {"chip.weight_residency": "streamed"}

NET = Workload.model_validate({"version": 1, "name": "gen", "batch": 1, "layers": [
    {"name": "conv", "op": "conv2d", "in_channels": 64, "out_channels": 64, "kernel": 3,
     "padding": 1, "input_hw": [8, 8]},
    {"name": "pw", "op": "conv2d", "in_channels": 64, "out_channels": 64, "kernel": 1,
     "input_hw": [8, 8]},
    {"name": "fc", "op": "linear", "in_features": 4096, "out_features": 10}]})


def program_counts(r, component, action):
    rows = r.actions[(r.actions.phase == "program") & (r.actions.component == component)
                     & (r.actions.action == action)]
    return rows.groupby("layer")["count"].sum().to_dict()


def test_dram_carries_bases_for_generated_layers_and_weights_for_direct_ones():
    arch = load_arch(GEN, STREAM)
    plans = map_workload(build_hardware(arch), NET).generation
    assert plans["conv"].levels == "intra+cross"
    assert plans["pw"].direct and plans["fc"].direct  # pointwise and classifier rules
    r = simulate(arch, NET)
    dram = program_counts(r, "dram", "read_bytes")
    assert dram["conv"] == plans["conv"].stored_bytes
    assert dram["pw"] == 64 * 64 * NET.weight_bits // 8
    assert dram["fc"] == 4096 * 10 * NET.weight_bits // 8
    assert program_counts(r, "generation_unit", "mac") == {"conv": plans["conv"].generation_macs}
    assert program_counts(r, "basis_buffer", "write_bytes") == {"conv": plans["conv"].stored_bytes}
    # by hand: Bo = 32 basis kernels from C x Bi times Bi x R.S, then K x Bo times Bo x C.R.S
    assert plans["conv"].generation_macs == 32 * 64 * 3 * 9 + 64 * 32 * 64 * 9


def test_without_the_unit_the_same_chip_moves_dense_weights():
    with_unit = simulate(load_arch(GEN, STREAM), NET)
    without = simulate(load_arch(GEN, {**STREAM, "generation.enabled": False}), NET)
    saved = (program_counts(without, "dram", "read_bytes")["conv"]
             - program_counts(with_unit, "dram", "read_bytes")["conv"])
    assert saved == 64 * 64 * 9 - map_workload(build_hardware(load_arch(GEN)), NET).generation["conv"].stored_bytes
    assert "generation_unit" not in set(without.actions.component)


def test_generation_energy_scales_with_energy_per_mac():
    e = {}
    for pj in (0.15, 0.3):
        r = simulate(load_arch(GEN, {**STREAM, "generation.energy_per_mac": f"{pj} pJ"}), NET)
        e[pj] = r.energy_by("component").set_index("component")["energy_J"]["generation_unit"]
    macs = map_workload(build_hardware(load_arch(GEN)), NET).generation["conv"].generation_macs
    assert e[0.15] == pytest.approx(macs * 0.15e-12, rel=1e-12)
    assert e[0.3] == pytest.approx(2 * e[0.15], rel=1e-12)


def test_generation_latency_scales_with_macs_per_cycle():
    macs = map_workload(build_hardware(load_arch(GEN)), NET).generation["conv"].generation_macs
    for per_cycle in (64, 256):
        r = simulate(load_arch(GEN, {**STREAM, "generation.macs_per_cycle": per_cycle,
                                     "generation.latency": "0 ns"}), NET)
        busy = r.units.set_index("unit").loc["generation_unit", "busy_cycles"]
        assert busy == math.ceil(macs / per_cycle)
        assert r.cycles >= busy


def test_resident_weights_need_no_generation():
    r = simulate(load_arch(GEN), NET)
    assert r.mode == "resident"
    assert "generation_unit" not in set(r.actions.component)


def test_breakeven_by_hand():
    arch = load_arch(GEN)
    hw = build_hardware(arch)
    table = generation_breakeven(hw, map_workload(hw, NET), NET).set_index("layer")
    row = table.loc["conv"]
    dense, stored, macs = 64 * 64 * 9, row["stored_bytes"], row["generation_macs"]
    dram = arch.level("dram").energy
    gb = arch.level("global_buffer").read_energy + arch.level("global_buffer").write_energy
    bb = arch.generation.basis_buffer.read_energy + arch.generation.basis_buffer.write_energy
    assert row["energy_without_J"] == pytest.approx(dense * (dram + gb))
    assert row["breakeven_energy_per_mac_J"] == pytest.approx(
        (dense * (dram + gb) - stored * (dram + bb)) / macs)
    assert row["pays_energy"] == (arch.generation.energy_per_mac < row["breakeven_energy_per_mac_J"])
    fc = table.loc["fc"]
    assert fc["levels"] == "direct" and fc["dram_bytes_saved"] == 0 and not fc["pays_energy"]


def test_override_naming_no_layer_is_bad_input():
    with pytest.raises(InputError, match="generation"):
        map_workload(build_hardware(load_arch(GEN, {"generation.layers": {"nope": {"bo": 4}}})), NET)
