"""The HIC paper's seed experiment as a grid of ``hicsim train`` runs: one network trained with
the spec's update rule and in FP32 (``--baseline``) at each width multiplier, for several seeds;
then one tidy table over all of them (accuracy, model size, accuracy after drift, wear) and its
per-(rule, width) summary.

Each (seed, width) is one ``hicsim train`` process with its own output directory
(``seed<S>_w<W>``), so a crash loses at most the epoch in progress: the grid skips directories
whose ``final.csv`` exists and continues the others with ``--resume``. One process at a time:
the study is meant to run in the background on one core of a shared machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hicsim.train.drift import TIMES


@dataclass(frozen=True)
class Grid:
    arch: str
    model: str
    dataset: str
    widths: tuple[float, ...]
    seeds: tuple[int, ...]
    epochs: int
    batch: int
    lr: float
    momentum: float
    out: Path
    threads: int | None = 1  # numba threads per run (None: numba's default)
    drift_programmings: int = 1
    overrides: tuple[str, ...] = ()

    def directory(self, seed: int, width: float) -> Path:
        return self.out / f"seed{seed}_w{width:g}"

    def command(self, seed: int, width: float) -> list[str]:
        """The ``hicsim train`` command of one cell (without ``--resume``)."""
        words = ["hicsim", "train", self.arch, "--model", self.model, "--dataset", self.dataset,
                 "--epochs", str(self.epochs), "--seed", str(seed), "--batch", str(self.batch),
                 "--lr", f"{self.lr:g}", "--momentum", f"{self.momentum:g}", "--baseline",
                 "--width", f"{width:g}", "--no-progress",
                 "--drift-programmings", str(self.drift_programmings),
                 "--out", str(self.directory(seed, width))]
        if self.threads is not None:
            words += ["--threads", str(self.threads)]
        return words + [w for item in self.overrides for w in ("--set", item)]


def run_grid(grid: Grid, log=print) -> int:
    """Train every cell not yet finished, one ``hicsim train`` process after the other; the
    exit status of the first that fails (its message is on stderr), else 0."""
    for seed in grid.seeds:
        for width in grid.widths:
            out = grid.directory(seed, width)
            if (out / "final.csv").exists():
                log(f"seed {seed} width {width:g}: done ({out})", flush=True)
                continue
            words = grid.command(seed, width)
            if (out / "runs").exists():
                words.append("--resume")
            log(f"[{time.strftime('%H:%M:%S')}] " + " ".join(words), flush=True)
            started = time.perf_counter()
            status = subprocess.run([sys.executable, "-m", "hicsim", *words[1:]]).returncode
            if status:
                return status
            log(f"seed {seed} width {width:g}: {time.perf_counter() - started:.0f} s", flush=True)
    return 0


def collect(grid: Grid) -> pd.DataFrame:
    """One row per (seed, rule, width) of the finished cells: final accuracy, size, wear, and
    accuracy after each drift time (raw and compensated, mean of the drift study's
    programmings)."""
    rows = []
    for seed in grid.seeds:
        for width in grid.widths:
            out = grid.directory(seed, width)
            if not (out / "final.csv").exists():
                continue
            finals, drift = pd.read_csv(out / "final.csv"), pd.read_csv(out / "drift.csv")
            for _, f in finals.iterrows():
                row = dict(seed=seed, rule=f.rule, width=f.width, weights=int(f.weights),
                           bits_per_weight=f.bits_per_weight, megabits=f.megabits,
                           test_accuracy=f.test_accuracy, steps=int(f.steps),
                           max_cycles=f.get("max_cycles"),
                           endurance_fraction=f.get("endurance_fraction"),
                           lifetime_epochs=f.get("lifetime_epochs"))
                d = drift[(drift.rule == f.rule) & (drift.width == f.width)]
                for label, _ in TIMES:
                    for comp, name in ((False, "raw"), (True, "comp")):
                        hit = d[(d.time == label) & (d.compensation == comp)].accuracy
                        row[f"drift_{label.replace(' ', '')}_{name}"] = float(hit.iloc[0])
                rows.append(row)
    return pd.DataFrame(rows)


def _pct(values: pd.Series) -> str:
    return f"{100 * values.mean():.1f} ± {100 * values.std(ddof=1):.1f}" if len(values) > 1 \
        else f"{100 * values.mean():.1f}"


def markdown_table(frame: pd.DataFrame) -> str:
    """Per (rule, width): seeds, accuracy (mean ± sample std over seeds, %), per-seed
    accuracies, model size, accuracy after 1 s / 1 year / 10 years (compensated, raw) and the
    most-cycled device's write-erase cycles (range over seeds) and its share of endurance."""
    head = ("| rule | width | seeds | test accuracy % | per seed | weights | Mb (bits/weight) "
            "| 1 s comp. / raw | 1 year comp. / raw | 10 years comp. / raw "
            "| max write-erase cycles | of endurance |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for (rule, width), g in frame.groupby(["rule", "width"], sort=True):
        cells = [rule, f"{width:g}", str(len(g)), _pct(g.test_accuracy),
                 " ".join(f"{100 * a:.1f}" for a in g.sort_values("seed").test_accuracy),
                 f"{int(g.weights.iloc[0]):,}",
                 f"{g.megabits.iloc[0]:.3f} ({g.bits_per_weight.iloc[0]:g})"]
        for label in ("1s", "1year", "10years"):
            cells.append(f"{_pct(g[f'drift_{label}_comp'])} / {_pct(g[f'drift_{label}_raw'])}")
        cycles = g.max_cycles.dropna()
        if len(cycles):
            cells += [f"{int(cycles.min())}-{int(cycles.max())}",
                      f"{g.endurance_fraction.max():.2g}"]
        else:
            cells += ["-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv, description: str, **defaults) -> int:
    """The command line of the example scripts (``examples/resnet32_digits_study.py``,
    ``examples/hic_resnet32_cifar10.py``): they differ only in their defaults."""
    import argparse

    p = argparse.ArgumentParser(description=description)
    p.add_argument("--arch", default=defaults.get("arch", "arch_specs/hic_pcm.yaml"))
    p.add_argument("--model", default=defaults.get("model", "resnet32"))
    p.add_argument("--data", default=defaults["data"], required=defaults["data"] is None,
                   help="digits, or an .npz with x_train, y_train, x_test, y_test")
    p.add_argument("--widths", default=defaults.get("widths", "0.5,1,2"))
    p.add_argument("--seeds", default=defaults.get("seeds", "0,1,2,3,4"))
    for name, kind in (("epochs", int), ("batch", int), ("lr", float), ("momentum", float),
                       ("threads", int), ("drift_programmings", int)):
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=defaults[name])
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    p.add_argument("--out", type=Path, default=Path(defaults["out"]))
    p.add_argument("--table-only", action="store_true",
                   help="train nothing: tabulate the finished runs in --out")
    args = p.parse_args(argv)
    grid = Grid(arch=args.arch, model=args.model, dataset=args.data,
                widths=tuple(float(w) for w in args.widths.split(",")),
                seeds=tuple(int(s) for s in args.seeds.split(",")), epochs=args.epochs,
                batch=args.batch, lr=args.lr, momentum=args.momentum, out=args.out,
                threads=args.threads, drift_programmings=args.drift_programmings, overrides=tuple(args.overrides))
    if not args.table_only:
        status = run_grid(grid)
        if status:
            return status
    frame = collect(grid)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "study.csv", index=False)
    print(markdown_table(frame))
    print(f"table: {args.out / 'study.csv'}")
    return 0
