"""Heat maps of per-device wear, one panel per layer, from a training run's ``wear_map.npz``
(``hicsim.train.wear_map``): each pixel is one weight of the layer's (inputs, outputs) matrix,
coloured by the write-erase cycles of its most-cycled device slot; the panel's title names the
layer, its peak and the device kind that holds it."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from hicsim.report.plots_style import message
from hicsim.train.wear_map import layer_maps, most_written

PANEL_INCHES = 2.8
MAX_COLUMNS = 6


def wear_heatmaps(arrays: dict[str, np.ndarray], counter: str = "write_erase_cycles") -> Figure:
    maps = layer_maps(arrays)
    n = max(len(maps), 1)
    cols = min(n, MAX_COLUMNS)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(PANEL_INCHES * cols + 0.5, PANEL_INCHES * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(maps):]:
        ax.set_axis_off()
    if not maps:
        message(axes[0], "no analog layers in this run")
        return fig
    for ax, (name, m) in zip(axes, maps.items()):
        per_weight = m[counter].max(axis=0)  # the weight's most-worn device slot
        image = ax.imshow(per_weight, aspect="auto", interpolation="nearest", cmap="magma",
                          vmin=0, vmax=max(int(per_weight.max()), 1))
        slot = np.unravel_index(int(np.argmax(m[counter])), m[counter].shape)[0]
        kind = "binary" if m["binary"][slot] else "multi-level"
        ax.set_title(f"{name}\npeak {int(per_weight.max())} ({kind})", fontsize=8)
        ax.set_xlabel("output (column)", fontsize=7)
        ax.set_ylabel("input (row)", fontsize=7)
        ax.tick_params(labelsize=6)
        fig.colorbar(image, ax=ax, shrink=0.8).ax.tick_params(labelsize=6)
    peak = most_written(arrays)
    fig.suptitle(f"{counter.replace('_', ' ')} per weight (most-worn device) over "
                 f"{int(arrays['steps'])} training steps; most-written device: {peak['layer']} "
                 f"slot {peak['slot']} row {peak['row']} column {peak['column']}, "
                 f"{peak['cycles']} cycles of {peak['endurance']:.3g}", fontsize=9)
    return fig
