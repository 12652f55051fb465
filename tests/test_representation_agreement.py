"""Every weight representation the spec accepts is simulated by the engine and trained by the
functional model; one the model cannot hold is refused by both with the same message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from hicsim import simulate
from hicsim.cli import main
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.kernels import CrossbarArray
from hicsim.spec import load_arch
from hicsim.workload import Workload

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"  # has a multi-level (16 levels) and a binary device
REPRESENTATIONS = {
    "hic": ({"representation": "hic", "binary_devices": 4, "binary": "pcm_bin",
             "multilevel": "pcm_ml"}, 5),
    "multilevel": ({"representation": "multilevel", "device": "pcm_ml"}, 1),
    "bit_sliced": ({"representation": "bit_sliced", "device": "pcm_ml", "bits_per_cell": 2,
                    "weight_bits": 8}, 4),
}
NET = Workload.model_validate({"version": 1, "name": "one", "batch": 1, "layers": [
    {"name": "fc", "op": "linear", "in_features": 16, "out_features": 8}]})


@pytest.mark.parametrize("sign", ["differential", "offset"])
@pytest.mark.parametrize("name", sorted(REPRESENTATIONS))
def test_each_representation_simulates_and_trains(name, sign):
    weights, devices_per_side = REPRESENTATIONS[name]
    arch = load_arch(HIC, {"tile.weights": {**weights, "sign": sign},
                           "chip.weight_residency": "streamed"})
    # engine: streaming the layer in writes every device of every weight once
    r = simulate(arch, NET)
    written = r.actions[r.actions.action == "devices_written"]["count"].sum()
    assert written == 16 * 8 * devices_per_side * (2 if sign == "differential" else 1)
    # functional model: ideal devices, one update moves the weights along -lr x^T delta
    ideal = load_arch(HIC, {"tile.weights": {**weights, "sign": sign},
                            **ideal_device_overrides(arch)})
    rng = np.random.default_rng(0)
    xb = CrossbarArray(ideal, rng.uniform(-0.5, 0.5, (16, 8)), w_max=1.0, seed=1)
    before = xb.effective_weights().copy()
    x, delta = np.ones((1, 16)), np.zeros((1, 8))
    delta[0, 3] = 1.0
    assert xb.update(x, delta, lr=0.2) > 0
    moved = xb.effective_weights() - before
    assert np.all(moved[:, 3] < 0) and np.all(moved[:, [0, 1, 2, 4, 5, 6, 7]] == 0)


def test_devices_per_weight_two_is_refused_by_run_and_train_alike(tmp_path, capsys):
    data = yaml.safe_load((ROOT / "arch_specs" / "pcm_multilevel.yaml").read_text())
    data["tile"]["weights"]["devices_per_weight"] = 2
    spec = tmp_path / "two.yaml"
    spec.write_text(yaml.safe_dump(data))
    messages = []
    for argv in (["run", str(spec), str(ROOT / "workloads" / "resnet32_cifar10.yaml")],
                 ["train", str(spec), "--model", "mlp", "--out", str(tmp_path / "t")]):
        assert main(argv) == 2
        messages.append(capsys.readouterr().err.strip().split(": error: ", 1)[1])
    assert messages[0] == messages[1]
    assert "tile.weights.devices_per_weight: only 1 multi-level device per weight" in messages[0]
