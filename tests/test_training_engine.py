"""A training step in the engine: phases, programming at given rates, accumulator, transposed read."""

import pytest

from hicsim import simulate
from hicsim.spec import InputError, load_arch
from hicsim.workload import Workload
from hicsim.workload.rates import RatesFile, with_rates
from conftest import ROOT, SMALL_NET

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
RATES = dict(set_pulses=0.05, reset_pulses=0.002, binary_set_pulses=0.001,
             binary_reset_pulses=0.001, max_device_write_erase=0.01)


def training(scale=1.0, batch=4, dataset_size=1000):
    rates = RatesFile(version=1, source="by hand (test)", batch=batch,
                      per_weight={k: v * scale for k, v in RATES.items()})
    net = Workload.model_validate({**SMALL_NET, "batch": batch, "dataset_size": dataset_size})
    return with_rates(net, rates)


def programming(r):
    return r.actions[r.actions.category == "programming"]


def test_a_training_workload_without_rates_is_an_error():
    with pytest.raises(ValueError, match="needs programming rates for every weighted layer"):
        Workload.model_validate({**SMALL_NET, "phase": "training"})


def test_phase_energies_sum_to_the_total_and_spans_fit_the_step():
    r = simulate(HIC, training())
    assert list(r.phases["phase"]) == ["forward", "backward", "gradient", "update"]
    # the phases' dynamic energy plus static power x step time is the total
    assert r.phases["energy_J"].sum() + r.summary["energy_static_J"] == pytest.approx(r.energy_J, rel=1e-12)
    assert r.summary["energy_static_J"] == pytest.approx(r.summary["static_power_W"] * r.latency_s, rel=1e-12)
    assert r.energy_by("phase")["energy_J"].sum() == pytest.approx(r.energy_J, rel=1e-12)
    assert (r.phases["end_cycle"] <= r.cycles).all()
    update = r.phases.set_index("phase").loc["update"]
    assert update["start_cycle"] >= r.phases.set_index("phase").loc["backward", "end_cycle"]
    assert r.cycles >= r.units["busy_cycles"].max()
    t = r.summary["training"]
    assert t["steps_per_epoch"] == 250
    assert t["epoch_energy_J"] == pytest.approx(250 * r.energy_J)
    assert t["epoch_latency_s"] == pytest.approx(250 * r.latency_s)


def test_zero_programming_costs_nothing_and_takes_no_time():
    zero, some = simulate(HIC, training(scale=0.0)), simulate(HIC, training())
    assert programming(zero)["energy_J"].sum() == 0
    assert zero.summary["training"]["programming_pulses_per_step"] == 0
    assert programming(some)["energy_J"].sum() > 0
    span = lambda r: r.phases.set_index("phase").loc["update"]  # noqa: E731
    assert (span(zero)["end_cycle"] - span(zero)["start_cycle"]) < \
           (span(some)["end_cycle"] - span(some)["start_cycle"])


def test_doubling_the_rates_adds_exactly_the_programming_cost():
    one, two = simulate(HIC, training(1.0)), simulate(HIC, training(2.0))
    e1, e2 = programming(one)["energy_J"].sum(), programming(two)["energy_J"].sum()
    assert e2 == pytest.approx(2 * e1, rel=1e-12)
    # dynamic energy grows by exactly the pulses; static energy by the longer step's leakage
    dyn = two.summary["energy_dynamic_J"] - one.summary["energy_dynamic_J"]
    assert dyn == pytest.approx(e1, rel=1e-9)
    assert two.energy_J - one.energy_J - dyn == pytest.approx(
        one.summary["static_power_W"] * (two.latency_s - one.latency_s), rel=1e-9)
    assert two.cycles >= one.cycles


def test_pulse_counts_follow_the_rates_and_the_representation():
    arch = load_arch(HIC)
    wl = training()
    r = simulate(arch, wl)
    upd = r.actions[r.actions.phase == "update"].groupby(["layer", "component", "action"])["count"].sum()
    conv2 = wl.layers[1]
    replicas = r.mapping.set_index("layer").loc["conv2", "replicas"]
    verify = arch.devices["pcm_ml"].verify_iterations
    p = conv2.programming
    assert upd[("conv2", "pcm_ml", "set_pulse")] == pytest.approx(replicas * p.set_pulses)
    assert upd[("conv2", "pcm_ml", "read")] == pytest.approx(replicas * p.reset_pulses * verify)
    assert upd[("conv2", "pcm_ml", "write_erase")] == pytest.approx(replicas * p.reset_pulses)
    assert upd[("conv2", "pcm_bin", "reset_pulse")] == pytest.approx(replicas * p.binary_reset_pulses)


@pytest.mark.parametrize("location", ["local_buffer", "global_buffer"])
def test_accumulator_traffic_scales_with_bits_per_weight(location):
    traffic = {}
    for bits in (8, 16, 32):
        r = simulate(load_arch(HIC, {"tile.accumulator.bits": bits,
                                     "tile.accumulator.location": location}), training())
        upd = r.actions[(r.actions.phase == "update") & (r.actions.component == location)]
        traffic[bits] = upd["count"].sum()
    weights = training().total_weights
    assert traffic[8] == 2 * weights  # read + write, one byte each
    assert traffic[16] == 2 * traffic[8] and traffic[32] == 4 * traffic[8]


def test_transposed_read_uses_the_named_peripherals():
    runs = {mode: simulate(load_arch(HIC, {"training.backward": mode}), training())
            for mode in ("shared", "separate", "digital")}
    kinds = {mode: set(r.units[r.units.busy_cycles > 0]["kind"]) for mode, r in runs.items()}
    assert "transposed_periphery" in kinds["separate"]
    assert "transposed_periphery" not in kinds["shared"] | kinds["digital"]
    backward = {mode: r.actions[r.actions.phase == "backward"] for mode, r in runs.items()}
    assert (backward["shared"].component == "adc").any()
    assert (backward["separate"].component == "adc").any()
    assert not (backward["digital"].component == "adc").any()
    assert (backward["digital"].action == "mac").any()
    # the first layer reads the network input: no error is propagated past it
    assert "conv1" not in set(backward["shared"][backward["shared"].component == "adc"].layer)
    # separate peripherals let forward and backward reads overlap
    assert runs["separate"].cycles <= runs["shared"].cycles


def test_lifetime_from_measured_worst_device():
    r = simulate(HIC, training())
    t = r.summary["training"]
    assert t["lifetime_basis"] == "measured"
    assert t["lifetime_steps"] == pytest.approx(1e8 / 0.01)
    assert t["lifetime_epochs"] == pytest.approx(1e8 / 0.01 / 250)


def test_lifetime_names_the_device_kind_whose_peak_limits_it():
    weighted = len(training().weighted_layers)
    t = simulate(HIC, training()).summary["training"]
    # the measured peak is a multi-level device's; binary devices fall back to their layer mean
    assert (t["lifetime_limiting_device"], t["lifetime_limiting_layers"]) == ("pcm_ml", weighted)
    # a binary peak above the multi-level one limits the lifetime instead
    rates = RatesFile(version=1, source="by hand (test)", batch=4,
                      per_weight={**RATES, "binary_max_device_write_erase": 0.04})
    t = simulate(HIC, with_rates(Workload.model_validate({**SMALL_NET, "batch": 4,
                                                          "dataset_size": 1000}), rates)
                 ).summary["training"]
    assert t["lifetime_limiting_device"] == "pcm_bin"
    assert t["lifetime_steps"] == pytest.approx(1e8 / 0.04)


def test_training_needs_the_network_on_chip():
    with pytest.raises(InputError, match="training would re-program every layer"):
        simulate(load_arch(HIC, {"chip.tiles": 1, "tile.crossbars": 2}), training())


def test_activations_kept_in_dram_cost_dram_traffic_both_ways():
    wl = training()
    buffer = simulate(HIC, wl)
    dram = simulate(load_arch(HIC, {"training.activation_store": "dram"}), wl)
    def dram_bytes(r, phase, direction):
        rows = r.actions[(r.actions.phase == phase) & (r.actions.component == "dram")
                         & (r.actions.action == f"{direction}_bytes")]
        return rows["count"].sum()
    kept = sum(l.input_elems for l in wl.weighted_layers) * wl.batch * wl.input_bits // 8
    assert dram_bytes(dram, "forward", "write") - dram_bytes(buffer, "forward", "write") == kept
    assert dram_bytes(dram, "gradient", "read") == kept
    assert dram_bytes(buffer, "gradient", "read") == 0  # the small net's activations fit the buffer
