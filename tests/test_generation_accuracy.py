"""Accuracy with generated weights: the framework-free driver against hand-made callbacks, the
digits example end to end (numpy training), and the CIFAR-10 ResNet-18 script on synthetic
arrays of CIFAR-10's shape (PyTorch)."""

import runpy

import numpy as np
import pytest

from conftest import ROOT
from hicsim.generation.accuracy import (accuracy_text, accuracy_with_generation,
                                        generated_weights, plan_layers, tuple_specs)
from hicsim.workload.layers import Conv2d, Linear

SPEC = ROOT / "arch_specs" / "hic_pcm_generation.yaml"
LAYERS = [Conv2d(name="conv", op="conv2d", in_channels=4, out_channels=8, kernel=3, padding=1,
                 input_hw=(4, 4), batch_norm_channels=8),
          Linear(name="fc", op="linear", in_features=8, out_features=3, bias=True)]


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return {"conv": rng.standard_normal((8, 4, 3, 3)), "fc": rng.standard_normal((3, 8))}


def _error(got, want) -> float:
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


def test_driver_evaluates_the_generated_weights_and_reports_fits():
    trained = _weights()
    specs = tuple_specs(SPEC, [(2, 4, 8, 8, 8)])
    seen = []

    def evaluate(weights):  # an "accuracy" that says how close the conv weights are
        seen.append(weights)
        return 1.0 if weights is None else 1.0 - _error(weights["conv"], trained["conv"])

    acc, fits = accuracy_with_generation(trained, LAYERS, specs, evaluate)
    plans = plan_layers(LAYERS, specs["(2, 4, 8, 8, 8)"], 8)
    want, want_fits = generated_weights(trained, plans)
    assert seen[0] is None and np.array_equal(seen[1]["conv"], want["conv"])
    row = acc.iloc[0]
    assert row["trained_accuracy"] == 1.0
    assert row["generated_accuracy"] == pytest.approx(1.0 - want_fits["conv"].relative_error)
    assert (row["generated_layers"], row["layers"]) == (1, 2)  # the classifier stays direct
    assert list(fits["layer"]) == ["conv", "fc"] and list(fits["levels"]) == ["intra+cross", "direct"]
    assert fits["relative_error"].iloc[0] == pytest.approx(want_fits["conv"].relative_error)
    assert "fine_tuned_accuracy" not in acc


def test_fine_tune_gets_a_projection_for_its_tuple():
    trained = _weights()
    specs = tuple_specs(SPEC, [(2, 4, 8, 8, 8), (1, 2, 4, 4, 4)])
    projected = []

    def fine_tune(project):
        once = project(trained)
        projected.append((once, project(once)))  # the last projection: of generated weights
        return 0.5

    acc, fits = accuracy_with_generation(trained, LAYERS, specs, lambda w: 0.9, fine_tune=fine_tune)
    assert list(acc["fine_tuned_accuracy"]) == [0.5, 0.5]
    for (once, _), spec in zip(projected, specs.values()):
        want, _ = generated_weights(trained, plan_layers(LAYERS, spec, 8))
        assert all(np.array_equal(once[name], want[name]) for name in want)
    for (once, _), (label, spec) in zip(projected, specs.items()):
        _, last = generated_weights(once, plan_layers(LAYERS, spec, 8))
        rows = fits[fits["tuple"] == label].set_index("layer")
        assert rows.loc["conv", "fine_tuned_error"] == pytest.approx(last["conv"].relative_error)
    text = accuracy_text(acc, fits)
    assert "(1, 2, 4, 4, 4)" in text and "fine-tuned" in text


def test_digits_example_prints_accuracy_per_tuple(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "generation_accuracy.py"))
    module["main"](["--epochs", "1", "--width", "0.25", "--fine-tune", "1", "--iterations", "2"])
    out = capsys.readouterr().out
    assert "(2, 44, 3, 6, 3)" in out and "(1, 25, 4, 6, 6)" in out
    assert "stage3.block1.conv2" in out


@pytest.mark.slow
def test_cifar10_resnet18_script_on_synthetic_arrays(tmp_path, capsys):
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    data = tmp_path / "cifar_like.npz"
    np.savez(data, x_train=rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8),
             y_train=rng.integers(0, 10, 64), x_test=rng.integers(0, 256, (32, 32, 32, 3),
                                                                  dtype=np.uint8),
             y_test=rng.integers(0, 10, 32))
    module = runpy.run_path(str(ROOT / "examples" / "generation_cifar10_resnet18.py"))
    checkpoint = tmp_path / "r18.pt"
    argv = ["--data", str(data), "--epochs", "1", "--batch", "32", "--iterations", "2",
            "--tuple", "2,44,3,6,3", "--checkpoint", str(checkpoint)]
    module["main"](argv)
    out = capsys.readouterr().out
    assert checkpoint.is_file() and "(2, 44, 3, 6, 3)" in out and "layer4.1.conv2" in out
    module["main"](argv + ["--recalibrate", "1"])  # loads the checkpoint, trains nothing
    assert "epoch 1/1" not in capsys.readouterr().out
