"""The engine on transformer layers: where activation matmuls run and what they cost, vector
functions, KV caches by capacity, decode with interpolated steps against every step simulated,
and the decode figures' arithmetic."""

import math

import pytest

from hicsim import simulate
from hicsim.costs import cost_table
from hicsim.workload import zoo
from hicsim.workload.transformer_layers import activation_macs

MATRIX_UNIT = {"chip.activation_matmul": {"unit": "matrix_unit", "matrix_unit": {
    "macs_per_cycle": 256, "energy_per_mac": "0.2 pJ"}}}


def tiny_gpt(new_tokens=6, simulated=3, prompt=8):
    """GPT-2's structure at 12 heads of 4 (width 1/16), a 100-token vocabulary."""
    w = zoo.build("gpt2_small_decode", width=1 / 16, num_classes=100, input_size=prompt)
    return w.model_copy(update={"decode": w.decode.model_copy(
        update={"new_tokens": new_tokens, "simulated_steps": simulated})})


def tiny_vit():
    return zoo.build("vit_b16_imagenet", width=1 / 16, input_size=64, num_classes=10)


def _count(r, component, action, layers=None):
    a = r.actions
    a = a[(a["component"] == component) & (a["action"] == action)]
    if layers is not None:
        a = a[a["layer"].isin(layers)]
    return a["count"].sum()


def test_activation_matmuls_on_the_matrix_unit_cost_their_macs(hic):
    w = tiny_vit()
    r = simulate(hic, w, MATRIX_UNIT)
    assert _count(r, "matrix_unit", "mac") == activation_macs(w.layers)
    assert _count(r, "vector_unit", "mac") == 0
    busy = r.units.set_index("unit").loc["matrix_unit", "busy_cycles"]
    matmuls = [l for l in w.layers if l.op == "matmul" and not l.weighted]
    assert busy == sum(math.ceil(l.vector_ops / 256) for l in matmuls)
    energy = r.actions[r.actions["component"] == "matrix_unit"]["energy_J"].sum()
    assert energy == pytest.approx(activation_macs(w.layers) * 0.2e-12, rel=1e-12)
    # Without a matrix unit the vector unit does the same MACs.
    r = simulate(hic, w)
    assert _count(r, "vector_unit", "mac") == activation_macs(w.layers)


def test_vector_functions_are_counted_and_priced(hic):
    w = tiny_vit()
    r = simulate(hic, w)
    soft = [l for l in w.layers if l.op == "softmax"]
    assert _count(r, "vector_unit", "exp") == sum(l.output_elems for l in soft)
    gelu = [l for l in w.layers if l.op == "gelu"]
    assert _count(r, "vector_unit", "gelu") == sum(l.tokens * l.features for l in gelu)
    costs = cost_table(hic)
    # fp16 multiply-adds at 1.5 pJ: exp 5 of them, gelu 12, rsqrt 5 (FunctionCosts).
    assert costs[("vector_unit", "exp")] == pytest.approx(5 * 1.5e-12)
    assert costs[("vector_unit", "gelu")] == pytest.approx(12 * 1.5e-12)
    assert costs[("vector_unit", "rsqrt")] == pytest.approx(5 * 1.5e-12)


def test_runtime_crossbars_program_the_right_operand_and_wear(hic):
    w = tiny_vit()
    spec = {"chip.activation_matmul": {"unit": "crossbars", "crossbars": {"crossbars": 4}}}
    r = simulate(hic, w, spec)
    matmuls = [l for l in w.layers if l.op == "matmul" and not l.weighted]
    names = [l.name for l in matmuls]
    # HIC: 4 binary devices + 1 multi-level per value, as a differential pair = 10 per value.
    values = sum(l.heads * l.k * l.n for l in matmuls)
    assert _count(r, "pcm_bin", "devices_written", names) == 8 * values
    assert _count(r, "pcm_ml", "devices_written", names) == 2 * values
    wear = r.summary["transformer"]["wear"]
    assert [x["what"] for x in wear] == [
        "activation matmuls on run-time crossbars (writes rotated evenly)"]
    per_sample = 10 * values / (4 * 256 * 256)
    assert wear[0]["writes_per_device_per_sample"] == pytest.approx(per_sample)
    rate = 1 / r.latency_s
    assert wear[0]["hours_to_endurance"] == pytest.approx(1e8 / (per_sample * rate) / 3600)


def test_kv_caches_go_to_dram_when_the_buffer_is_small(hic):
    w = tiny_gpt()
    big = simulate(hic, w).summary["transformer"]["kv_cache"]
    # 12 blocks x (K and V) x (8 prompt + 6 new tokens) x 48 elements x 1 byte = 672 B each.
    assert big == {"global_buffer": 12 * 2 * 672}
    # Caches take at most half the buffer: 3 fit in half of 4 KiB, none in half of 1 KiB.
    half = simulate(hic, w, {"memory.global_buffer.capacity": "4 KiB"}).summary["transformer"]
    assert half["kv_cache"] == {"dram": 21 * 672, "global_buffer": 3 * 672}
    none = simulate(hic, w, {"memory.global_buffer.capacity": "1 KiB"}).summary["transformer"]
    assert none["kv_cache"] == {"dram": 24 * 672}


def test_interpolated_decode_matches_every_step_simulated(hic):
    every = simulate(hic, tiny_gpt(simulated=None))
    some = simulate(hic, tiny_gpt(simulated=3))
    d_every, d_some = every.summary["transformer"]["decode"], some.summary["transformer"]["decode"]
    assert d_every["simulated_steps"] == 6 and d_some["simulated_steps"] == 3
    assert some.cycles == pytest.approx(every.cycles, rel=1e-3)
    assert some.energy_J == pytest.approx(every.energy_J, rel=1e-3)
    assert d_some["time_to_first_token_s"] == d_every["time_to_first_token_s"]
    assert d_some["interpolation_error"] < 1e-3
    assert some.events < every.events


def test_decode_figures_add_up(hic):
    r = simulate(hic, tiny_gpt())
    d = r.summary["transformer"]["decode"]
    stages = r.stages
    assert list(stages["stage"]) == ["prefill"] + [f"decode {s}" for s in range(1, 7)]
    assert list(stages["simulated"]) == [True, True, False, True, False, False, True]
    assert stages["cycles"].sum() == r.cycles
    decode_s = stages["seconds"][1:].sum()
    assert d["tokens_per_s"] == pytest.approx(6 / decode_s)
    assert d["time_to_first_token_s"] == stages["seconds"][0]
    assert d["prefill_energy_J"] + 6 * d["energy_per_token_J"] == pytest.approx(r.energy_J)
    assert sum(r.summary["transformer"]["energy_by_op_type_J"].values()) == pytest.approx(r.energy_J)
    s = r.summary
    assert s["buffer_bytes_in"] == s["buffer_bytes_out"] + s["buffer_bytes_resident"]


def test_decode_events_grow_with_steps_simulated_not_with_cycles(hic):
    three = simulate(hic, tiny_gpt(new_tokens=6))
    longer = simulate(hic, tiny_gpt(new_tokens=60))
    # Same three steps simulated: about the same events, for ten times the tokens.
    assert longer.events < 1.1 * three.events
    assert longer.cycles > 5 * three.cycles / 2


def test_spec_names_the_unit_it_needs(tmp_path):
    from hicsim.spec import load_arch
    from hicsim.spec.errors import InputError
    from conftest import ROOT
    with pytest.raises(InputError, match="unit: matrix_unit needs a matrix_unit"):
        load_arch(ROOT / "arch_specs" / "hic_pcm.yaml",
                  {"chip.activation_matmul": {"unit": "matrix_unit"}})


def test_units_stay_busy_through_interpolated_steps(hic):
    every = simulate(hic, tiny_gpt(simulated=None)).units.set_index("unit")
    some = simulate(hic, tiny_gpt(simulated=3)).units.set_index("unit")
    for unit in ("vector_unit", "global_buffer", "tile0"):
        # Each operation's cycles are rounded up, so a small unit's busy time moves in steps,
        # not on a line: 12 cycles in 4,123 on the vector unit here.
        assert some.loc[unit, "busy_cycles"] == pytest.approx(every.loc[unit, "busy_cycles"],
                                                              rel=5e-3)
        assert some.loc[unit, "operations"] == every.loc[unit, "operations"]


def test_attention_units_add_their_area(hic):
    from hicsim.costs import chip_area
    base, _ = chip_area(hic)
    with_unit = hic.model_copy(update={"chip": hic.chip.model_copy(update={
        "activation_matmul": hic.chip.activation_matmul.model_validate(
            {"unit": "matrix_unit", "matrix_unit": {"macs_per_cycle": 256,
                                                    "energy_per_mac": "0.2 pJ", "area": "0.5 mm^2"}})})})
    area, missing = chip_area(with_unit)
    assert area - base == pytest.approx(0.5e-6) and "matrix_unit" not in missing
