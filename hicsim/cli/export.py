"""``hicsim export``: write a workload trace (YAML) from the network zoo or an importer.

    hicsim export --model resnet18_imagenet --batch 1 -o workloads/resnet18_imagenet.yaml
    hicsim export --scalesim topologies/alexnet.csv -o workloads/alexnet.yaml
    hicsim export --torch mynets:resnet18 --input-shape 1,3,224,224 -o workloads/mine.yaml
    hicsim export --onnx resnet18.onnx -o workloads/resnet18_onnx.yaml

Each workload source is one flag in a mutually exclusive group plus an entry in ``SOURCES``
(the function that builds the workload and the options it takes beyond the common ones), so a
new importer is one more flag and one more entry. The output is written atomically: on any
error the previous file is left as it was.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Callable, NamedTuple

from hicsim.atomic import check_writable
from hicsim.spec.errors import single
from hicsim.workload import frameworks, zoo
from hicsim.workload.model import Workload
from hicsim.workload.rates import load_rates, with_rates
from hicsim.workload.scalesim import from_scalesim
from hicsim.workload.trace import dump_workload, write_atomic

# Options every source takes: Workload fields, and the rates a training workload needs.
COMMON_OPTIONS = ("batch", "input_bits", "weight_bits", "phase", "rates")


class Source(NamedTuple):
    build: Callable[[str, dict], Workload]  # (the flag's value, given options) -> Workload
    options: tuple[str, ...]                # options it takes beyond COMMON_OPTIONS


SOURCES = {
    "model": Source(lambda name, opts: zoo.build(name, **opts),
                    ("width", "num_classes", "input_size", "dataset_size")),
    "scalesim": Source(lambda path, opts: from_scalesim(path, **opts), ("name",)),
    "torch": Source(lambda spec, opts: _from_torch(spec, **opts), ("input_shape", "name", "sample")),
    "onnx": Source(lambda path, opts: frameworks.from_onnx(
        path, source=_command("onnx", path, opts), **opts), ("input_shape", "name")),
}


def _from_torch(spec: str, input_shape=None, sample=None, **opts) -> Workload:
    if (input_shape is None) == (sample is None):
        raise single("--torch", "needs --input-shape (batch first), e.g. 1,3,224,224, or a "
                                "--sample batch (.npy) to trace on")
    given = dict(opts, input_shape=input_shape) if sample is None else dict(opts, sample=sample)
    source = _command("torch", spec, given)
    return frameworks.from_torch_factory(spec, input_shape, sample, source=source, **opts)


def _command(kind: str, value: str, opts: dict) -> str:
    """The ``hicsim export`` command line that rebuilds a trace, for its ``source`` field."""
    flags = [f"--{kind} {value}"] + [
        f"--{k.replace('_', '-')} {','.join(map(str, v)) if isinstance(v, tuple) else v}"
        for k, v in opts.items()]
    return "hicsim export " + " ".join(flags)


def _shape(text: str) -> tuple[int, ...]:
    """``1,3,224,224`` -> (1, 3, 224, 224)."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes separated by commas, "
                                         f"batch first (1,3,224,224), got {text!r}")
    return shape


def register(sub) -> None:
    p = sub.add_parser("export", help="write a workload trace from the zoo, a SCALE-Sim CSV, "
                                      "a PyTorch model or an ONNX file",
                       description="Write a workload trace (YAML) for `hicsim run`.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", metavar="NAME",
                      help=f"a zoo network: {', '.join(zoo.names())}")
    what.add_argument("--scalesim", metavar="FILE.csv", help="a SCALE-Sim topology CSV")
    what.add_argument("--torch", metavar="MODULE:FACTORY",
                      help="a PyTorch model: FACTORY() in MODULE (needs hicsim[torch])")
    what.add_argument("--onnx", metavar="FILE.onnx", help="an ONNX model (needs hicsim[onnx])")
    p.add_argument("-o", "--output", metavar="FILE.yaml", default="-",
                   help="where to write the trace (default: standard output)")
    common = p.add_argument_group("workload options")
    common.add_argument("--batch", type=int, metavar="N", help="samples per batch (default 1)")
    common.add_argument("--input-bits", type=int, metavar="B",
                        help="activation precision (default 8)")
    common.add_argument("--weight-bits", type=int, metavar="B", help="weight precision (default 8)")
    common.add_argument("--phase", choices=("inference", "training"), help="default inference")
    zoo_only = p.add_argument_group("zoo options (--model)")
    zoo_only.add_argument("--width", type=float, metavar="W",
                          help="channel-count multiplier (default 1)")
    zoo_only.add_argument("--num-classes", type=int, metavar="N",
                          help="classifier outputs (default: dataset's)")
    common.add_argument("--rates", metavar="FILE.yaml",
                        help="programming-rate file (from `hicsim train`); needed with "
                             "--phase training")
    zoo_only.add_argument("--dataset-size", type=int, metavar="N",
                          help="training samples per epoch (per-epoch figures)")
    zoo_only.add_argument("--input-size", type=int, metavar="PX",
                          help="image height = width (default: dataset's)")
    importer = p.add_argument_group("importer options (--scalesim, --torch, --onnx)")
    importer.add_argument("--name", help="workload name (default: the file's stem or the "
                                         "factory's name)")
    importer.add_argument("--sample", metavar="BATCH.npy",
                          help="--torch: trace on this sample batch (batch axis first) and record "
                               "per-layer operand statistics, which the engine's read energy uses")
    importer.add_argument("--input-shape", type=_shape, metavar="N,C,H,W",
                          help="input shape, batch first: the example input --torch traces "
                               "with (required there); fixes symbolic dimensions of --onnx")
    p.set_defaults(func=run)


def workload_from(args: argparse.Namespace) -> Workload:
    """The workload the parsed ``hicsim export`` arguments describe."""
    kind = next(k for k in SOURCES if getattr(args, k, None) is not None)
    source = SOURCES[kind]
    given = {k: v for k, v in vars(args).items() if k in _ALL_OPTIONS and v is not None}
    for option in given.keys() - set(COMMON_OPTIONS + source.options):
        raise single(f"--{option.replace('_', '-')}", f"does not apply to --{kind}")
    _check_numbers(given)
    if kind == "model":  # the zoo applies rates itself
        return source.build(getattr(args, kind), given)
    # importers build the inference graph; a training workload is that graph with measured rates
    phase, rates = given.pop("phase", None), given.pop("rates", None)
    workload = source.build(getattr(args, kind), given)
    if phase == "training" or rates is not None:
        if rates is None:
            raise single("--rates", "--phase training needs a programming-rate file (written by "
                                    "`hicsim train --out DIR` as DIR/rates.yaml)")
        workload = with_rates(workload, load_rates(rates), rates)
    return workload


# Sanity ranges of numeric options (argparse has checked they are numbers).
NUMBER_RANGES = {"batch": (1, 2 ** 20), "input_bits": (1, 32), "weight_bits": (1, 32),
                 "width": (1e-3, 16.0), "num_classes": (1, 100_000), "input_size": (1, 8192),
                 "dataset_size": (1, 10 ** 10)}


def _check_numbers(given: dict) -> None:
    for key, (low, high) in NUMBER_RANGES.items():
        value = given.get(key)
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise single(f"--{key.replace('_', '-')}", f"must be in [{low:g}, {high:g}], got {value}")


_ALL_OPTIONS = set(COMMON_OPTIONS).union(*(s.options for s in SOURCES.values()))


def run(args: argparse.Namespace) -> int:
    if args.output != "-":
        check_writable(args.output, "-o")
    workload = workload_from(args)
    text = dump_workload(workload)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    write_atomic(args.output, text)
    print(f"{args.output}: {workload.name}, {len(workload.layers)} layers, "
          f"{workload.total_weights:,} weights, {workload.macs_per_sample:,} MACs per sample")
    return 0
