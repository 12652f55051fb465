"""The seed study (``hicsim.train.seed_study``): its table from hand-made runs, the drift
study's programming count, and the CIFAR-10 example end to end on a synthetic array of
CIFAR-10's shape."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hicsim.spec import load_arch
from hicsim.train.data import Dataset, load_dataset
from hicsim.train.drift import TIMES, drift_table
from hicsim.train.run import RunConfig, TrainingRun
from hicsim.train.seed_study import Grid, collect, markdown_table

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"


def _cell(out: Path, accuracies: dict[str, float], cycles: int) -> None:
    """A finished cell's final.csv and drift.csv (one width 1 run per rule)."""
    out.mkdir(parents=True)
    finals = [dict(rule=r, width=1.0, weights=1000, bits_per_weight=16.0 if r == "hic" else 32.0,
                   megabits=0.016 if r == "hic" else 0.032, test_accuracy=a, steps=45,
                   max_cycles=cycles if r == "hic" else np.nan,
                   endurance_fraction=cycles / 1e8 if r == "hic" else np.nan,
                   lifetime_epochs=np.nan) for r, a in accuracies.items()]
    pd.DataFrame(finals).to_csv(out / "final.csv", index=False)
    drift = [dict(rule=r, width=1.0, time=label, seconds=t, compensation=comp,
                  accuracy=a - (0.0 if comp else 0.1), accuracy_std=np.nan)
             for r, a in accuracies.items() for label, t in TIMES for comp in (False, True)]
    pd.DataFrame(drift).to_csv(out / "drift.csv", index=False)


def test_table_is_mean_and_sample_std_over_seeds(tmp_path):
    grid = Grid(arch="a.yaml", model="resnet32", dataset="digits", widths=(1.0,), seeds=(0, 1, 2),
                epochs=1, batch=32, lr=0.1, momentum=0.0, out=tmp_path)
    _cell(grid.directory(0, 1.0), {"hic": 0.90, "fp32": 0.95}, 40)
    _cell(grid.directory(1, 1.0), {"hic": 0.80, "fp32": 0.97}, 60)
    # seed 2 unfinished: no final.csv, left out
    frame = collect(grid)
    assert len(frame) == 4 and sorted(frame.seed.unique()) == [0, 1]
    lines = markdown_table(frame).splitlines()
    # fp32: 96.0 ± sqrt(2) (sample std of 95 and 97); hic: 85.0 ± 7.1; raw drift 10 points lower
    assert lines[2] == ("| fp32 | 1 | 2 | 96.0 ± 1.4 | 95.0 97.0 | 1,000 | 0.032 (32) "
                        "| 96.0 ± 1.4 / 86.0 ± 1.4 | 96.0 ± 1.4 / 86.0 ± 1.4 "
                        "| 96.0 ± 1.4 / 86.0 ± 1.4 | - | - |")
    assert lines[3] == ("| hic | 1 | 2 | 85.0 ± 7.1 | 90.0 80.0 | 1,000 | 0.016 (16) "
                        "| 85.0 ± 7.1 / 75.0 ± 7.1 | 85.0 ± 7.1 / 75.0 ± 7.1 "
                        "| 85.0 ± 7.1 / 75.0 ± 7.1 | 40-60 | 6e-07 |")


def test_grid_commands_resume_and_spell_every_option(tmp_path):
    grid = Grid(arch="a.yaml", model="resnet32", dataset="digits", widths=(0.5,), seeds=(3,),
                epochs=2, batch=16, lr=0.05, momentum=0.9, out=tmp_path, threads=None,
                drift_programmings=1, overrides=("tile.adc.bits=6",))
    assert grid.command(3, 0.5) == [
        "hicsim", "train", "a.yaml", "--model", "resnet32", "--dataset", "digits", "--epochs", "2",
        "--seed", "3", "--batch", "16", "--lr", "0.05", "--momentum", "0.9", "--baseline",
        "--width", "0.5", "--no-progress", "--drift-programmings", "1",
        "--out", str(tmp_path / "seed3_w0.5"), "--set", "tile.adc.bits=6"]


def test_one_drift_programming_is_the_first_of_three():
    digits = load_dataset("digits")
    data = Dataset("digits", digits.x_train[:64], digits.y_train[:64], digits.x_test[:40],
                   digits.y_test[:40], 10)
    arch = load_arch(HIC)
    run = TrainingRun(RunConfig(model="mlp", dataset="digits", rule="hic", width=0.5, epochs=1,
                                seed=2, batch=32, lr=0.1, momentum=0.0), arch, data)
    run.train_epoch(progress=False)
    one = drift_table(run, arch, programmings=1)
    three = drift_table(run, arch, programmings=3)
    assert len(one) == len(three) == 2 * len(TIMES)
    assert one.accuracy_std.isna().all() and three.accuracy_std.notna().all()
    # 40 test images: one programming's accuracies are multiples of 1/40, a mean of three of 1/120
    assert np.array_equal(one.accuracy * 40, np.round(one.accuracy * 40))
    assert np.allclose(three.accuracy * 120, np.round(three.accuracy * 120), rtol=0, atol=1e-9)
    assert drift_table(run, arch, programmings=1).equals(one)  # seeded: the same again


def test_cifar10_example_on_a_synthetic_array_of_cifar10_shape(tmp_path, capsys):
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    npz = tmp_path / "cifar10.npz"
    np.savez(npz, x_train=rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8),
             y_train=np.arange(20) % 10, x_test=rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8),
             y_test=np.arange(10))
    module = runpy.run_path(str(ROOT / "examples" / "hic_resnet32_cifar10.py"))
    out = tmp_path / "study"
    status = module["main"](["--data", str(npz), "--arch", str(HIC), "--widths", "0.125",
                             "--seeds", "0", "--epochs", "1", "--batch", "10", "--threads", "1",
                             "--drift-programmings", "1", "--out", str(out)],
                            "test", **module["DEFAULTS"])
    assert status == 0
    frame = pd.read_csv(out / "study.csv")
    # ResNet-32 at width 0.125 (2/4/8 channels, 3x3 kernels, 1x1 projection shortcuts): conv1
    # 3*2*9 + stage 1 10*2*2*9 + stage 2 (2*4*9 + 2*4 + 9*4*4*9) + stage 3 (4*8*9 + 4*8 +
    # 9*8*8*9) + fc 8*10 = 54 + 360 + 1,376 + 5,504 + 80 = 7,374 weights
    assert sorted(frame.rule) == ["fp32", "hic"] and (frame.weights == 7374).all()
    assert (frame.steps == 2).all()
    hic = frame[frame.rule == "hic"].iloc[0]
    assert hic.bits_per_weight == 16 and hic.megabits == pytest.approx(7374 * 16 / 1e6, abs=0)
    assert "| hic | 0.125 | 1 |" in capsys.readouterr().out


def test_cifar10_example_needs_its_data(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "hic_resnet32_cifar10.py"))
    with pytest.raises(SystemExit) as exc:
        module["main"]([], "test", **module["DEFAULTS"])
    assert exc.value.code == 2 and "--data" in capsys.readouterr().err


def test_readme_table_is_the_shipped_study():
    """The README's ResNet-32 digits table is markdown_table of docs/resnet32_digits_study.csv
    (the 30 runs of examples/resnet32_digits_study.py: 5 seeds x 3 widths x HIC / FP32)."""
    frame = pd.read_csv(ROOT / "docs" / "resnet32_digits_study.csv")
    assert len(frame) == 30 and sorted(frame.seed.unique()) == [0, 1, 2, 3, 4]
    assert (frame.steps == 180).all()  # 4 epochs of 45 batches of 32 over 1,437 digits
    assert markdown_table(frame) in (ROOT / "README.md").read_text()
