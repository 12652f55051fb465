"""A device technology added from outside hicsim (``toy_device.py``, registered here) simulates
end to end: the spec accepts it, the engine books what its technology says a write costs, and
the functional model trains on it."""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import toy_device  # noqa: F401  (registers the toy_linear kind)
from hicsim import simulate
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.spec import InputError, load_arch, override_arch
from hicsim.train.data import Dataset, load_dataset
from hicsim.train.run import RunConfig, TrainingRun
from hicsim.workload import Workload

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
TOY_SPEC = {"devices.toy": {"kind": "toy_linear", "g_max": "25 uS", "levels": 16,
                       "set_pulse": {"width": "30 ns", "energy": "2 pJ"},
                       "reset_pulse": {"width": "30 ns", "energy": "2 pJ"}},
       "tile.weights": {"representation": "multilevel", "device": "toy", "sign": "differential"},
       "chip.weight_residency": "streamed"}


def toy(**more):
    """The toy overrides (a fresh copy: an override may edit a section another one set)."""
    return {**copy.deepcopy(TOY_SPEC), **more}

NET = Workload.model_validate({"version": 1, "name": "toy", "batch": 1, "layers": [
    {"name": "fc1", "op": "linear", "in_features": 64, "out_features": 32},
    {"name": "fc2", "op": "linear", "in_features": 32, "out_features": 10}]})


def test_spec_accepts_a_registered_kind_and_checks_its_keys():
    arch = load_arch(HIC, toy())
    assert type(arch.devices["toy"]).__name__ == "ToyLinearCell"
    with pytest.raises(InputError, match=r"devices.toy.levels: .*greater than or equal to 2"):
        load_arch(HIC, toy(**{"devices.toy.levels": 1}))
    with pytest.raises(InputError, match="tile.weights.binary: device 'toy' is toy_linear, "
                                         "expected pcm_binary"):
        load_arch(HIC, {"devices.toy": toy()["devices.toy"], "tile.weights.binary": "toy"})


def test_engine_programs_the_toy_device_as_its_technology_says():
    r = simulate(load_arch(HIC, toy()), NET)
    program = r.actions[r.actions.phase == "program"]
    by = program.groupby(["layer", "component", "action"])["count"].sum().to_dict()
    for layer, weights in (("fc1", 64 * 32), ("fc2", 32 * 10)):
        devices = 2 * weights  # one toy cell per sign side
        assert by[(layer, "toy", "set_pulse")] == devices  # one pulse each, no RESET, no verify
        assert by[(layer, "toy", "devices_written")] == devices
        assert (layer, "toy", "reset_pulse") not in by and (layer, "toy", "read") not in by
    # programming time: devices per crossbar, 64 at a time, 30 cycles (30 ns at 1 GHz) a batch
    time = r.layers.set_index("layer")["programming_cycles"].to_dict()
    assert time["fc1"] == math.ceil(64 * 32 * 2 / 64) * 30  # one crossbar holds fc1
    assert time["fc2"] == math.ceil(32 * 10 * 2 / 64) * 30


@pytest.fixture(scope="module")
def small_digits() -> Dataset:
    d = load_dataset("digits")
    return Dataset("digits", d.x_train[:320], d.y_train[:320], d.x_test[:160], d.y_test[:160], 10)


def test_functional_training_on_the_toy_device_equals_an_ideal_pcm_cell(small_digits):
    """The toy cell is an ideal linear cell: HIC training with it as the multi-level device is
    bit-identical to training on a PCM multi-level cell made ideal (same range and levels, every
    statistic off), and so follows FP32 training (``test_train_run``'s check)."""
    config = RunConfig(model="mlp", dataset="digits", rule="hic", width=0.5, epochs=1, seed=3,
                       batch=32, lr=0.01, momentum=0.0)
    base = {"tile.adc.bits": 20, "tile.accumulator.bits": 16,
            "tile.accumulator.rounding": "nearest", "devices.pcm_ml.levels": 64}
    pcm = load_arch(HIC, base)
    pcm = load_arch(HIC, {**base, **ideal_device_overrides(pcm)})
    toy_arch = override_arch(pcm, {"devices.toy": {**TOY_SPEC["devices.toy"], "levels": 64},
                                   "tile.weights.multilevel": "toy"})
    runs = [TrainingRun(replace(config, rule=rule), arch, small_digits)
            for arch, rule in ((toy_arch, "hic"), (pcm, "hic"), (pcm, "fp32"))]
    for run in runs:
        run.train_epoch(progress=False)
    toy_run, pcm_run, fp32_run = runs
    for a, b in zip(toy_run.weight_layers, pcm_run.weight_layers):
        np.testing.assert_array_equal(a.store.effective_weights(), b.store.effective_weights())
    x = small_digits.x_test
    agree = (toy_run.model.forward(x, train=False).argmax(1)
             == fp32_run.model.forward(x, train=False).argmax(1))
    assert np.mean(agree) > 0.97
