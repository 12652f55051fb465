"""``hicsim sweep SWEEP.yaml``: run a design-space sweep into a JSON-lines results file."""

from __future__ import annotations

import argparse

from hicsim.cli.common import add_max_hours
from hicsim.sweep import default_results_path, run_sweep


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a design-space sweep (grid and random samples)",
                       description="Run every point of a sweep file; each finished point is "
                                   "appended to the results file as one JSON line.")
    p.add_argument("sweep", help="sweep file (YAML)")
    p.add_argument("-o", "--out", metavar="FILE",
                   help="results file (JSON lines); default: SWEEP-STEM.results.jsonl here")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-j", "--jobs", type=_positive, metavar="N",
                       help="worker processes (default: all cores; 1 runs in this process)")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run on a Dask cluster, e.g. tcp://HOST:8786 (needs hicsim[dask])")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="keep the rows already in the results file, run only missing points")
    again.add_argument("--force", action="store_true", help="discard an existing results file")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar and no printed time estimate")
    add_max_hours(p, "a sweep", "an upper bound from layers x batch, see hicsim.budget")
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def run(args) -> int:
    out = args.out or default_results_path(args.sweep)
    df = run_sweep(args.sweep, out, jobs=args.jobs, dask=args.dask, resume=args.resume,
                   force=args.force, progress=args.progress,
                   max_hours=args.max_hours)
    failed = df[df["status"] != "ok"] if not df.empty else df
    print(f"{len(df)} points in {out} ({len(df) - len(failed)} ok, {len(failed)} failed)")
    for _, row in failed.head(5).iterrows():
        print(f"  point {row['point']} failed: {row['error'].splitlines()[0]}")
    return 0
