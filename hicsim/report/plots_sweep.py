"""Plots of a sweep's results table: a metric against a parameter, and energy against latency with
the Pareto front. Failed points are left out (they have no metrics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hicsim import units
from hicsim.report.plots_style import (colours, legend_outside, message, metric_label, new_figure,
                                       si_scale, with_unit)
from hicsim.spec.errors import OptionError, single

ID_COLUMNS = ("point", "point_id", "workload")


def parameter_columns(df: pd.DataFrame) -> list[str]:
    """The swept parameters: the columns a sweep writes between the point's id and its status."""
    cols = list(df.columns)
    end = cols.index("status") if "status" in cols else len(cols)
    return [c for c in cols[:end] if c not in ID_COLUMNS]


def numeric(values: pd.Series) -> pd.Series:
    """Numbers as they are; dimensioned strings (``'25.6 GB/s'``) as SI magnitudes, so they sort
    and space correctly on an axis. Anything else stays as it is (categories)."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    try:
        reg = units.registry()
        return values.map(lambda v: float(reg.Quantity(str(v)).to_base_units().magnitude))
    except Exception:  # not quantities: categories such as 'bus' and 'mesh'
        return values


def _ok(df: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise single("sweep results", f"no column {missing[0]!r} (have: {', '.join(df.columns)})")
    return df[df["status"] == "ok"] if "status" in df.columns else df


# Panels of one figure: more combinations of unshown parameters than this is refused.
MAX_PANELS = 12


def unshown_parameters(df: pd.DataFrame, shown: list[str]) -> list[str]:
    """Swept columns (and the workload, when there are several) not in ``shown`` that take more
    than one value: a line through the points would silently average over them."""
    candidates = parameter_columns(df) + (["workload"] if "workload" in df.columns else [])
    return [c for c in candidates if c not in shown and df[c].astype(str).nunique() > 1]


def metric_vs_parameter(df: pd.DataFrame, metric: str, param: str, by: str | None = None) -> Figure:
    """``metric`` against ``param``, one line per value of ``by``, and one panel per combination
    of the other swept parameters (never an average over a parameter the plot does not show)."""
    ok = _ok(df, [metric, param] + ([by] if by else []))
    facets = unshown_parameters(ok, [param] + ([by] if by else []))
    panels = [((), ok)] if not facets else list(ok.groupby(facets, sort=True))
    if len(panels) > MAX_PANELS:
        raise OptionError("by", f"the sweep also varies {', '.join(facets)} ({len(panels)} "
                                f"combinations): a plot of {param} would average over them; pass "
                                "one of them as {by}, or plot a results file filtered to fewer")
    fig, axes = new_figure(min(8 * len(panels), 20), 5, ncols=len(panels), sharey=True)
    if ok.empty:
        message(axes[0], f"no successful points to plot ({len(df)} point(s), none with status ok)")
        return fig
    name, unit = metric_label(metric)
    scale, unit = si_scale(ok[metric], unit)
    for ax, (key, part) in zip(axes, panels):
        _metric_panel(ax, part, metric, param, by, scale)
        title = f"{name} against {param}"
        if facets:
            values = key if isinstance(key, tuple) else (key,)
            title = ", ".join(f"{f} = {v}" for f, v in zip(facets, values))
        ax.set_title(title)
    axes[0].set_ylabel(with_unit(name, unit))
    legend_outside(fig, axes[-1], by)
    return fig


def _metric_panel(ax, ok: pd.DataFrame, metric: str, param: str, by: str | None,
                  scale: float) -> None:
    x = numeric(ok[param])
    groups = [(None, ok.index)] if by is None else list(ok.groupby(by, sort=True).groups.items())
    colour = colours([str(g) for g, _ in groups], ordered=True)
    for value, idx in groups:
        # one point per x: every other swept parameter is fixed within a panel
        line = pd.DataFrame({"x": x.loc[idx], "y": ok.loc[idx, metric] / scale}).sort_values("x")
        ax.plot(line["x"], line["y"].to_numpy(), marker="o", color=colour[str(value)],
                label=None if by is None else f"{value}")
    if pd.api.types.is_numeric_dtype(x):
        _value_ticks(ax, x, ok[param])
    ax.set_xlabel(param)
    ax.grid(alpha=0.3)


def _value_ticks(ax, x: pd.Series, shown: pd.Series) -> None:
    """Ticks at the swept values, labelled as the sweep file wrote them; a few values spanning
    16x or more (crossbar sizes, tile counts) on a log2 axis so they spread evenly."""
    label_of = dict(zip(x, shown.astype(str)))
    values = sorted(label_of)
    if min(values) > 0 and max(values) / min(values) >= 16 and len(values) <= 6:
        ax.set_xscale("log", base=2)
        ax.minorticks_off()
    if len(values) <= 12:
        ax.set_xticks(values, [label_of[v] for v in values])


def pareto_front(df: pd.DataFrame, x: str, y: str) -> pd.Series:
    """True for points no other point beats on both ``x`` and ``y`` (both minimised)."""
    order = df.sort_values([x, y]).index
    best = np.inf
    front = pd.Series(False, index=df.index)
    for i in order:
        if df.at[i, y] < best:
            front[i] = True
            best = df.at[i, y]
    return front


def energy_latency(df: pd.DataFrame, x: str = "latency_s", y: str = "energy_per_sample_J",
                   colour_by: str | None = None) -> Figure:
    """Every point's energy against its latency, the Pareto front marked and joined."""
    ok = _ok(df, [x, y] + ([colour_by] if colour_by else []))
    fig, (ax,) = new_figure(8, 5.5)
    if ok.empty:
        message(ax, "no successful points to plot")
        return fig
    (xname, xunit), (yname, yunit) = metric_label(x), metric_label(y)
    xs, xunit = si_scale(ok[x], xunit)
    ys, yunit = si_scale(ok[y], yunit)
    groups = [(None, ok.index)] if colour_by is None else list(ok.groupby(colour_by, sort=True).groups.items())
    colour = colours([str(g) for g, _ in groups], ordered=True)
    for value, idx in groups:
        ax.scatter(ok.loc[idx, x] / xs, ok.loc[idx, y] / ys, s=28, alpha=0.75,
                   color=colour[str(value)], label=f"{colour_by} = {value}" if colour_by else "design point")
    front = ok[pareto_front(ok, x, y)].sort_values(x)
    ax.step(front[x] / xs, front[y] / ys, where="post", color="k", lw=1.2, zorder=3)
    ax.scatter(front[x] / xs, front[y] / ys, s=90, facecolors="none", edgecolors="k", lw=1.5,
               zorder=4, label=f"Pareto front ({len(front)} point{'s' if len(front) > 1 else ''})")
    ax.set_xlabel(with_unit(xname, xunit))
    ax.set_ylabel(with_unit(yname, yunit))
    ax.set_title(f"{yname} against {xname} (lower left is better)")
    ax.grid(alpha=0.3)
    legend_outside(fig, ax, None, ncol=3)
    return fig
