"""Write a Result's tables to a directory: CSV for every table, JSON for the summary.

All tables are written to a staging directory and then renamed in (``write_files_atomic``), so a
failure at any point (a full disk, an interrupt) leaves the directory as it was: the previous
run's tables or none, never a mix. Other files already in the directory are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from hicsim.atomic import write_files_atomic

from hicsim.report.result import Result


def write_tables(result: Result, out_dir: str | Path) -> list[Path]:
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
    files = {name: df.to_csv(index=False) for name, df in tables.items()}
    files["summary.json"] = json.dumps(result.summary, indent=2) + "\n"
    return write_files_atomic(Path(out_dir), files)
