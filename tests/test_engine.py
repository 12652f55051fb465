"""Engine invariants: energy sums, byte conservation, latency bounds, programming, batch, events."""

import math

import pytest

from hicsim import simulate
from hicsim.costs import cost_table, static_power
from hicsim.hardware.model import build_hardware
from hicsim.spec import InputError, load_arch
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
ISAAC = ROOT / "arch_specs" / "isaac_like.yaml"
TINY_CHIP = {"chip.tiles": 1, "tile.crossbars": 2}  # forces streamed weights


def test_total_energy_is_the_sum_of_its_parts(hic, small_net):
    r = simulate(hic, small_net)
    table = cost_table(hic)
    dynamic = r.actions[r.actions.phase != "static"]
    recomputed = sum(row.count * table[(row.component, row.action)] for row in dynamic.itertuples())
    static = sum(static_power(hic)[0].values()) * r.latency_s  # leakage x simulated time
    assert static > 0
    assert r.energy_J == pytest.approx(recomputed + static, rel=1e-12)
    assert r.summary["energy_static_J"] == pytest.approx(static, rel=1e-12)
    assert r.summary["energy_dynamic_J"] == pytest.approx(recomputed, rel=1e-12)
    for keys in (["component"], ["layer"], ["category"], ["layer", "phase", "component"]):
        assert r.energy_by(*keys)["energy_J"].sum() == pytest.approx(r.energy_J, rel=1e-12)
    assert sum(r.summary["energy_by_component_J"].values()) == pytest.approx(r.energy_J, rel=1e-12)
    assert r.layers["energy_J"].sum() == pytest.approx(
        r.actions[~r.actions.layer.isin(["input", "(chip)"])]["energy_J"].sum(), rel=1e-12)


@pytest.mark.parametrize("capacity", ["4 MiB", "6 KiB", "1 KiB"])
def test_buffer_bytes_in_equal_bytes_out_plus_resident(small_net, capacity):
    arch = load_arch(HIC, {"memory.global_buffer.capacity": capacity})
    r = simulate(arch, small_net)
    s = r.summary
    assert s["buffer_bytes_in"] == s["buffer_bytes_out"] + s["buffer_bytes_resident"]
    assert s["buffer_bytes_resident"] == 0  # every tensor found its last reader
    assert s["buffer_peak_bytes"] <= arch.level("global_buffer").capacity
    written = r.traffic[(r.traffic.level == "global_buffer") & (r.traffic.direction == "write")]
    assert written["bytes"].sum() == s["buffer_bytes_in"]


def test_spills_go_to_dram_when_the_buffer_is_small(small_net):
    big = simulate(load_arch(HIC), small_net).summary["bytes_by_level"]
    tiny = simulate(load_arch(HIC, {"memory.global_buffer.capacity": "1 KiB"}), small_net)
    spilled = tiny.summary["bytes_by_level"]
    assert spilled["dram.write"] > big["dram.write"]
    assert spilled["dram.read"] > big["dram.read"]
    # each spilled output is read back once per consumer: conv1 feeds conv2 and add1
    assert tiny.summary["buffer_peak_bytes"] <= 1024


@pytest.mark.parametrize("spec", [HIC, ISAAC])
@pytest.mark.parametrize("extra", [{}, TINY_CHIP, {"chip.interconnect.kind": "bus"}])
def test_latency_bounds(small_net, spec, extra):
    arch = load_arch(spec, extra)
    r = simulate(arch, small_net)
    assert r.units["utilisation"].max() <= 1.0


def test_a_dram_bound_run_takes_its_dram_time(small_net):
    # hic_pcm's one DRAM channel at 0.01 GB/s and 1 GHz moves 0.01 B per cycle: the DRAM traffic
    # (the input, 2 x 3 x 16 x 16 B at 8 b, and the logits, 2 x 10 B) takes 155,600 cycles,
    # which dwarfs the rest of the run (about 5,900 cycles at full bandwidth), so the run takes
    # its DRAM time and little more.
    arch = load_arch(HIC, {"memory.dram.channel_bandwidth": "0.01 GB/s"})
    assert arch.level("dram").channels == 1
    r = simulate(arch, small_net)
    dram = r.traffic[r.traffic.level == "dram"]["bytes"].sum()
    assert dram == 1536 + 20
    assert 155_600 <= r.cycles <= 1.05 * 155_600


def test_no_programming_energy_when_weights_are_resident(hic, small_net):
    r = simulate(hic, small_net)
    assert r.mode == "resident"
    assert not r.actions["action"].isin(["set_pulse", "reset_pulse"]).any()
    assert "programming" not in r.summary["energy_by_category_J"]
    assert r.summary["programming_pulses"] == {}


def test_streamed_weights_are_fetched_and_programmed(small_net):
    arch = load_arch(HIC, TINY_CHIP)
    r = simulate(arch, small_net)
    assert r.mode == "streamed"
    weights = sum(l.weights for l in small_net.weighted_layers)
    prog = r.actions[r.actions.phase == "program"]
    dram_weights = prog[(prog.component == "dram") & (prog.action == "read_bytes")]["count"].sum()
    assert dram_weights == weights * small_net.weight_bits // 8
    pulses = prog.groupby(["component", "action"])["count"].sum()
    # every copy is programmed: the convolutions (one crossbar each) are copied into the chip's
    # other crossbar; fc's one MVM per sample of a batch of 2 would use a second copy, but its
    # reads (2 x 8 x 100 cycles) take less than programming it
    copies = r.mapping.set_index("layer")["replicas"]
    assert copies.to_dict() == {"conv1": 2, "conv2": 2, "fc": 1}
    programmed = sum(l.weights * copies[l.name] for l in small_net.weighted_layers)
    # per weight: 8 binary devices (4 x differential) and 2 multi-level devices
    assert pulses[("pcm_bin", "reset_pulse")] == 8 * programmed
    assert pulses[("pcm_bin", "set_pulse")] == sum(8 * l.weights // 2 * copies[l.name]
                                                   for l in small_net.weighted_layers)
    assert pulses[("pcm_ml", "reset_pulse")] == 2 * programmed
    assert pulses[("pcm_ml", "set_pulse")] == 2 * programmed * arch.devices["pcm_ml"].verify_iterations
    e_prog = r.energy_by("category").set_index("category")["energy_J"]["programming"]
    assert e_prog > 0
    # programming takes time: a tile writes parallel_devices at a time
    per_crossbar = math.ceil(10 * 144 * 16 / 1)  # conv2 fits one crossbar: 2304 x 10 devices
    assert r.cycles > per_crossbar / arch.tile.programming.parallel_devices * 40


@pytest.mark.parametrize("spec,extra", [(HIC, {}), (ISAAC, {}), (HIC, TINY_CHIP),
                                        (HIC, {"memory.global_buffer.capacity": "2 KiB"})])
def test_doubling_the_batch_never_lowers_latency(small_net, spec, extra):
    arch = load_arch(spec, extra)
    latencies = [simulate(arch, small_net, workload_overrides={"batch": b}).cycles for b in (1, 2, 4, 8)]
    assert latencies == sorted(latencies)
    assert latencies[-1] > latencies[0]


def test_events_grow_with_batch_not_with_cycles(small_net):
    base = simulate(load_arch(HIC), small_net)
    slow = simulate(load_arch(HIC, {"tile.crossbar.read_latency": "10 us"}), small_net)
    assert slow.cycles > 20 * base.cycles
    assert slow.events == base.events
    double = simulate(load_arch(HIC), small_net, workload_overrides={"batch": 4})
    assert 1.6 * base.events < double.events < 2.4 * base.events


def test_shared_adc_bank_contends(small_net):
    many = simulate(load_arch(ISAAC), small_net).cycles
    few = simulate(load_arch(ISAAC, {"tile.adc.count": 2}), small_net).cycles
    assert few > 2 * many


def test_bus_serialises_transfers_that_mesh_links_overlap(small_net):
    slow_links = {"chip.interconnect.link_bandwidth": "1 B/cycle"}
    mesh = simulate(load_arch(HIC, slow_links), small_net).cycles
    bus = simulate(load_arch(HIC, {**slow_links, "chip.interconnect.kind": "bus"}), small_net).cycles
    assert bus > mesh


def test_same_inputs_same_numbers(hic, small_net):
    a, b = simulate(hic, small_net), simulate(hic, small_net)
    assert a.cycles == b.cycles and a.summary == b.summary
    assert a.actions.equals(b.actions)


def test_operand_stats_skip_zero_input_bits(hic, small_net):
    from hicsim.workload.operand_stats import OperandStats
    # unsigned 8-bit codes: half the inputs are 0, half are 3 (bits 0 and 1 set): bit density
    # 0.5 on two of eight bit slices -> 1/8 of DAC conversions and device reads remain
    hist = [50, 0, 0, 50] + [0] * 252
    stats = OperandStats(input_bits=8, signed=False, scale=1.0, input_density=0.5, histogram=hist)
    assert stats.active_fraction(1) == pytest.approx(0.125)
    layers = [l.model_copy(update={"stats": stats}) if l.name == "conv2" else l
              for l in small_net.layers]
    with_stats = small_net.model_copy(update={"layers": layers})
    base, data = simulate(hic, small_net), simulate(hic, with_stats)
    count = lambda r, c, a: r.actions.query("layer == 'conv2' and component == @c and action == @a")["count"].sum()  # noqa: E731
    assert count(data, "dac", "convert") == pytest.approx(count(base, "dac", "convert") / 8, rel=1e-6)
    assert count(data, "pcm_ml", "read") == pytest.approx(count(base, "pcm_ml", "read") / 8, rel=1e-6)
    assert count(data, "adc", "convert") == count(base, "adc", "convert")
    assert data.summary["operand_stats_layers"] == ["conv2"]
    assert data.energy_J < base.energy_J


@pytest.mark.parametrize("spec,extra", [(HIC, {}), (ISAAC, {"tile.adc.count": 4}), (HIC, TINY_CHIP)])
def test_layer_time_by_kind_fills_the_span(small_net, spec, extra):
    r = simulate(load_arch(spec, extra), small_net)
    kinds = ["compute_cycles", "conversion_cycles", "programming_cycles", "generation_cycles"]
    busy = r.layers[kinds].sum(axis=1)
    span = r.layers["end_cycle"] - r.layers["start_cycle"]
    assert (busy + r.layers["stall_cycles"] >= span).all()
    assert (r.layers["stall_cycles"] >= 0).all()
    weighted = r.layers[r.layers.weighted]
    assert (weighted["compute_cycles"] > 0).all()
    if extra.get("tile.adc.count"):  # 4 ADCs for a tile's many conv columns: conversion dominates
        convs = r.layers[r.layers.op == "conv2d"]
        assert (convs["conversion_cycles"] > convs["compute_cycles"]).all()
    if extra == TINY_CHIP:
        assert (weighted["programming_cycles"] > 0).all()


def test_fewer_dacs_drive_rows_in_rounds(small_net):
    # conv2 drives 144 rows per crossbar: 16 DACs need 9 rounds, each a crossbar read
    base = simulate(load_arch(HIC), small_net).layers.set_index("layer")
    few = simulate(load_arch(HIC, {"tile.dac.count": 16}), small_net).layers.set_index("layer")
    assert few.loc["conv2", "compute_cycles"] > 8 * base.loc["conv2", "compute_cycles"]
    with pytest.raises(InputError, match="exceeds the crossbar's 256 rows"):
        load_arch(HIC, {"tile.dac.count": 300})


def test_chip_area_adds_given_areas_and_models_the_rest(small_net):
    from hicsim.components import sram
    from hicsim.costs import chip_area
    from hicsim.costs.adc import adc_area_each
    base = load_arch(HIC)
    area, missing = chip_area(base)
    assert missing == ["sample_hold", "shift_add", "vector_unit"]
    arch = load_arch(HIC, {"devices.pcm_ml.area": "0.01 um^2", "devices.pcm_bin.area": "0.01 um^2",
                           "tile.adc.area": "1000 um^2", "memory.global_buffer.area": "2 mm^2"})
    area, missing = chip_area(arch)
    adcs = 8 * 256 // 8  # 8 crossbars x 32 ADCs
    dacs = 8 * 256  # one 1-bit DAC per row, ISAAC's 0.166 um^2 at 32 nm scaled to 45 nm
    per_tile = (8 * 256 * 256 * 0.01e-12 + adcs * 1000e-12 + sram(64 * 1024, 512, 45e-9).area_m2
                + dacs * 0.00017e-6 / 1024 * (45 / 32) ** 2)
    assert area == pytest.approx(64 * per_tile + 2e-6)
    assert missing == ["sample_hold", "shift_add", "vector_unit"]
    s = simulate(arch, small_net).summary
    assert s["area_mm2"] == pytest.approx(area * 1e6) and s["area_excludes"] == missing
    assert s["cost_sources"]["adc.area"] == "spec"
    assert s["cost_sources"]["local_buffer.area"].startswith("model")
    # the model's ADC area enters when the spec gives none
    assert chip_area(base)[0] - chip_area(load_arch(HIC, {"tile.adc.area": "1000 um^2"}))[0] == \
        pytest.approx(64 * adcs * (adc_area_each(base.tile.adc, 45e-9)[0] - 1000e-12))


def test_classifier_copies_take_the_batch_in_parallel():
    """A 256 x 256 fc on hic_pcm: 8 slices of a 100-cycle read plus the ADC's 8 conversions as
    the last fill, 808 cycles of reads per MVM (11 crossbars on two tiles, 8 and 3), and before
    them the first slice's input bits from the local buffer (2,048 or 768 rows, 1 bit each, at
    the buffer's bytes per cycle). At batch 4 without copies the four MVMs queue on its tiles;
    with copies each sample has its own tiles."""
    from hicsim.workload import Workload
    local = build_hardware(load_arch(HIC)).memory.local.bytes_per_cycle
    per_mvm = [808 + math.ceil(rows / 8 / local) for rows in (768, 2048)]
    wl = Workload.model_validate({"version": 1, "name": "fc", "batch": 4, "layers": [
        {"name": "fc", "op": "linear", "in_features": 256, "out_features": 256}]})
    busy = {}
    for policy in ("none", "balance"):
        r = simulate(load_arch(HIC, {"mapping.replication": policy}), wl)
        tiles = r.units[r.units.kind == "tile"]
        busy[policy] = sorted(tiles[tiles.busy_cycles > 0].busy_cycles)
        assert r.layers.set_index("layer").loc["fc", "compute_cycles"] == 4 * 808
    assert busy["none"] == [4 * n for n in per_mvm]
    assert busy["balance"] == [per_mvm[0]] * 4 + [per_mvm[1]] * 4
