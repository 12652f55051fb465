"""A corpus of hand-made hostile files (tests/data/bad/): each is refused with exit status 2 and
one message naming the file and the key path, before any work and without writing anything."""

from __future__ import annotations

import os

import pytest

from fuzz_support import check_contract, invoke, write_report
from conftest import ROOT

BAD = ROOT / "tests" / "data" / "bad"
SPEC = str(ROOT / "arch_specs" / "hic_pcm.yaml")

EXPECTED = {  # file -> what the message must say after "FILE: "
    "spec_duplicate_key.yaml": "malformed YAML: line 26, column 1: duplicate key 'clock' (first given on line 25)",
    "spec_bandwidth_in_hertz.yaml": "memory[2](dram).channel_bandwidth: '25.6 GHz' has the wrong dimension",
    "spec_energy_without_bytes.yaml": "memory[1](global_buffer).write_energy: '2.0 pJ' has the wrong dimension",
    "spec_capacity_percent.yaml": "memory[1](global_buffer).capacity: '4 percent' has the wrong dimension",
    "spec_zero_clock.yaml": "clock: must be greater than zero",
    "spec_tiles_1e8.yaml": "chip.tiles: Input should be less than or equal to 65536",
    "spec_rows_1e12.yaml": "tile.crossbar.rows: Input should be less than or equal to 16384",
    "spec_power_tower.yaml": "clock: cannot read '10**10**10 Hz'",
    "spec_alias_bomb.yaml": "expands to more than 1,000,000 values",
    "spec_empty.yaml": "expected a mapping of keys at the top, got NoneType",
    "spec_binary.yaml": "is not UTF-8 text",
    "spec_list.yaml": "expected a mapping of keys at the top, got list",
    "spec_python_tag.yaml": "malformed YAML",
    "workload_channels_17.yaml": "layers[1](conv2).in_channels: expects input shape [17, 16, 16]",
    "workload_hw_15.yaml": "layers[1](conv2).input_hw: expects input shape [16, 15, 15]",
    "workload_add_mismatch.yaml": "layers[2](add).shape: expects input shape",
    "workload_duplicate_layer_key.yaml": "malformed YAML: line 4, column 1: duplicate key 'batch'",
    "scalesim_k_breaks_chain.csv": "line 3, column 'K'",
    "scalesim_channels_break_chain.csv": "line 3, column 'Channels'",
    "scalesim_empty.csv": "empty file",
    "sweep_duplicate_axis.yaml": "malformed YAML: line 7, column 3: duplicate key 'tile.adc.bits'",
    "sweep_billion_samples.yaml": "random.samples: Input should be less than or equal to 100000",
    "npz_empty.npz": "is empty",
    "npz_truncated.npz": "not a readable .npz file",
    "npz_label_1e9.npz": "y_train: labels go up to 1000000000",
    "npz_missing_key.npz": "missing arrays: y_test",
    "npz_object_dtype.npz": "x_train: must hold real numbers",
}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    write_report()


def command(name: str, path: str, tmp_path) -> list[str]:
    kind = name.split("_", 1)[0]
    return {"spec": ["validate", path],
            "workload": ["run", SPEC, path, "--out", str(tmp_path / "out")],
            "scalesim": ["export", "--scalesim", path, "-o", str(tmp_path / "out.yaml")],
            "sweep": ["sweep", path, "-o", str(tmp_path / "r.jsonl"), "-j", "1", "--no-progress"],
            "npz": ["train", SPEC, "--model", "mlp", "--epochs", "1", "--dataset", path,
                    "--out", str(tmp_path / "out")]}[kind]


def test_the_corpus_is_complete():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_clearly(tmp_path, name):
    path = str(BAD / name)
    code, out, err = invoke(command(name, path, tmp_path))
    check_contract("hand-made hostile files", code, err, [path])
    assert code == 2 and f"{path}: {EXPECTED[name]}" in err, err
    assert list(tmp_path.iterdir()) == []  # nothing written, not even an empty file


@pytest.mark.parametrize("make", ["fifo", "device", "directory"])
def test_files_that_are_not_files(tmp_path, make):
    path = tmp_path / "spec.yaml"
    if make == "fifo":
        os.mkfifo(path)  # opening it would block: it must be refused before
    elif make == "directory":
        path.mkdir()
    target = "/dev/zero" if make == "device" else str(path)
    code, _, err = invoke(["validate", target])
    check_contract("hand-made hostile files", code, err, [target])
    assert code == 2 and ("not a regular file" in err or "is a directory" in err), err
