"""``hicsim export`` and the shipped workload traces it produced."""

import argparse
import shlex
from pathlib import Path

import pytest

from hicsim.cli import main
from hicsim.cli import export
from hicsim.workload import load_workload, zoo

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {
    "resnet32_cifar10", "resnet18_cifar10", "resnet18_imagenet", "densenet121_imagenet",
    "mobilenetv2_imagenet", "mobilenetv3_small_imagenet", "mobilenetv3_large_imagenet",
    "vgg8_cifar10", "vit_b16_imagenet", "bert_base_seq128", "gpt2_small_decode",
    "densenet121_cifar10", "mobilenetv2_cifar10", "mobilenetv3_small_cifar10",
    "mobilenetv3_large_cifar10", "resnet152_imagenet",
}


def _parse(argv: list[str]) -> argparse.Namespace:
    """The export subcommand's parser on its own, so these tests do not depend on the others."""
    parser = argparse.ArgumentParser(prog="hicsim")
    export.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_trace_equals_what_its_source_command_builds(name):
    shipped = load_workload(ROOT / "workloads" / f"{name}.yaml")
    argv = shlex.split(shipped.source)
    assert argv[:2] == ["hicsim", "export"] and f"--model {name}" in shipped.source
    assert export.workload_from(_parse(argv[1:])) == shipped
    assert (shipped.batch, shipped.phase, shipped.input_bits, shipped.weight_bits) == \
        (1, "inference", 8, 8)


def test_source_command_rebuilds_any_options():
    built = zoo.build("mobilenetv2_imagenet", width=1 / 3, num_classes=5, input_size=96, batch=2)
    assert export.workload_from(_parse(shlex.split(built.source)[1:])) == built


def test_every_zoo_network_is_shipped():
    assert set(zoo.names()) == SHIPPED
    assert {p.stem for p in (ROOT / "workloads").glob("*.yaml")} >= SHIPPED


def test_export_writes_a_loadable_trace(tmp_path, capsys):
    out = tmp_path / "sub" / "r32.yaml"
    rc = main(["export", "--model", "resnet32_cifar10", "--batch", "8", "--width", "2",
               "--weight-bits", "4", "-o", str(out)])
    assert rc == 0
    w = load_workload(out)
    assert (w.batch, w.weight_bits, w.layers[0].out_channels) == (8, 4, 32)
    assert w == zoo.build("resnet32_cifar10", batch=8, width=2, weight_bits=4)
    assert f"{w.total_weights:,} weights" in capsys.readouterr().out
    assert w.total_weights == pytest.approx(4 * 464_432, rel=0.01)  # width 2: ~4x the weights


def test_export_to_stdout(capsys):
    assert main(["export", "--model", "vgg8_cifar10"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# vgg8_cifar10: 11 layers, 12,973,440 weights")


def test_export_from_scalesim(tmp_path):
    csv = tmp_path / "net.csv"
    csv.write_text("Layer, M, N, K,\nfc1, 1, 128, 784,\nfc2, 1, 10, 128,\n")
    out = tmp_path / "net.yaml"
    assert main(["export", "--scalesim", str(csv), "--name", "mlp", "--batch", "2",
                 "-o", str(out)]) == 0
    w = load_workload(out)
    assert (w.name, w.batch, [l.k for l in w.layers]) == ("mlp", 2, [784, 128])


@pytest.mark.parametrize("argv, message", [
    (["--model", "resnet99"], "unknown network"),
    (["--model", "vgg8_cifar10", "--name", "x"], "--name: does not apply to --model"),
    (["--scalesim", "x.csv", "--width", "2"], "--width: does not apply to --scalesim"),
    (["--model", "vgg8_cifar10", "--batch", "0"], "batch"),
    (["--scalesim", "missing.csv"], "cannot read"),
])
def test_bad_input_exits_2_and_never_clobbers(tmp_path, capsys, argv, message):
    out = tmp_path / "keep.yaml"
    out.write_text("previous\n")
    assert main(["export", *argv, "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert out.read_text() == "previous\n"


def test_model_or_importer_is_required():
    with pytest.raises(SystemExit) as info:
        _parse(["export", "--batch", "2"])
    assert info.value.code == 2
