"""Write a Result's tables to a directory: CSV for every table, JSON for the summary.

Files are written to a temporary name and renamed, so an interrupted run never leaves a
half-written table in place of a good one, and files already in the directory are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from hicsim.atomic import write_atomic

from hicsim.report.result import Result


def write_tables(result: Result, out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "energy_by_layer_component.csv": result.energy_by("layer", "phase", "component"),
        "actions.csv": result.actions,
        "layers.csv": result.layers,
        "traffic_by_level.csv": result.traffic_by_level(),
        "traffic_timeline.csv": result.traffic_timeline(),
        "units.csv": result.units,
        "mapping.csv": result.mapping,
        "area.csv": result.area_table(),
        "cost_sources.csv": result.cost_sources(),
    }
    if not result.stages.empty:  # transformers: prefill and decode steps
        tables["stages.csv"] = result.stages
    if not result.phases.empty:  # training runs
        tables["phases.csv"] = result.phases
        tables["wear.csv"] = result.wear
    written = []
    for name, df in tables.items():
        write_atomic(out / name, df.to_csv(index=False))
        written.append(out / name)
    write_atomic(out / "summary.json", json.dumps(result.summary, indent=2) + "\n")
    written.append(out / "summary.json")
    return written
