"""``hicsim plot RUN_DIR_OR_SWEEP_RESULTS -o FILE``: plot a run directory or a sweep's results."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from hicsim.report.plots import RUN_KINDS, SWEEP_KINDS, RunTables, plot_run, plot_sweep, save_figure
from hicsim.report.plots_wear import wear_histogram
from hicsim.report.plots_wear_map import wear_heatmaps
from hicsim.train.wear_map import FILE as WEAR_MAP, layer_maps, read_wear_map
from hicsim.atomic import check_writable
from hicsim.spec.errors import single
from hicsim.sweep import read_results


def register(sub) -> None:
    p = sub.add_parser(
        "plot", help="plot a run directory or a sweep's results",
        description=f"A run directory (hicsim run --out DIR): --kind {'|'.join(RUN_KINDS)} "
                    f"(default energy). A training directory (hicsim train --out DIR): the "
                    f"write-erase histogram per layer, or with --kind {WEAR_MAP_KIND} heat maps of "
                    f"per-device wear per layer (also from a run's wear_map.npz). A sweep results file (hicsim sweep): --kind "
                    f"{'|'.join(SWEEP_KINDS)} (default pareto). The format follows the output "
                    "file's extension: .png, .svg or .pdf.")
    p.add_argument("source", help="run directory or sweep results file (.jsonl)")
    p.add_argument("-o", "--out", required=True, metavar="FILE", help="figure file (.png/.svg/.pdf)")
    p.add_argument("--kind", choices=RUN_KINDS + SWEEP_KINDS + (WEAR_MAP_KIND,), help="which plot")
    p.add_argument("--metric", default="energy_per_sample_J",
                   help="sweep metric for --kind metric (a results column)")
    p.add_argument("--param", help="sweep parameter on the x axis (default: the first swept)")
    p.add_argument("--by", help="one line (metric) or colour (pareto) per value of this parameter")
    p.add_argument("--x", default="latency_s", help="pareto x metric (minimised)")
    p.add_argument("--y", default="energy_per_sample_J", help="pareto y metric (minimised)")
    p.set_defaults(func=run)


WEAR_MAP_KIND = "wear_map"


def read_map(path: Path) -> dict:
    try:
        arrays = read_wear_map(path)
        layer_maps(arrays)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise single(str(path), f"not a wear map written by hicsim train ({exc})") from None
    return arrays


def run(args) -> int:
    check_writable(args.out, "-o")
    source = Path(args.source)
    if source.suffix == ".npz" and source.is_file():  # a training run's wear map
        fig = wear_heatmaps(read_map(source))
    elif source.is_dir() and (source / "wear_histogram.csv").is_file():  # a hicsim train directory
        kind = args.kind or "wear"
        if kind == WEAR_MAP_KIND:
            maps = sorted(source.glob(f"runs/*/{WEAR_MAP}"))
            if not maps:
                raise single(str(source), f"no runs/*/{WEAR_MAP} (a run with devices writes one)")
            fig = wear_heatmaps(read_map(maps[0]))
        elif kind != "wear":
            raise single("--kind", f"a training directory (hicsim train --out) plots --kind wear "
                                   f"or {WEAR_MAP_KIND}")
        else:
            fig = wear_histogram(pd.read_csv(source / "wear_histogram.csv"))
    elif source.is_dir():
        kind = args.kind or "energy"
        if kind not in RUN_KINDS:
            raise single("--kind", f"{kind!r} plots a sweep; a run directory takes {', '.join(RUN_KINDS)}")
        fig = plot_run(RunTables.read(source), kind)
    elif source.is_file():
        kind = args.kind or "pareto"
        if kind not in SWEEP_KINDS:
            raise single("--kind", f"{kind!r} plots a run; a sweep takes {', '.join(SWEEP_KINDS)}")
        df = read_results(source)
        if df.empty:
            raise single(str(source), "no rows: is this a sweep results file?")
        fig = plot_sweep(df, kind, args.metric, args.param, args.by, args.x, args.y)
    else:
        raise single(str(source), "no such run directory or results file")
    print(f"wrote {save_figure(fig, args.out)}")
    return 0
