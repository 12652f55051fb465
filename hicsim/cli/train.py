"""``hicsim train ARCH.yaml --model cnn --dataset digits --epochs N --seed S --out DIR``: train on
real data with the devices of ARCH (or in FP32), then measure accuracy, model size, drift, wear
and programming rates (see ``hicsim.train``)."""

from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path

from hicsim.atomic import check_writable
from hicsim.cli.common import add_max_hours, add_overrides, overrides_of
from hicsim.spec import load_arch
from hicsim.spec.errors import single
from hicsim.train.drift import PROGRAMMINGS, TIMES
from hicsim.train.models import MODELS, TORCH_MODELS
from hicsim.train.run import RunConfig
from hicsim.train.stores import ALL_RULES, default_rule
from hicsim.train.study import Study, run_study


def register(sub) -> None:
    p = sub.add_parser("train", help="train a network on simulated PCM crossbars and measure it")
    p.add_argument("arch", help="architecture spec (YAML)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help=f"a built-in numpy model ({', '.join(MODELS)}) or a "
                                        f"PyTorch one ({', '.join(TORCH_MODELS)}; the torch extra)")
    source.add_argument("--torch", metavar="MODULE:FACTORY",
                        help="a PyTorch network: FACTORY() from MODULE (the current directory "
                             "first on the path), called with those of in_channels, classes / "
                             "num_classes and width it takes; converted with hicsim.torch")
    p.add_argument("--dataset", default="digits",
                   help="digits (scikit-learn's 8x8 digits) or a .npz with x_train, y_train, "
                        "x_test, y_test")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--rule", help=f"one of {', '.join(ALL_RULES)}; default: hic for a hic "
                                  "representation, mixed_precision for a differential multi-level "
                                  "pair, else mixed_precision_closed_loop")
    p.add_argument("--baseline", action="store_true",
                   help="also train the same network in FP32 with the same seed")
    p.add_argument("--width", default="1", metavar="W[,W...]",
                   help="channel width multipliers, e.g. 0.5,1,2 (one run per width)")
    p.add_argument("--out", required=True, metavar="DIR", help="tables, summary, checkpoints")
    p.add_argument("--resume", action="store_true", help="continue the checkpoints in DIR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_max_hours(p, "training", "timed on one batch per run, see hicsim.train.time_plan")
    p.add_argument("--step-time", default="0", metavar="SECONDS|auto",
                   help="chip time each training step advances the devices' clock (drift and read "
                        "noise act during training); auto: the engine's simulated step latency; "
                        "default 0")
    p.add_argument("--drift-programmings", type=int, default=PROGRAMMINGS, metavar="N",
                   help="independent programmings of the trained weights the drift study averages "
                        f"over (default {PROGRAMMINGS}; each costs {2 * len(TIMES)} passes over the test set)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="numba threads for the crossbar kernels (default: numba's)")
    add_overrides(p)
    p.set_defaults(func=run)


def _widths(text: str) -> tuple[float, ...]:
    try:
        widths = tuple(float(w) for w in text.split(","))
    except ValueError:
        raise single("--width", f"expected comma-separated numbers such as 0.5,1,2, got {text!r}") from None
    for w in widths:
        if not (math.isfinite(w) and MIN_WIDTH <= w <= MAX_WIDTH):
            raise single("--width", f"each width must be in [{MIN_WIDTH:g}, {MAX_WIDTH:g}], got {w}")
    return widths


# Ranges of the numeric options: seeds as numpy takes them, counts far above any digits or
# CIFAR run on this machine, a learning rate and momentum that SGD can use.
MIN_WIDTH, MAX_WIDTH = 1 / 64, 16.0
WHOLE_RANGES = {"seed": (0, 2 ** 32 - 1), "epochs": (1, 10_000), "batch": (1, 65_536),
                "drift_programmings": (1, 100)}
MAX_LR = 1e3


def check_numbers(args) -> None:
    """Every numeric option in its range (argparse has checked that each is a number)."""
    for name, (low, high) in WHOLE_RANGES.items():
        value = getattr(args, name)
        if not low <= value <= high:
            raise single(f"--{name.replace('_', '-')}", f"must be a whole number in [{low:,}, {high:,}], got {value}")
    if not (math.isfinite(args.lr) and 0 < args.lr <= MAX_LR):
        raise single("--lr", f"must be a finite number in (0, {MAX_LR:g}], got {args.lr}")
    if not (math.isfinite(args.momentum) and 0 <= args.momentum < 1):
        raise single("--momentum", f"must be in [0, 1), got {args.momentum}")


def _step_time(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds >= 0 or seconds == float("inf"):
        raise single("--step-time", f"expected seconds >= 0 or auto, got {text!r}")
    return seconds


def _command(args, rule: str, widths: tuple[float, ...]) -> str:
    """The canonical command line that reproduces this study (every option spelt out)."""
    source = ["--torch", args.torch] if args.torch else ["--model", args.model]
    words = ["hicsim", "train", args.arch, *source, "--dataset", args.dataset,
             "--epochs", str(args.epochs), "--seed", str(args.seed), "--batch", str(args.batch),
             "--lr", f"{args.lr:g}", "--momentum", f"{args.momentum:g}", "--rule", rule,
             "--width", ",".join(f"{w:g}" for w in widths), "--step-time", args.step_time]
    if args.drift_programmings != PROGRAMMINGS:
        words += ["--drift-programmings", str(args.drift_programmings)]
    words += [w for item in args.overrides for w in ("--set", item)]
    return shlex.join(words)


def run(args) -> int:
    check_numbers(args)
    if args.torch is not None and not all(args.torch.partition(":")[::2]):
        raise single("--torch", f"expected module:factory, e.g. mynets:resnet18, got {args.torch!r}")
    widths = _widths(args.width)
    check_writable(args.out, "--out", directory=True)
    arch = load_arch(args.arch, overrides_of(args.overrides))
    rule = args.rule or default_rule(arch)
    if args.threads is not None:
        import numba
        if not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
            raise single("--threads", f"must be in [1, {numba.config.NUMBA_NUM_THREADS}], got {args.threads}")
        numba.set_num_threads(args.threads)
    config = RunConfig(model=args.torch or args.model, dataset=args.dataset, rule=rule, width=widths[0],
                       epochs=args.epochs, seed=args.seed, batch=args.batch, lr=args.lr,
                       momentum=args.momentum)
    study = Study(arch_path=args.arch, arch=arch, config=config, widths=widths,
                  baseline=args.baseline, out=Path(args.out), resume=args.resume,
                  progress=not args.no_progress and sys.stderr.isatty(),
                  command=_command(args, rule, widths), step_time=_step_time(args.step_time),
                  max_hours=args.max_hours, drift_programmings=args.drift_programmings)
    try:
        run_study(study)
    except KeyboardInterrupt:
        print(f"hicsim train: interrupted; completed epochs are checkpointed in {args.out}, "
              "continue with --resume", file=sys.stderr)
        raise
    print((Path(args.out) / "summary.txt").read_text(), end="")
    return 0
