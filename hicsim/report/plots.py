"""Plots of runs and sweeps (matplotlib, no pyplot). Every function takes DataFrames (or a
``Result``) and returns a Figure; ``save_figure`` writes it as PNG, SVG or PDF by extension.

Run plots (``hicsim.report.plots_run``): ``energy_breakdown``, ``latency_breakdown``,
``bandwidth_timeline``, ``write_erase``; ``area_breakdown`` (``hicsim.report.plots_area``).
Sweep plots (``hicsim.report.plots_sweep``):
``metric_vs_parameter``, ``energy_latency`` (with ``pareto_front``). ``plot_run`` and
``plot_sweep`` choose one by name, as ``hicsim plot --kind`` does.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hicsim.report.plots_area import area_breakdown
from hicsim.report.plots_run import (RunTables, bandwidth_timeline, energy_breakdown,
                                     latency_breakdown, write_erase)
from hicsim.report.plots_style import save_figure
from hicsim.report.plots_sweep import (energy_latency, metric_vs_parameter, parameter_columns,
                                       pareto_front)
from hicsim.spec.errors import OptionError

RUN_KINDS = ("energy", "area", "latency", "bandwidth", "wear")
SWEEP_KINDS = ("pareto", "metric")


def plot_run(tables: RunTables, kind: str = "energy") -> Figure:
    """One of the run plots, by name (see ``RUN_KINDS``). ``tables``: ``RunTables.of(result)``
    or ``RunTables.read(run_dir)``."""
    if kind == "energy":
        return energy_breakdown(tables.actions, tables.layers)
    if kind == "area":
        return area_breakdown(tables.area)
    if kind == "latency":
        return latency_breakdown(tables.layers, tables.units, tables.latency_s)
    if kind == "bandwidth":
        return bandwidth_timeline(tables.timeline)
    if kind == "wear":
        return write_erase(tables.actions, tables.layers)
    raise OptionError("kind", f"{kind!r} is not a run plot: use one of {', '.join(RUN_KINDS)}")


def plot_sweep(df: pd.DataFrame, kind: str = "pareto", metric: str = "energy_per_sample_J",
               param: str | None = None, by: str | None = None,
               x: str = "latency_s", y: str = "energy_per_sample_J") -> Figure:
    """One of the sweep plots, by name (see ``SWEEP_KINDS``). ``param`` defaults to the first
    swept parameter and ``by`` to the second (for ``pareto``, ``by`` colours the points)."""
    params = parameter_columns(df)
    if kind == "metric":
        param = param or (params[0] if params else None)
        if param is None:
            raise OptionError("param", "the sweep has no parameter columns: name one with {param}")
        by = by or next((p for p in params if p != param), None)
        return metric_vs_parameter(df, metric, param, by)
    if kind == "pareto":
        return energy_latency(df, x, y, by or (params[0] if params else None))
    raise OptionError("kind", f"{kind!r} is not a sweep plot: use one of {', '.join(SWEEP_KINDS)}")


__all__ = ["RunTables", "energy_breakdown", "area_breakdown", "latency_breakdown", "bandwidth_timeline",
           "write_erase",
           "metric_vs_parameter", "energy_latency", "pareto_front", "parameter_columns",
           "plot_run", "plot_sweep", "save_figure", "RUN_KINDS", "SWEEP_KINDS"]
