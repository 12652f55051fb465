"""``hicsim train --torch module:factory`` and ``--model resnet32``: the same run, outputs,
checkpoints and bit-identical resume as the numpy models, rates named by the network's modules,
and bad input exits 2 with one message."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from hicsim.cli import main  # noqa: E402
from hicsim.spec import load_arch  # noqa: E402
from hicsim.train.data import Dataset  # noqa: E402
from hicsim.train.run import RunConfig, TrainingRun  # noqa: E402
from hicsim.workload.rates import load_rates  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"

FACTORY = textwrap.dedent('''
    from torch import nn

    def tiny(in_channels=1, classes=10, width=1.0):
        c = max(1, round(4 * width))
        return nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes))

    def fixed():
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))

    def broken():
        raise RuntimeError("no weights here")
''')


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's directory with a factory module and a small .npz dataset; the cwd."""
    (tmp_path / "mynets.py").write_text(FACTORY)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", x_train=rng.random((48, 8, 8)), y_train=np.arange(48) % 10,
             x_test=rng.random((20, 8, 8)), y_test=np.arange(20) % 10)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _data(n=48, m=20) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset("d", rng.random((n, 1, 8, 8), dtype=np.float32), np.arange(n) % 10,
                   rng.random((m, 1, 8, 8), dtype=np.float32), np.arange(m) % 10, 10)


def test_cli_trains_a_torch_factory_and_writes_rates_named_by_its_modules(project, capsys):
    args = ["train", str(HIC), "--torch", "mynets:tiny", "--dataset", "data.npz", "--epochs", "1",
            "--batch", "16", "--out", "out", "--no-progress", "--baseline"]
    assert main(args) == 0
    out = project / "out"
    for name in ("accuracy.csv", "drift.csv", "wear.csv", "final.csv", "summary.txt", "rates.yaml"):
        assert (out / name).is_file(), name
    rates = load_rates(out / "rates.yaml")
    assert set(rates.per_layer) == {"0", "5"}  # nn.Sequential's module names
    assert "--torch mynets:tiny" in rates.source
    summary = capsys.readouterr().out
    assert "mynets:tiny on data" in summary and "fp32" in summary
    assert main(args) == 2  # checkpoints exist: must say --resume
    assert main([*args[:7], "2", *args[8:], "--resume"]) == 0
    assert "epoch   2/2" in capsys.readouterr().out


def test_torch_run_resumes_bit_identically(project, tmp_path):
    arch = load_arch(HIC)
    config = RunConfig(model="mynets:tiny", dataset="d", rule="hic", width=1.0, epochs=2, seed=4,
                       batch=16, lr=0.1, momentum=0.5)
    data = _data()
    straight = TrainingRun(config, arch, data)
    straight.train_epoch(False)
    straight.train_epoch(False)
    first = TrainingRun(config, arch, data)
    first.train_epoch(False)
    first.save(tmp_path / "c.npz")
    resumed = TrainingRun(config, arch, data)
    resumed.restore(tmp_path / "c.npz")
    resumed.train_epoch(False)
    assert [{**h, "seconds": 0} for h in straight.history] == [{**h, "seconds": 0} for h in resumed.history]
    a, b = straight.model.state(), resumed.model.state()
    assert a.keys() == b.keys() and any(k.startswith("velocity.") for k in a)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_resnet32_model_runs_through_the_cli_path(project):
    config = RunConfig(model="resnet32", dataset="d", rule="hic", width=0.25, epochs=1, seed=0,
                       batch=16, lr=0.1, momentum=0.0)
    run = TrainingRun(config, load_arch(HIC), _data(32, 16))
    row = run.train_epoch(False)
    assert np.isfinite(row["train_loss"]) and row["weights_programmed"] > 0
    names = [l.name for l in run.weight_layers]
    assert len(names) == 34 and names[:2] == ["conv1", "layer1.0.conv1"]
    assert "layer2.0.downsample.0" in names and names[-1] == "fc"


@pytest.mark.parametrize("extra,message", [
    (["--torch", "nowhere:tiny"], "cannot import nowhere"),
    (["--torch", "mynets"], "expected module:factory"),
    (["--torch", "mynets:absent"], "has no callable absent"),
    (["--torch", "mynets:broken"], "broken() failed: RuntimeError: no weights here"),
    (["--torch", "mynets:fixed", "--width", "0.5"], "takes no width keyword"),
    (["--model", "resnet33"], "unknown model 'resnet33'"),
])
def test_bad_torch_sources_exit_2(project, capsys, extra, message):
    args = ["train", str(HIC), *extra, "--dataset", "data.npz", "--out", "o", "--no-progress"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_model_and_torch_are_exclusive(project, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", str(HIC), "--model", "cnn", "--torch", "mynets:tiny", "--out", "o"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_resnet32_layers_are_the_zoo_workloads_and_step_time_auto_traces_the_network():
    """A rate file measured on ResNet-32 names the zoo's resnet32_cifar10 layers one for one, and
    ``--step-time auto`` simulates the traced network."""
    from hicsim.train.models import build_network
    from hicsim.train.step_time import training_workload
    from hicsim.workload import zoo
    arch = load_arch(HIC)
    net = build_network("resnet32", (3, 32, 32), 10, 1.0, arch, "hic", 0)
    names = [l.name for l in net.weight_layers()]
    assert names == [l.name for l in zoo.build("resnet32_cifar10").weighted_layers]
    workload = training_workload(net, (3, 32, 32), 32, ROOT / "workloads/rates/hic_pcm.yaml", "r32")
    assert [l.name for l in workload.weighted_layers] == names
    assert sum(l.weights for l in workload.weighted_layers) == sum(l.weight_count for l in net.weight_layers())


def test_wear_map_shapes_and_sums_equal_the_counters_and_plot(project, capsys):
    from hicsim.report.plots_wear_map import wear_heatmaps
    from hicsim.train.wear import training_wear
    from hicsim.train.wear_map import layer_maps, most_written, read_wear_map, wear_map
    config = RunConfig(model="mynets:tiny", dataset="d", rule="hic", width=1.0, epochs=1, seed=0,
                       batch=16, lr=0.1, momentum=0.0)
    run = TrainingRun(config, load_arch(HIC), _data())
    run.train_epoch(False)
    arrays = wear_map(run)
    maps, wear = layer_maps(arrays), training_wear(run)
    assert list(maps) == ["0", "5"] and int(arrays["steps"]) == run.steps == 3
    for layer in run.weight_layers:
        m, counts = maps[layer.name], wear[layer.name]
        devices = layer.store.layout.devices
        assert m["set_pulses"].shape == (devices, *layer.store.shape)
        assert m["binary"].tolist() == [True] * 4 + [False] + [True] * 4 + [False]  # hic: 4 + 1 a side
        for counter in ("set_pulses", "reset_pulses", "write_erase_cycles"):
            for kind, mask in (("binary", m["binary"]), ("multilevel", ~m["binary"])):
                np.testing.assert_array_equal(m[counter][mask], counts[f"{kind}.{counter}"])
    peak = most_written(arrays)
    cycles = maps[peak["layer"]]["write_erase_cycles"]
    assert peak["cycles"] == cycles[peak["slot"], peak["row"], peak["column"]] == max(
        int(m["write_erase_cycles"].max()) for m in maps.values()) > 0
    assert peak["lifetime_steps"] == pytest.approx(1e8 * 3 / peak["cycles"])
    fig = wear_heatmaps(arrays)
    assert [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_images()] == ["0", "5"]
    # the CLI writes the map per device run and plots it; the summary names the lifetime
    assert main(["train", str(HIC), "--torch", "mynets:tiny", "--dataset", "data.npz", "--epochs",
                 "1", "--batch", "16", "--out", "out", "--no-progress"]) == 0
    summary = capsys.readouterr().out
    assert "most-written device: " in summary and "reaches its endurance after" in summary
    saved = read_wear_map(project / "out" / "runs" / "hic_w1" / "wear_map.npz")
    assert list(layer_maps(saved)) == ["0", "5"] and saved["0/set_pulses"].dtype == np.uint32
    assert main(["plot", "out", "--kind", "wear_map", "-o", "map.png"]) == 0
    assert (project / "map.png").stat().st_size > 0
    (project / "bad.npz").write_bytes(b"not a zip")
    assert main(["plot", "bad.npz", "-o", "bad.png"]) == 2
    assert "not a wear map" in capsys.readouterr().err
