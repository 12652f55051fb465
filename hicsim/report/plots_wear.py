"""Write-erase histograms per layer, from a training run's per-device counts (``hicsim train``
writes ``wear_histogram.csv``: rule, width, layer, device, cycles_from, cycles_to, devices)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hicsim.report.plots_style import colours, legend_outside, message, new_figure


def wear_histogram(hist: pd.DataFrame) -> Figure:
    """One panel per device type: for each layer, how many devices saw how many write-erase
    cycles (log axes: the most-written devices are few and they set the lifetime). A directory
    with several runs (rules, widths) shows the first."""
    if len(hist):
        rule, width = hist.iloc[0][["rule", "width"]]
        hist = hist[(hist["rule"] == rule) & (hist["width"] == width)]
    kinds = sorted(hist["device"].unique()) if len(hist) else []
    fig, axes = new_figure(6 * max(len(kinds), 1), 4.5, ncols=max(len(kinds), 1))
    if not kinds:
        message(axes[0], "no write-erase counts in this run")
        return fig
    layer_colour = colours(hist["layer"].unique())
    for ax, kind in zip(axes, kinds):
        rows = hist[hist["device"] == kind]
        for layer, part in rows.groupby("layer", sort=False):
            centre = (part["cycles_from"] + part["cycles_to"]) / 2 + 1  # +1: zero on a log axis
            ax.step(centre.to_numpy(), part["devices"].to_numpy(), where="mid",
                    color=layer_colour[layer], label=layer)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("write-erase cycles per device in the run (+1)")
        ax.set_ylabel("devices in the bin")
        ax.set_title(f"{kind} devices ({rule} rule, width {width:g})")
        ax.grid(alpha=0.3, which="both")
        peak = rows.loc[rows["devices"] > 0, "cycles_to"].max()
        ax.axvline(peak + 1, color="k", ls=":", lw=1)
        ax.annotate(f"most-written: {int(peak)}", (peak + 1, 1), textcoords="offset points",
                    xytext=(-4, 4), ha="right", fontsize=8)
    legend_outside(fig, axes[0], "layer", ncol=min(int(np.ceil(len(layer_colour) / 2)), 6))
    return fig
