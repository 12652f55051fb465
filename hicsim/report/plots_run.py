"""Plots of one run: energy by component, where the time goes, bandwidth over time, programming.

Each function takes the run's DataFrames (from a ``Result`` or from the CSVs that
``hicsim run --out DIR`` writes; see ``RunTables``) and returns a Figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hicsim.report.plots_style import (colours, legend_outside, message, new_figure, si_scale,
                                       with_unit)
from hicsim.spec.errors import single

PROGRAMMING_ACTIONS = ("set_pulse", "reset_pulse")

# A layer's time by kind (``Result.layers`` columns ``<kind>_cycles``), in stacking order.
LATENCY_COLOURS = {"compute": "tab:blue", "conversion": "tab:orange", "programming": "tab:red",
                   "generation": "tab:purple", "stall": "tab:gray"}

# What each kind of unit spends its busy time on (the engine's unit kinds).
UNIT_ROLES = {"tile": "tiles: analog MVM + ADC conversion + programming",
              "dram_channel": "DRAM channels: memory", "buffer_port": "on-chip buffer ports: memory",
              "link": "interconnect links: memory traffic", "vector_unit": "vector unit: digital ops"}


@dataclass(frozen=True)
class RunTables:
    """The tables the run plots need, from a Result or from a run directory."""

    actions: pd.DataFrame
    layers: pd.DataFrame
    units: pd.DataFrame
    timeline: pd.DataFrame
    latency_s: float
    area: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def of(cls, result, bins: int = 50) -> "RunTables":
        return cls(result.actions, result.layers, result.units, result.traffic_timeline(bins),
                   result.latency_s, result.area_table())

    @classmethod
    def read(cls, run_dir: str | Path) -> "RunTables":
        d = Path(run_dir)
        names = ("actions.csv", "layers.csv", "units.csv", "traffic_timeline.csv", "summary.json")
        missing = [n for n in names if not (d / n).is_file()]
        if missing:
            raise single(str(d), f"not a run directory (the tables write_tables writes): "
                                 f"missing {', '.join(missing)}")
        summary = json.loads((d / "summary.json").read_text())
        # area.csv: runs written before the area model have none (the area plot says so)
        area = pd.read_csv(d / "area.csv") if (d / "area.csv").is_file() else pd.DataFrame(
            columns=["component", "area_mm2", "source"])
        return cls(*(pd.read_csv(d / n) for n in names[:4]), float(summary["latency_s"]), area)


def _layer_order(layers: pd.DataFrame | None, present) -> list[str]:
    order = list(layers["layer"]) if layers is not None else []
    return [l for l in order if l in set(present)] + [l for l in dict.fromkeys(present) if l not in order]


def energy_breakdown(actions: pd.DataFrame, layers: pd.DataFrame | None = None) -> Figure:
    """Stacked energy by component: one bar per layer (network order) and the total."""
    table = actions.pivot_table(index="layer", columns="component", values="energy_J",
                                aggfunc="sum", fill_value=0.0)
    table = table.loc[_layer_order(layers, table.index)]
    table = table.loc[:, table.sum().sort_values(ascending=False).index]
    table = table.loc[:, table.sum() > 0]
    fig, (ax, ax_total) = new_figure(11, 2.0 + 0.22 * len(table), ncols=2,
                                     width_ratios=[4, 1])
    if table.empty:
        message(ax, "no energy recorded")
        message(ax_total, "no energy recorded")
        return fig
    scale, unit = si_scale(table.sum(axis=1), "J")
    total_scale, total_unit = si_scale([table.values.sum()], "J")
    colour = colours(table.columns)
    y = np.arange(len(table))
    left = np.zeros(len(table))
    total_left = 0.0
    for comp in table.columns:
        ax.barh(y, table[comp] / scale, left=left, color=colour[comp], label=comp, height=0.8)
        left += table[comp].to_numpy() / scale
        value = table[comp].sum() / total_scale
        ax_total.bar(0, value, bottom=total_left, color=colour[comp], width=0.6)
        total_left += value
    ax.set_yticks(y, table.index, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(with_unit("energy per layer", unit))
    ax.set_title("Energy by layer and component")
    ax.grid(axis="x", alpha=0.3)
    ax_total.set_xticks([0], ["whole run"])
    ax_total.set_ylabel(with_unit("total energy", total_unit))
    ax_total.set_title("Total")
    legend_outside(fig, ax, "component", ncol=min(len(table.columns), 6))
    return fig


def latency_breakdown(layers: pd.DataFrame, units: pd.DataFrame, latency_s: float) -> Figure:
    """Where the time goes: per layer, its critical unit's time on analog reads (compute), on
    conversion beyond the reads, on programming and on weight generation, and the rest of its
    span spent stalled (waiting on memory, transfers or units other layers hold); beside it, how
    long each kind of unit is busy against the run's latency."""
    fig, (ax, ax_units) = new_figure(12, 2.0 + 0.22 * max(len(layers), len(units["kind"].unique())),
                                     ncols=2, width_ratios=[3, 2])
    cycles = max(float(layers["end_cycle"].max()), 1.0) if len(layers) else 1.0
    cycle_s = latency_s / cycles if latency_s else 0.0
    scale, unit = si_scale([latency_s], "s")
    y = np.arange(len(layers))
    left = np.zeros(len(layers))
    kinds = [k for k in LATENCY_COLOURS if f"{k}_cycles" in layers and layers[f"{k}_cycles"].any()]
    if not kinds:
        message(ax, "no layer time recorded" if len(layers) else "no layers in this run")
    for kind in kinds:
        colour = LATENCY_COLOURS[kind]
        width = layers[f"{kind}_cycles"].to_numpy(dtype=float) * cycle_s / scale
        ax.barh(y, width, left=left, color=colour, label=kind.replace("_", " "), height=0.8)
        left += width
    ax.set_yticks(y, layers["layer"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(with_unit("time", unit))
    ax.set_title("Layer time by kind (critical unit; stall = rest of the layer's span)")
    ax.grid(axis="x", alpha=0.3)
    busy = units.groupby("kind")["busy_cycles"].agg(["max", "mean"]).sort_values("max")
    if not busy["max"].any():
        message(ax_units, "no unit was busy in this run")
    busy = busy * cycle_s / scale
    yk = np.arange(len(busy))
    labels = [UNIT_ROLES.get(k, k) for k in busy.index]
    ax_units.barh(yk + 0.2, busy["max"], height=0.4, color="tab:red", label="busiest unit of the kind")
    ax_units.barh(yk - 0.2, busy["mean"], height=0.4, color="tab:gray", label="mean over the kind")
    ax_units.axvline(latency_s / scale, color="k", ls="--", lw=1, label="run latency")
    ax_units.set_yticks(yk, labels, fontsize=8)
    ax_units.set_xlabel(with_unit("busy time", unit))
    ax_units.set_title("Busy time by unit kind")
    ax_units.grid(axis="x", alpha=0.3)
    legend_outside(fig, ax, "time spent on", ncol=max(len(kinds), 1))
    ax_units.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return fig


def bandwidth_timeline(timeline: pd.DataFrame) -> Figure:
    """Achieved bandwidth per memory level and direction in equal time bins
    (``Result.traffic_timeline``): one colour per level, writes dashed."""
    levels = [c for c in timeline.columns if c not in ("start_s", "width_s")]
    fig, (ax,) = new_figure(9, 4.5)
    if timeline.empty or not levels:
        message(ax, "no memory traffic recorded")
        return fig
    bw = timeline[levels].div(timeline["width_s"], axis=0)
    if not bw.to_numpy().any():
        message(ax, "no memory traffic recorded (every level moved 0 bytes)")
        return fig
    tscale, tunit = si_scale(timeline["start_s"] + timeline["width_s"], "s")
    bscale, bunit = si_scale(bw.to_numpy().ravel(), "B/s")
    edges = np.append(timeline["start_s"], timeline["start_s"].iloc[-1] + timeline["width_s"].iloc[-1])
    colour = colours([c.split(".")[0] for c in levels])
    for level in levels:
        idle = not bw[level].any()  # drawn flat at zero; the legend says why
        ax.stairs(bw[level] / bscale, edges / tscale, color=colour[level.split(".")[0]], lw=1.8,
                  linestyle="--" if level.endswith(".write") else "-",
                  label=f"{level} (no traffic at this level)" if idle else level)
    ax.set_xlabel(with_unit("time", tunit))
    ax.set_ylabel(with_unit("bandwidth", bunit))
    ax.set_title("Bandwidth per memory level over time")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    legend_outside(fig, ax, "memory level")
    return fig


def write_erase(actions: pd.DataFrame, layers: pd.DataFrame | None = None) -> Figure:
    """Programming per layer: devices written, and SET and RESET pulses per device type."""
    rows = actions[actions["action"].isin(PROGRAMMING_ACTIONS + ("devices_written",))]
    fig, (ax_pulses, ax_written) = new_figure(11, 2.0 + 0.22 * max(rows["layer"].nunique(), 4),
                                              ncols=2, sharey=True)
    if rows.empty:
        why = "no device was programmed in this run\n(inference with the weights resident)"
        message(ax_pulses, why)
        message(ax_written, why)
        return fig
    rows = rows.assign(kind=rows["component"] + " " + rows["action"].str.replace("_", " "))
    table = rows.pivot_table(index="layer", columns="kind", values="count", aggfunc="sum",
                             fill_value=0)
    table = table.loc[_layer_order(layers, table.index)]
    y = np.arange(len(table))
    pulses = [c for c in table.columns if not c.endswith("devices written")]
    written = [c for c in table.columns if c.endswith("devices written")]
    colour = colours(table.columns)
    for ax, cols, what in ((ax_pulses, pulses, "pulses"), (ax_written, written, "devices written")):
        if not cols:
            message(ax, f"no {what} counted in this run")
            continue
        scale, _ = si_scale(table[cols].sum(axis=1), "")
        prefix = {1e3: "thousands of ", 1e6: "millions of ", 1e9: "billions of "}.get(scale, "")
        left = np.zeros(len(table))
        for col in cols:
            ax.barh(y, table[col] / scale, left=left, color=colour[col], label=col, height=0.8)
            left += table[col].to_numpy() / scale
        ax.set_xlabel(f"{prefix}{what} per layer")
        ax.grid(axis="x", alpha=0.3)
    ax_pulses.set_yticks(y, table.index, fontsize=8)
    ax_pulses.invert_yaxis()
    ax_pulses.set_title("Write-erase pulses per layer (SET and RESET)")
    ax_written.set_title("Devices written per layer")
    handles = [h for a in (ax_pulses, ax_written) for h in a.get_legend_handles_labels()[0]]
    labels = [l for a in (ax_pulses, ax_written) for l in a.get_legend_handles_labels()[1]]
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), frameon=False)
    return fig
