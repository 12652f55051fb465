"""Workload traces: written compactly, read back equal, written atomically."""

import os

import pytest
import yaml

from hicsim.workload import load_workload, zoo
from hicsim.workload.trace import dump_workload, write_atomic, write_workload


@pytest.mark.parametrize("name", zoo.names())
def test_round_trip_every_zoo_network(name, tmp_path):
    rates = tmp_path / "rates.yaml"
    rates.write_text("version: 1\nsource: by hand\nbatch: 3\n"
                     "per_weight: {set_pulses: 0.01, reset_pulses: 0.001, binary_set_pulses: 0.0001,"
                     " binary_reset_pulses: 0.0002, max_device_write_erase: 0.5}\n")
    w = zoo.build(name, batch=3, weight_bits=4, phase="training", rates=str(rates),
                  dataset_size=1000)
    path = write_workload(w, tmp_path / f"{name}.yaml")
    assert load_workload(path) == w


def test_layout_one_flow_mapping_per_layer_with_header():
    w = zoo.build("resnet18_imagenet")
    text = dump_workload(w)
    lines = text.splitlines()
    assert lines[0].startswith("# resnet18_imagenet: 31 layers, 11,678,912 weights")
    assert "hicsim export --model resnet18_imagenet" in lines[1]
    layer_lines = [l for l in lines if l.startswith("  - {")]
    assert len(layer_lines) == len(w.layers) == 31
    assert layer_lines[0] == ("  - {name: conv1, op: conv2d, in_channels: 3, out_channels: 64, "
                              "kernel: 7, stride: 2, padding: 3, input_hw: [224, 224], "
                              "batch_norm_channels: 64}")
    assert "inputs:" not in layer_lines[2]  # the default (previous layer) is left out
    assert yaml.safe_load(text)["layers"][4]["inputs"] == ["layer1.0.conv2", "maxpool"]


def test_custom_header_and_no_source():
    w = zoo.build("vgg8_cifar10").model_copy(update={"source": None})
    text = dump_workload(w, header="line one\nline two")
    assert text.startswith("# line one\n# line two\nversion: 1\n")
    assert "source:" not in text


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "w.yaml"
    target.write_text("old\n")
    os.chmod(target, 0o640)

    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # not text: fails while writing
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w.yaml"]  # no temp file left behind
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640
