"""Numeric options, npz files and resource estimates: refused before any work, naming the option,
file or key, exit status 2."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from hicsim import budget
from hicsim.cli import main
from conftest import ROOT

SPEC = str(ROOT / "arch_specs" / "hic_pcm.yaml")
WORKLOAD = str(ROOT / "workloads" / "resnet32_cifar10.yaml")


def cli(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("option, value, message", [
    ("--seed", "-1", "--seed: must be a whole number in [0, 4,294,967,295], got -1"),
    ("--lr", "inf", "--lr: must be a finite number in (0, 1000], got inf"),
    ("--lr", "nan", "--lr: must be a finite number"),
    ("--width", "nan", "--width: each width must be in"),
    ("--width", "1,0", "--width: each width must be in"),
    ("--epochs", "0", "--epochs: must be a whole number in [1, 10,000]"),
    ("--batch", "100000000", "--batch: must be a whole number in [1, 65,536]"),
    ("--momentum", "1", "--momentum: must be in [0, 1)"),
])
def test_training_numbers_are_checked_first(tmp_path, capsys, option, value, message):
    code, err = cli(capsys, "train", SPEC, "--model", "cnn", "--out", str(tmp_path / "o"),
                    option, value)
    assert code == 2 and message in err, err
    assert not (tmp_path / "o").exists()


def _npz(tmp_path, **arrays) -> str:
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    return str(path)


GOOD = dict(x_train=np.zeros((4, 8, 8), np.float32), y_train=np.array([0, 1, 0, 1]),
            x_test=np.zeros((2, 8, 8), np.float32), y_test=np.array([0, 1]))


@pytest.mark.parametrize("change, message", [
    ({"y_train": np.array([0, 1, 0, 10 ** 9])}, "labels go up to 1000000000, but classes [2, 3, 4, 5, 6] ..."),
    ({"x_train": np.array([[["a"]]] * 4)}, "x_train: must hold real numbers"),
    ({"y_test": np.array([0, 1, 2])}, "y_test: must be a 1-D array of 2 labels"),
])
def test_npz_contents_are_checked(tmp_path, capsys, change, message):
    arrays = {**GOOD, **change}
    code, err = cli(capsys, "train", SPEC, "--model", "mlp", "--epochs", "1",
                    "--dataset", _npz(tmp_path, **arrays), "--out", str(tmp_path / "o"))
    assert code == 2 and message in err, err


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"PK\x03\x04 truncated", "not a readable .npz file"),
])
def test_empty_and_truncated_npz_files(tmp_path, capsys, data, message):
    path = tmp_path / "bad.npz"
    path.write_bytes(data)
    code, err = cli(capsys, "train", SPEC, "--model", "mlp", "--dataset", str(path),
                    "--out", str(tmp_path / "o"))
    assert code == 2 and message in err, err


def test_npz_too_large_for_memory_is_refused_from_its_header(tmp_path, capsys):
    """A header that declares 2^40 images: refused without reading (or having) the data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False,
                                               "shape": (2 ** 40, 8, 8)})
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as z:
        for key in ("x_train", "y_train", "x_test", "y_test"):
            z.writestr(f"{key}.npy", b"\x93NUMPY\x01\x00" + buf.getvalue()[8:] if key == "x_train"
                       else _npy(GOOD[key]))
    code, err = cli(capsys, "train", SPEC, "--model", "mlp", "--dataset", str(path),
                    "--out", str(tmp_path / "o"))
    assert code == 2 and f"{path}: x_train: its arrays would need about" in err, err


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def test_run_refuses_a_batch_that_cannot_fit_and_says_what_fits(capsys):
    code, err = cli(capsys, "run", SPEC, WORKLOAD, "--wset", "batch=1000000000")
    assert code == 2 and f"{WORKLOAD}: batch: the simulation would need about" in err
    from hicsim.workload import load_workload
    layers = len(load_workload(WORKLOAD).layers)
    most = budget.largest_batch(layers)
    assert f"lower batch (at most {most:,} fits)" in err
    assert budget.workload_estimate_fits_batch(layers, most)
    assert not budget.workload_estimate_fits_batch(layers, most + 1)


def test_sweep_point_count_is_bounded(tmp_path, capsys):
    from test_sweep import write_sweep
    path = write_sweep(tmp_path, random={"samples": 10 ** 9, "params": {"chip.tiles": {"choices": [8]}}})
    code, err = cli(capsys, "sweep", str(path), "-o", str(tmp_path / "r.jsonl"), "--no-progress")
    assert code == 2 and "random.samples" in err and "less than or equal to 100000" in err, err


@pytest.mark.parametrize("argv, message", [
    (["--model", "vgg8_cifar10", "--width", "nan"], "--width: must be in"),
    (["--model", "vgg8_cifar10", "--batch", "0"], "--batch: must be in"),
    (["--model", "vgg8_cifar10", "--input-bits", "99"], "--input-bits: must be in"),
])
def test_export_numbers_are_checked(capsys, argv, message):
    code, err = cli(capsys, "export", *argv)
    assert code == 2 and message in err, err


def test_export_training_from_torch_takes_rates_from_a_file(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    (tmp_path / "tnet.py").write_text(
        "from torch import nn\n"
        "def small():\n"
        "    return nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 2))\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    base = ["export", "--torch", "tnet:small", "--input-shape", "64,3,2,2"]
    code, err = cli(capsys, *base, "--phase", "training", "-o", "t.yaml")
    assert code == 2 and "--rates: --phase training needs a programming-rate file" in err
    assert not (tmp_path / "t.yaml").exists()
    rates = str(ROOT / "workloads" / "rates" / "hic_pcm.yaml")
    code, err = cli(capsys, *base, "--phase", "training", "--rates", rates, "--batch", "8",
                    "-o", "t.yaml")
    assert code == 0, err
    from hicsim.workload import load_workload
    w = load_workload(tmp_path / "t.yaml")
    assert (w.phase, w.batch) == ("training", 8)  # --batch apart from the traced sample
    per_weight = 0.8916642106297278 * 8 / 32  # the file's set pulses per weight, at batch 8
    assert w.layers[0].programming.set_pulses == pytest.approx(per_weight * 12 * 6, rel=1e-12)
