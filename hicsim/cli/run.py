"""``hicsim run ARCH.yaml WORKLOAD.yaml``: simulate, print a summary, optionally write tables."""

from __future__ import annotations

import json

from hicsim.api import simulate
from hicsim.atomic import check_writable
from hicsim.cli.common import add_overrides, overrides_of
from hicsim.cli.progress import LayerProgress
from hicsim.report.export import write_tables
from hicsim.report.text import summary_text


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate a workload on an architecture")
    p.add_argument("arch", help="architecture spec (YAML)")
    p.add_argument("workload", help="workload trace (YAML)")
    add_overrides(p)
    p.add_argument("--wset", dest="workload_overrides", action="append", default=[],
                   metavar="PATH=VALUE", help="override a workload value, e.g. batch=64 (repeatable)")
    p.add_argument("--out", metavar="DIR", help="write tables (CSV) and summary.json into DIR")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: print the summary as JSON for scripts")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.out:
        check_writable(args.out, "--out", directory=True)  # before the simulation, not after
    progress = LayerProgress()  # draws on stderr only on a terminal, after about 2 s
    try:
        result = simulate(args.arch, args.workload, overrides_of(args.overrides),
                          overrides_of(args.workload_overrides), on_layer=progress)
    finally:
        progress.close()
    files = write_tables(result, args.out) if args.out else []  # before printing: a reader
    if args.format == "json":                                    # that leaves cannot skip them
        print(json.dumps(result.summary, indent=2))
    else:
        print(summary_text(result))
        if files:
            print(f"  tables         {len(files)} files in {args.out}")
    return 0
