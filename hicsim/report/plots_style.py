"""What every hicsim plot shares: figures without pyplot, labels with scaled SI units, stable
colours per name, legends outside the data, and saving by file extension.

Figures are built as ``matplotlib.figure.Figure`` objects, never through pyplot: no global figure
state, no GUI backend needed (saving uses the Agg/SVG/PDF canvases), and a notebook can still
display the returned figure.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from hicsim.atomic import write_atomic
from hicsim.spec.errors import single

FORMATS = (".png", ".svg", ".pdf")
PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""),
            (1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T"))

# Metric name suffix -> (quantity, SI unit): how a summary column becomes an axis label.
METRIC_UNITS = (("_B_per_s", "bandwidth", "B/s"), ("_per_s", "rate", "1/s"), ("_J", "energy", "J"),
                ("_s", "time", "s"), ("_cycles", "", "cycles"), ("_mm2", "area", "mm²"),
                ("_bytes", "", "B"))


def new_figure(width: float, height: float, ncols: int = 1, **grid) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False, **grid)[0]
    return fig, list(axes)


def si_scale(values: Iterable[float], unit: str) -> tuple[float, str]:
    """The divisor and unit label (``1e-6, 'µJ'``) that put the largest value in [1, 1000)."""
    arr = np.abs(np.asarray(list(values), dtype=float))
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0 or unit in ("cycles", "1/s"):
        return 1.0, unit
    top = arr.max()
    factor, prefix = PREFIXES[0]
    for f, p in PREFIXES:
        if top >= f:
            factor, prefix = f, p
    return factor, f"{prefix}{unit}"


def metric_label(name: str, unit_label: str | None = None) -> tuple[str, str]:
    """``'energy_per_sample_J'`` -> ``('energy per sample', 'J')``."""
    for suffix, _, unit in METRIC_UNITS:
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " "), unit_label or unit
    return name.replace("_", " "), unit_label or ""


def with_unit(text: str, unit: str) -> str:
    return f"{text} ({unit})" if unit else text


def colours(names: Sequence[str], ordered: bool = False) -> dict[str, tuple]:
    """One colour per name: by sorted name (the same set gets the same colours in every plot), or
    in the order given (``ordered``: numeric parameter values, smallest first)."""
    ordered = list(dict.fromkeys(names)) if ordered else sorted(set(names))
    cmap = colormaps["tab10" if len(ordered) <= 10 else "tab20"]
    return {n: cmap(i % cmap.N) for i, n in enumerate(ordered)}


def legend_outside(fig: Figure, ax, title: str | None = None, ncol: int | None = None) -> None:
    """A legend below the axes, never over the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", title=title,
                   ncol=ncol or min(len(labels), 5), frameon=False)


def message(ax, text: str) -> None:
    """Say on an empty plot why it is empty."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save by extension: .png, .svg or .pdf."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise single(str(p), f"unknown figure format {p.suffix!r}: use one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format=p.suffix.lower().lstrip("."))
    return write_atomic(p, buffer.getvalue())
