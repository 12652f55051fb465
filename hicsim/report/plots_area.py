"""Chip area by component (the companion of the energy breakdown): one bar per component,
coloured by where its figure came from (the spec, or a component model)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from hicsim.report.plots_style import message, new_figure, with_unit

SOURCE_COLOURS = {"spec": "tab:blue", "model": "tab:orange"}


def area_breakdown(area: pd.DataFrame) -> Figure:
    """``area``: columns component, area_mm2, source (``Result.area_table()`` or area.csv)."""
    table = area[area["area_mm2"] > 0].sort_values("area_mm2", ascending=False)
    fig, (ax,) = new_figure(8, 1.6 + 0.3 * max(len(table), 1))
    if table.empty:
        message(ax, "no area recorded")
        return fig
    total = float(table["area_mm2"].sum())
    y = np.arange(len(table))
    kind = ["model" if str(s).startswith("model") else "spec" for s in table["source"]]
    ax.barh(y, table["area_mm2"], color=[SOURCE_COLOURS[k] for k in kind], height=0.8)
    for yi, a in zip(y, table["area_mm2"]):
        ax.text(a, yi, f" {a:.3g} ({100 * a / total:.1f} %)", va="center", fontsize=8)
    ax.set_xlim(0, 1.3 * float(table["area_mm2"].max()))  # room for the labels
    ax.set_yticks(y, table["component"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(with_unit("area", "mm^2"))
    ax.set_title(f"Chip area by component: {total:.4g} mm^2")
    ax.grid(axis="x", alpha=0.3)
    handles = [Patch(color=SOURCE_COLOURS["spec"], label="from the spec"),
               Patch(color=SOURCE_COLOURS["model"], label="from a component model")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    return fig
