"""The cost table value by value against the spec and the models, the breakdown category of every
component and action, and the static power, area and peak of a shipped spec, each by hand."""

from __future__ import annotations

import pytest

from hicsim.costs import area_breakdown, chip_area, cost_table, costed_actions, peak, static_power
from hicsim.costs.table import CATEGORY, MODEL_ADDER, category_of, memory_names
from hicsim.spec import load_arch
from conftest import ROOT


def approx(expected, rel=1e-12, abs=0):
    """pytest.approx without its default absolute tolerance of 1e-12, which would swallow any
    difference between two energies in joules (a pJ is 1e-12 J)."""
    return pytest.approx(expected, rel=rel, abs=abs)

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
GEN = ROOT / "arch_specs" / "hic_pcm_generation.yaml"
REL = 1e-9
WIRE = "model: C V^2, C = cells x wire capacitance per cell"
READ = "model: V^2 G t, G from the encoding"
SRAM_E = SRAM_LEAK = SRAM_AREA = "model: CACTI 7.0 SRAM table (itrs-lstp), capacity x port width x node"
# Rows of hicsim/components/data/cacti_sram.csv at 45 nm: (read nJ, write nJ per access, leakage
# and gate leakage mW, height and width mm) of the port widths the specs give (bytes per cycle x 8)
LOCAL = (0.0767312, 0.126628, 0.0150334, 0.000503541, 0.440914, 0.503463)  # 64 KiB, 512-bit port
BASIS = (0.0977725, 0.198375, 0.0298514, 0.000989519, 0.777478, 0.503354)  # 128 KiB, 512-bit port
GLOBAL = (3.17864, 3.9867, 0.889176, 0.0280456, 6.92934, 3.06159)  # 4 MiB, 2048-bit port


def per_byte(row, field, width):
    return row[field] * 1e-9 / width * 8


def leakage(row):
    return (row[2] + row[3]) * 1e-3


def area_of(row):
    return row[4] * row[5] * 1e-6

# hic_pcm.yaml, entry by entry (J per count, source):
HIC_TABLE = {
    # ISAAC's 1-bit DAC, 0.390625 pJ at 32 nm, at 45 nm: x 45 / 32
    ("dac", "convert"): (0.390625e-12 * 45 / 32, "model: ISAAC Table I 1-bit DAC x 2^(bits-1), node-scaled"),
    # Murmann fit, 8 b at 1 GS/s (tests/test_pin_components.py)
    ("adc", "convert"): (6.395251e-13, "model: Murmann survey fit (Accelergy ADC plug-in)"),
    ("sample_hold", "sample"): (0.98e-15, "ISAAC Table I (default)"),
    ("shift_add", "op"): (0.1e-12, "spec"),
    ("shift_add", "partial_sum_add"): (0.1e-12, "spec"),
    ("vector_unit", "op"): (0.03e-12, "spec"),  # defaults: 0.03 pJ per op, 0.23 pJ per MAC
    ("vector_unit", "mac"): (0.23e-12, "spec"),
    # functions: FMAs each x 1.5 pJ (exp 5, reciprocal 4, rsqrt 5, tanh 9, silu 9, gelu 12)
    ("vector_unit", "exp"): (7.5e-12, "spec"), ("vector_unit", "reciprocal"): (6e-12, "spec"),
    ("vector_unit", "rsqrt"): (7.5e-12, "spec"), ("vector_unit", "tanh"): (13.5e-12, "spec"),
    ("vector_unit", "silu"): (13.5e-12, "spec"), ("vector_unit", "gelu"): (18e-12, "spec"),
    ("interconnect", "bit_hops"): (0.1e-12, "spec"),  # 0.1 pJ/bit: 0.8 pJ per byte-hop / 8
    ("interconnect", "transfer_bytes"): (0.0, "tally"),
    ("dram", "read_bytes"): (160e-12, "spec"), ("dram", "write_bytes"): (160e-12, "spec"),  # 20 pJ/bit
    ("gradient_unit", "mac"): (0.23e-12, "spec"),
    # 0.2 fF per cell x 256 cells x (0.2 V)^2
    ("crossbar", "wordline_charge"): (2.048e-15, WIRE), ("crossbar", "bitline_charge"): (2.048e-15, WIRE),
    ("local_buffer", "read_bytes"): (0.8e-12, "spec"), ("local_buffer", "write_bytes"): (1e-12, "spec"),
    ("global_buffer", "read_bytes"): (1.8e-12, "spec"), ("global_buffer", "write_bytes"): (2e-12, "spec"),
    ("accumulator", "add"): (0.03e-12, MODEL_ADDER),  # an 8-bit adder at 45 nm, 0.9 V
    # (0.2 V)^2 x G x 50 ns; differential: G = g_low + (g_high - g_low) x 0.5 x 0.5
    ("pcm_ml", "read"): (0.04 * 6.25e-6 * 50e-9, READ),  # G = 0 + 25 uS / 4
    ("pcm_ml", "set_pulse"): (5e-12, "spec"), ("pcm_ml", "reset_pulse"): (18e-12, "spec"),
    ("pcm_ml", "devices_written"): (0.0, "tally"), ("pcm_ml", "write_erase"): (0.0, "tally"),
    ("pcm_bin", "read"): (0.04 * 6.325e-6 * 50e-9, READ),  # G = 0.1 uS + 24.9 uS / 4
    ("pcm_bin", "set_pulse"): (22.5e-12, "spec"), ("pcm_bin", "reset_pulse"): (18e-12, "spec"),
    ("pcm_bin", "devices_written"): (0.0, "tally"), ("pcm_bin", "write_erase"): (0.0, "tally"),
}


def approx_table(table: dict) -> dict:
    return {k: (approx(v, rel=1e-6, abs=0), s) for k, (v, s) in table.items()}


def test_hic_pcm_cost_table_entry_by_entry():
    assert MODEL_ADDER == "model: Horowitz ISSCC 2014 adder, node-scaled"
    arch = load_arch(HIC)
    assert costed_actions(arch) == approx_table(HIC_TABLE)
    assert cost_table(arch) == {k: approx(v, rel=1e-6, abs=0) for k, (v, _) in HIC_TABLE.items()}


def test_models_stand_in_for_omitted_figures():
    arch = load_arch(HIC)
    t = arch.tile
    no_energy = {"read_energy": None, "write_energy": None}
    bare = arch.model_copy(update={
        "tile": t.model_copy(update={
            "shift_add": t.shift_add.model_copy(update={"energy": None}),
            "sample_hold": t.sample_hold.model_copy(update={"energy": 2e-15}),
            "accumulator": None}),
        "memory": [m.model_copy(update=no_energy) if m.kind == "sram" else m for m in arch.memory],
        "devices": {**arch.devices, "pcm_ml": arch.devices["pcm_ml"].model_copy(
            update={"read_energy": 3e-15})}})
    costs = costed_actions(bare)
    # a 16-bit adder (partial sums) at 45 nm, 0.9 V: 0.03 + 0.07 x 8 / 24 pJ
    assert costs[("shift_add", "op")] == (approx(0.0533333e-12, rel=1e-6), MODEL_ADDER)
    assert costs[("shift_add", "partial_sum_add")] == costs[("shift_add", "op")]
    # SRAM: CACTI's energy per access over the port's bits, x 8 per byte
    for key, row, field, width in ((("local_buffer", "read_bytes"), LOCAL, 0, 512),
                                   (("local_buffer", "write_bytes"), LOCAL, 1, 512),
                                   (("global_buffer", "read_bytes"), GLOBAL, 0, 2048),
                                   (("global_buffer", "write_bytes"), GLOBAL, 1, 2048)):
        assert costs[key] == (approx(per_byte(row, field, width), rel=REL), SRAM_E)
    assert costs[("sample_hold", "sample")] == (2e-15, "spec")
    assert costs[("pcm_ml", "read")] == (3e-15, "spec")
    assert ("accumulator", "add") not in costs and ("matrix_unit", "mac") not in costs
    assert ("generation_unit", "mac") not in costs


def test_generation_unit_and_matrix_unit_entries():
    arch = load_arch(GEN, {"chip.activation_matmul": {
        "unit": "matrix_unit", "matrix_unit": {"macs_per_cycle": 64, "energy_per_mac": "0.5 pJ"}}})
    costs = costed_actions(arch)
    assert costs[("generation_unit", "mac")] == (approx(0.15e-12, rel=REL), "spec")
    assert costs[("matrix_unit", "mac")] == (approx(0.5e-12, rel=REL), "spec")
    basis = arch.generation.basis_buffer
    assert costs[("basis_buffer", "read_bytes")] == (basis.read_energy, "spec")
    assert costs[("basis_buffer", "write_bytes")] == (basis.write_energy, "spec")
    assert (basis.read_energy, basis.write_energy) == (approx(0.8e-12), approx(1e-12))


def test_every_component_has_its_category():
    assert CATEGORY == {
        "dac": "analog compute", "crossbar": "analog compute", "sample_hold": "conversion",
        "adc": "conversion", "shift_add": "digital", "vector_unit": "digital", "matrix_unit": "digital",
        "interconnect": "interconnect", "generation_unit": "generation",
        "gradient_unit": "digital", "accumulator": "digital"}
    arch = load_arch(GEN, {"chip.activation_matmul": {
        "unit": "matrix_unit", "matrix_unit": {"macs_per_cycle": 64, "energy_per_mac": "0.5 pJ"}}})
    devices, levels = arch.devices, memory_names(arch)
    assert levels == {"local_buffer", "global_buffer", "dram", "basis_buffer"}
    for (component, action) in costed_actions(arch):
        if component in devices:
            expected = ("analog compute" if action in ("read", "devices_written", "write_erase")
                        else "programming")
        else:
            expected = "memory" if component in levels else CATEGORY[component]
        assert category_of(component, action, "inference", devices, levels) == expected, (component, action)
        assert category_of(component, action, "static", devices, levels) == "static"


@pytest.mark.parametrize("phase, action, expected", [
    ("inference", "read", "analog compute"), ("forward", "read", "analog compute"),
    ("program", "read", "programming"), ("update", "read", "programming"),
    ("inference", "set_pulse", "programming"), ("inference", "reset_pulse", "programming"),
    ("program", "set_pulse", "programming"), ("static", "read", "static")])
def test_device_categories_by_phase_and_action(phase, action, expected):
    arch = load_arch(HIC)
    devices, levels = arch.devices, memory_names(arch)
    assert category_of("pcm_bin", action, phase, devices, levels) == expected
    assert category_of("router", "op", phase, devices, levels) == ("static" if phase == "static" else "other")
    assert category_of("dram", "read_bytes", phase, devices, levels) == (
        "static" if phase == "static" else "memory")


def test_static_power_by_hand():
    power, source = static_power(load_arch(GEN))
    # CACTI's subthreshold + gate leakage: 64 KiB per tile x 64 tiles, 4 MiB, 128 KiB
    assert power == {"local_buffer": approx(64 * leakage(LOCAL), rel=REL),
                     "global_buffer": approx(leakage(GLOBAL), rel=REL),
                     "basis_buffer": approx(leakage(BASIS), rel=REL)}
    assert source == dict.fromkeys(power, SRAM_LEAK)


def test_static_power_of_fixed_parts_per_tile_and_per_chip():
    arch = load_arch(ROOT / "arch_specs" / "isaac.yaml")
    power, source = static_power(arch)
    for name, part in arch.fixed.items():
        per = arch.chip.tiles if part.per == "tile" else 1
        assert power[name] == approx(part.power * part.count * per, rel=REL)
        assert source[name] == part.source
    assert power["hypertransport"] == approx(10.4, rel=REL)  # 4 links, per chip
    assert power["router"] == approx(1.764, rel=REL)  # 168 tiles x 0.25 x 42 mW


def test_area_by_hand():
    area, source, missing = area_breakdown(load_arch(GEN))
    # crossbar: 0.05 um^2 x 256 x 256 cells x 8 crossbars x 64 tiles
    assert area["crossbar"] == approx(0.05e-12 * 65536 * 512, rel=REL)
    # SRAM: CACTI's height x width: 64 KiB x 64 tiles, 4 MiB, 128 KiB
    assert area["local_buffer"] == approx(64 * area_of(LOCAL), rel=REL)
    assert area["global_buffer"] == approx(area_of(GLOBAL), rel=REL)
    assert area["basis_buffer"] == approx(area_of(BASIS), rel=REL)
    # 32 ADCs per crossbar x 512 crossbars, the survey regression at 8 b, 1 GS/s, 45 nm
    assert area["adc"] == approx(16384 * 2.98923e-9, rel=1e-5)
    # 256 one-bit DACs per crossbar: ISAAC's 0.00017 mm^2 / 1024 each, x (45 / 32)^2
    assert area["dac"] == approx(256 * 512 * 0.00017e-6 / 1024 * (45 / 32) ** 2, rel=REL)
    assert source == {"crossbar": "spec", "adc": "model: Murmann survey area regression (Accelergy ADC plug-in)",
                      "dac": "model: ISAAC Table I 1-bit DAC area x 2^(bits-1), node^2-scaled",
                      "local_buffer": SRAM_AREA, "global_buffer": SRAM_AREA, "basis_buffer": SRAM_AREA}
    assert missing == ["sample_hold", "shift_add", "vector_unit", "generation_unit"]
    total, none = chip_area(load_arch(GEN))
    assert total == approx(sum(area.values()), rel=REL) and none == missing


def test_area_of_every_part_given_in_the_spec():
    # isaac.yaml: 168 tiles x 96 crossbars of 128 x 128, one DAC per row, one ADC per crossbar
    area, source, missing = area_breakdown(load_arch(ROOT / "arch_specs" / "isaac.yaml"))
    xbars = 168 * 96
    assert missing == []
    assert area["crossbar"] == approx(0.00152587890625e-12 * 128 * 128 * xbars, rel=REL)
    assert area["dac"] == approx(0.166015625e-12 * 128 * xbars, rel=REL)
    assert area["adc"] == approx(1200e-12 * xbars, rel=REL)
    assert area["sample_hold"] == approx(0.0390625e-12 * 128 * xbars, rel=REL)
    assert area["shift_add"] == approx(30e-12 * xbars, rel=REL)
    assert area["local_buffer"] == approx(0.083e-6 * 168, rel=REL)
    assert area["router"] == approx(0.151e-6 * 0.25 * 168, rel=REL)
    assert area["hypertransport"] == approx(22.88e-6, rel=REL)  # per chip
    assert source["adc"] == source["crossbar"] == "spec"
    assert source["router"] == "ISAAC Table I (shared by 4 tiles)"


def test_area_of_tile_logic_and_runtime_crossbars():
    arch = load_arch(HIC, {"tile.area": "0.5 mm^2", "chip.activation_matmul": {
        "unit": "crossbars", "crossbars": {"crossbars": 16}}})
    area, _, _ = area_breakdown(arch)
    assert area["tile_logic"] == approx(0.5e-6 * 64, rel=REL)
    assert area["runtime_crossbars"] == approx(0.05e-12 * 65536 * 16, rel=REL)
    given = load_arch(HIC, {"tile.crossbar.area": "1000 um^2", "chip.activation_matmul": {
        "unit": "matrix_unit", "matrix_unit": {"macs_per_cycle": 64, "energy_per_mac": "0.5 pJ",
                                               "area": "0.2 mm^2"}}})
    area, _, _ = area_breakdown(given)
    assert area["crossbar"] == approx(1000e-12 * 512, rel=REL)
    assert area["matrix_unit"] == approx(0.2e-6, rel=REL)


def test_peak_by_hand():
    arch = load_arch(HIC)
    pk = peak(arch, cost_table(arch))
    # 512 crossbars, one 1-bit slice per 100 ns read (32 columns per ADC... 8 per ADC x 1 ns
    # conversions = 8 ns, under the read), 8 slices per 8-bit MVM; 256 rows x 25 weights per row
    # (10 columns per HIC weight: 250 of 256 columns): 2 x 256 x 25 x 512 / 100 ns / 8
    assert pk.slice_time_s == approx(100e-9, rel=REL)
    assert pk.ops_per_s == approx(2 * 256 * 25 * 512 / 100e-9 / 8, rel=REL)
    slices = 512 / 100e-9
    assert pk.dynamic_W == {
        "dac": approx(256 * slices * 0.390625e-12 * 45 / 32, rel=REL),
        "crossbar": approx((256 + 250) * slices * 2.048e-15, rel=REL),
        "sample_hold": approx(250 * slices * 0.98e-15, rel=REL),
        "adc": approx(250 * slices * 6.395251e-13, rel=1e-6),
        "shift_add": approx(250 * slices * 0.1e-12, rel=REL),
        "local_buffer": approx(256 / 8 * slices * 0.8e-12, rel=REL),
        # devices read per slice: 256 rows x 25 weights x 2 (differential) x 4 binary / 1 ML
        "pcm_bin": approx(256 * 25 * 8 * slices * 0.04 * 6.325e-6 * 50e-9, rel=REL),
        "pcm_ml": approx(256 * 25 * 2 * slices * 0.04 * 6.25e-6 * 50e-9, rel=REL)}
    assert pk.power_W == approx(sum(pk.dynamic_W.values()) + 64 * leakage(LOCAL) + leakage(GLOBAL), rel=REL)


def test_area_of_one_vector_unit_and_one_generation_unit():
    arch = load_arch(GEN, {"chip.vector_unit.area": "0.1 mm^2", "generation.area": "0.2 mm^2"})
    area, source, missing = area_breakdown(arch)
    assert (area["vector_unit"], area["generation_unit"]) == (approx(0.1e-6), approx(0.2e-6))
    assert source["vector_unit"] == source["generation_unit"] == "spec"
    assert "vector_unit" not in missing and "generation_unit" not in missing


def test_peak_with_dac_rounds_dac_latency_multibit_dacs_and_an_adc_bank():
    # 64 DACs for 256 rows: 4 rounds of (100 + 10) ns reads = 440 ns; a bank of 4 ADCs per tile
    # converts 250 columns x 8 crossbars / 4 = 500 conversions of 1 ns: 500 ns per slice binds.
    # 2-bit DACs: 8-bit inputs in 4 slices; the tile buffer gives 256 rows x 2 bits / 8 per slice.
    from hicsim.costs import peak_rates
    arch = load_arch(HIC, {"tile.dac": {"bits": 2, "count": 64, "latency": "10 ns"},
                           "tile.adc": {"bits": 8, "rated_bits": 8, "count": 4, "sample_rate": "1 GHz"}})
    ops, slice_time, rates = peak_rates(arch)
    slices = 512 / 500e-9  # slices per second over the chip's 512 crossbars
    assert slice_time == approx(500e-9)
    assert ops == approx(2 * 256 * 25 * slices / 4)
    assert rates[("adc", "convert")] == approx(250 * slices)
    assert rates[("local_buffer", "read_bytes")] == approx(256 * 2 / 8 * slices)


def test_peak_with_conversion_binding_per_crossbar_adcs():
    # 50 MS/s: 20 ns per conversion, ceil(250 / 32 ADCs) = 8 each: 160 ns per slice
    from hicsim.costs import peak_rates
    ops, slice_time, rates = peak_rates(load_arch(HIC, {"tile.adc.sample_rate": "50 MHz"}))
    assert slice_time == approx(160e-9)
    assert rates[("sample_hold", "sample")] == approx(250 * 512 / 160e-9)


def test_peak_counts_the_offset_reference_column():
    # isaac_like: 15 weights x 8 columns + 1 reference column = 121 columns converted per slice
    from hicsim.costs import peak_rates
    _, slice_time, rates = peak_rates(load_arch(ROOT / "arch_specs" / "isaac_like.yaml"))
    per_slice = rates[("crossbar", "wordline_charge")] / 128  # rows x slice rate
    assert rates[("adc", "convert")] == approx(121 * per_slice)
    assert rates[("crossbar", "bitline_charge")] == approx(121 * per_slice)


def test_peak_read_bound_with_dac_rounds_and_latency():
    # 64 DACs for 256 rows: 4 rounds of (100 + 10) ns = 440 ns per slice, over the 8 ns of
    # conversions (8 columns per ADC at 1 ns)
    import dataclasses
    arch = load_arch(HIC, {"tile.dac": {"bits": 1, "count": 64, "latency": "10 ns"}})
    pk = peak(arch, cost_table(arch))
    assert pk.slice_time_s == approx(440e-9)
    assert pk.ops_per_s == approx(2 * 256 * 25 * 512 / 440e-9 / 8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pk.ops_per_s = 0


def test_layer_device_reads_from_weight_statistics():
    # weight_fraction 0.2, differential: mean share 0.1 above the low state.
    # pcm_ml G = 2.5 uS -> 0.04 x 2.5e-6 x 50e-9 = 5 fJ; pcm_bin G = 0.1 + 24.9 x 0.1 = 2.59 uS
    from hicsim.costs import layer_device_reads
    from hicsim.workload import Workload
    from hicsim.workload.operand_stats import OperandStats
    from conftest import SMALL_NET
    net = Workload.model_validate(SMALL_NET)
    stats = OperandStats(input_bits=8, signed=False, scale=1.0, input_density=1.0,
                         histogram=[0] * 255 + [1], weight_fraction=0.2)
    no_fraction = stats.model_copy(update={"weight_fraction": None})
    net = net.model_copy(update={"layers": [
        l.model_copy(update={"stats": stats if l.name == "conv2" else no_fraction if l.name == "fc" else None})
        for l in net.layers]})
    label = "model: V^2 G t, G from the layer's weight statistics"
    arch = load_arch(HIC)
    assert layer_device_reads(arch, net) == {("conv2", "pcm_ml"): (approx(5e-15), label),
                                             ("conv2", "pcm_bin"): (approx(5.18e-15), label)}
    given = load_arch(HIC, {"devices.pcm_ml.read_energy": "7 fJ"})  # a given energy is kept
    assert layer_device_reads(given, net) == {("conv2", "pcm_bin"): (approx(5.18e-15), label)}
