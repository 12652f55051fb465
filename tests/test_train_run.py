"""Training runs: the HIC path with ideal devices follows FP32, a short run reaches a stated
accuracy, wear counters agree with the rates, resume is bit-identical, bad input exits 2."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hicsim.cli import main
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.spec import load_arch
from hicsim.spec.errors import InputError
from hicsim.train.data import Dataset, load_dataset
from hicsim.train.run import RunConfig, TrainingRun
from hicsim.train.wear import rates_file, training_wear
from hicsim.workload.rates import load_rates

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
CONFIG = RunConfig(model="cnn", dataset="digits", rule="hic", width=0.5, epochs=1, seed=3,
                   batch=32, lr=0.1, momentum=0.0)


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset("digits")


@pytest.fixture(scope="module")
def small_digits(digits) -> Dataset:
    return Dataset("digits", digits.x_train[:320], digits.y_train[:320], digits.x_test[:160],
                   digits.y_test[:160], 10)


def ideal_arch(levels: int):
    """Noise-free, drift-free devices with ``levels`` levels; wide ADC, rounding to nearest."""
    base = {"devices.pcm_ml.levels": levels, "tile.adc.bits": 20, "tile.accumulator.bits": 16,
            "tile.accumulator.rounding": "nearest"}
    return load_arch(HIC, {**base, **ideal_device_overrides(load_arch(HIC, base))})


def test_hic_with_ideal_devices_follows_fp32(small_digits):
    # lr small enough that no update exceeds the HIC accumulator's +-2 device steps per batch
    config = replace(CONFIG, model="mlp", lr=0.01)
    arch = ideal_arch(64)
    runs = {}
    for rule in ("hic", "fp32"):
        runs[rule] = TrainingRun(replace(config, rule=rule), arch, small_digits)
        runs[rule].train_epoch(progress=False)
    for hic, fp in zip(runs["hic"].weight_layers, runs["fp32"].weight_layers):
        w_hic, w_fp = hic.store.effective_weights(), fp.store.effective_weights()
        assert np.linalg.norm(w_hic - w_fp) / np.linalg.norm(w_fp) < 0.01, hic.name
    x = small_digits.x_test
    p_hic = runs["hic"].model.forward(x, train=False)
    p_fp = runs["fp32"].model.forward(x, train=False)
    assert np.mean(p_hic.argmax(1) == p_fp.argmax(1)) > 0.97


def test_short_cnn_run_on_digits_reaches_stated_accuracy(digits):
    """Three HIC epochs of the CNN with seed 0 reach 75 % test accuracy (measured 0.7917; the
    first three epochs of the README's run)."""
    run = TrainingRun(replace(CONFIG, width=1.0, seed=0, epochs=3), load_arch(HIC), digits)
    while not run.done:
        run.train_epoch(progress=False)
    assert run.history[-1]["test_accuracy"] >= 0.75


def test_wear_counters_and_rates_agree(small_digits):
    run = TrainingRun(CONFIG, load_arch(HIC), small_digits)
    run.train_epoch(progress=False)
    rates = rates_file(run, "test")
    wear = training_wear(run)
    assert run.steps == 10
    for layer in run.weight_layers:
        r, counts = rates.per_layer[layer.name], wear[layer.name]
        assert r.set_pulses * run.steps == pytest.approx(counts["multilevel.set_pulses"].sum())
        assert r.reset_pulses * run.steps == pytest.approx(counts["multilevel.reset_pulses"].sum())
        assert r.binary_set_pulses * run.steps == pytest.approx(counts["binary.set_pulses"].sum())
        assert r.binary_reset_pulses * run.steps == pytest.approx(counts["binary.reset_pulses"].sum())
        assert r.max_device_write_erase * run.steps == counts["multilevel.write_erase_cycles"].max()
        assert r.binary_max_device_write_erase * run.steps == counts["binary.write_erase_cycles"].max()
    weights = sum(l.weight_count for l in run.weight_layers)
    total = sum(r.set_pulses for r in rates.per_layer.values())
    assert rates.per_weight.set_pulses * weights == pytest.approx(total)
    assert total > 0


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(small_digits, tmp_path):
    arch = load_arch(HIC)
    config = replace(CONFIG, epochs=2, momentum=0.5)
    straight = TrainingRun(config, arch, small_digits)
    straight.train_epoch(False)
    straight.train_epoch(False)
    first = TrainingRun(config, arch, small_digits)
    first.train_epoch(False)
    first.save(tmp_path / "c.npz")
    resumed = TrainingRun(config, arch, small_digits)
    resumed.restore(tmp_path / "c.npz")
    resumed.train_epoch(False)
    assert resumed.history == [{**h, "seconds": r["seconds"]} for h, r in
                               zip(straight.history, resumed.history)]
    for a, b in zip(straight.model.state().items(), resumed.model.state().items()):
        assert a[0] == b[0]
        np.testing.assert_array_equal(a[1], b[1], err_msg=a[0])


def test_cli_writes_tables_and_rates_and_resumes(tmp_path, capsys):
    out = tmp_path / "out"
    args = [str(HIC), "--model", "mlp", "--epochs", "1", "--width", "0.25", "--out", str(out),
            "--no-progress", "--baseline"]
    assert main(["train", *args]) == 0
    for name in ("accuracy.csv", "drift.csv", "model_size.csv", "wear.csv", "wear_histogram.csv",
                 "final.csv", "summary.txt", "rates.yaml"):
        assert (out / name).is_file(), name
    rates = load_rates(out / "rates.yaml")
    assert rates.batch == 32 and rates.source.startswith("hicsim train ")
    assert set(rates.per_layer) == {"fc1", "fc2", "fc3"}
    assert main(["train", *args]) == 2  # checkpoints exist: must say --resume
    assert "--resume" in capsys.readouterr().err
    assert main(["train", *args[:4], "2", *args[5:], "--resume"]) == 0
    assert "epoch   2/2" in capsys.readouterr().out


@pytest.mark.parametrize("extra,message", [
    (["--model", "vgg"], "unknown model"),
    (["--dataset", "imagenet"], "unknown dataset"),
    (["--dataset", "missing.npz"], "no such file"),
    (["--width", "a,b"], "--width"),
    (["--set", "tile.accumulator=null"], "tile.accumulator"),
])
def test_bad_input_exits_2(tmp_path, capsys, extra, message):
    args = ["train", str(HIC), "--model", "mlp", "--out", str(tmp_path / "o"), "--no-progress"]
    assert main(args + extra) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("arrays,message", [
    (dict(x_train=np.zeros((4, 8, 8)), y_train=np.array([0, 1, 0, 1]), x_test=np.zeros((2, 8, 8))),
     "missing arrays: y_test"),
    (dict(x_train=np.zeros((4, 8, 8)), y_train=np.array([0, 1, 0]), x_test=np.zeros((2, 8, 8)),
          y_test=np.array([0, 1])), "one per image"),
    (dict(x_train=np.zeros((4, 8, 8)), y_train=np.array([0, 1, 0, -1]), x_test=np.zeros((2, 8, 8)),
          y_test=np.array([0, 1])), "out of range"),
    (dict(x_train=np.zeros((4, 8, 8)), y_train=np.array([0, 1, 0, 1]), x_test=np.zeros((2, 6, 6)),
          y_test=np.array([0, 1])), "image shapes differ"),
])
def test_bad_npz_exits_2(tmp_path, capsys, arrays, message):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    args = ["train", str(HIC), "--model", "mlp", "--dataset", str(path), "--out",
            str(tmp_path / "o"), "--no-progress"]
    assert main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("rule", ["hic", "mixed_precision_closed_loop", "stochastic_pulse",
                                  "mixed_precision"])
def test_resnet_trains_with_every_device_rule(small_digits, rule):
    arch = load_arch("arch_specs/pcm_multilevel.yaml" if rule == "mixed_precision" else HIC)
    run = TrainingRun(replace(CONFIG, model="resnet", rule=rule, width=0.25), arch, small_digits)
    run.train_epoch(progress=False)
    assert np.isfinite(run.history[-1]["train_loss"])
    assert [l.name for l in run.weight_layers][:2] == ["conv1", "stage1.block1.conv1"]
    assert run.history[-1]["weights_programmed"] > 0


def test_time_passes_during_training(small_digits):
    """Each step advances every crossbar's clock by the step time; devices programmed during
    training carry the step at which they were programmed."""
    run = TrainingRun(replace(CONFIG, step_time=0.25), load_arch(HIC), small_digits)
    run.train_epoch(progress=False)
    assert run.steps == 10
    for layer in run.weight_layers:
        assert layer.store.t_now == 2.5
        t_prog = layer.store.state.t_prog
        assert set(np.unique(t_prog)) <= {0.25 * k for k in range(10)}
        assert t_prog.max() > 0  # some devices were programmed after the first step


def test_step_time_auto_is_the_engines_training_step(small_digits):
    """The cnn's training workload (conv, pool, conv, pool, fc) with the shipped per-weight rates;
    its simulated step is what ``auto`` takes, and it grows with the batch."""
    from hicsim.train.models import build_model
    from hicsim.train.step_time import simulated_step_time, training_workload
    arch = load_arch(HIC)
    model = build_model("cnn", small_digits.input_shape, 10, 1.0, arch, "hic", 0)
    rates = ROOT / "workloads" / "rates" / "hic_pcm.yaml"
    w = training_workload(model, small_digits.input_shape, 32, rates, "cnn")
    assert [l.op for l in w.layers] == ["conv2d", "pool", "conv2d", "pool", "linear"]
    assert [l.weights for l in w.weighted_layers] == [1 * 9 * 16, 16 * 9 * 32, 32 * 2 * 2 * 10]
    assert w.phase == "training" and w.layers[2].input_hw == (4, 4)
    per_weight = load_rates(rates).per_weight.set_pulses
    assert w.layers[0].programming.set_pulses == pytest.approx(per_weight * 144)
    step = simulated_step_time(arch, model, small_digits.input_shape, 32, rates, "cnn")
    assert 0 < step < simulated_step_time(arch, model, small_digits.input_shape, 64, rates, "cnn")


@pytest.mark.parametrize("value", ["-1", "soon", "inf", "nan"])
def test_bad_step_time_is_an_input_error(tmp_path, capsys, value):
    args = ["train", str(HIC), "--model", "mlp", "--out", str(tmp_path / "o"), "--no-progress",
            "--step-time", value]
    assert main(args) == 2
    assert "--step-time" in capsys.readouterr().err


def test_training_time_is_planned_from_a_timed_batch_and_bounded(tmp_path, capsys, monkeypatch):
    from hicsim.train import time_plan
    from hicsim.train.data import load_dataset
    data = load_dataset("digits")
    configs = [RunConfig("mlp", "digits", r, 0.25, 3, 0, 32, 0.1, 0.0) for r in ("hic", "fp32")]
    monkeypatch.setattr(time_plan, "seconds_per_sample", lambda c, a, d: (2e-3, 5e-4))
    planned = 2 * 3 * (2e-3 * len(data.x_train) + 5e-4 * len(data.x_test))
    assert time_plan.check_time(configs, None, data, 1.0, say=False) == pytest.approx(planned)
    with pytest.raises(InputError, match="max_hours"):
        time_plan.check_time(configs, None, data, planned / 3600 * 0.99)
    monkeypatch.undo()
    # The CLI: refused before any epoch, naming the option; the real timing runs on one batch.
    out = tmp_path / "o"
    args = ["train", str(HIC), "--model", "mlp", "--epochs", "2", "--width", "0.25",
            "--out", str(out), "--no-progress"]
    assert main(args + ["--max-hours", "1e-9"]) == 2
    err = capsys.readouterr().err
    assert "--max-hours" in err and f"1 run(s) x 2 epoch(s) x {len(data.x_train):,} samples" in err
    assert not (out / "runs").exists()
    assert main(args + ["--epochs", "1"]) == 0
    assert f"hicsim train: 1 run(s) x 1 epoch(s) x {len(data.x_train):,} samples: about" in \
        capsys.readouterr().err
