"""Bytes per memory level and direction over time, each transfer spread over the cycles it took.

The engine records every transfer with the span of the operation that moved it (``Transfer``:
a port's or link's transfer, the MVMs that read their inputs out of the local buffer, the
programming that reads the weights). A transfer moves its bytes at an even rate over its span,
so a bin gets the bytes of the part of the span it covers. Bytes stay whole: a transfer's share
up to a bin's right edge is rounded down, and its last bin takes the rest, so the bins of every
level and direction add up exactly to the ledger's bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def spread_timeline(traffic: pd.DataFrame, cycles: int, bins: int, clock_hz: float) -> pd.DataFrame:
    """One row per time bin: start_s, width_s, then bytes per ``level.direction`` column."""
    edges = np.linspace(0, max(cycles, 1), bins + 1)
    columns = sorted({f"{lv}.{d}" for lv, d in zip(traffic["level"], traffic["direction"])})
    out = pd.DataFrame(0, index=range(bins), columns=columns, dtype=np.int64)
    if len(traffic):
        start = traffic["cycle"].to_numpy(np.float64)
        end = np.maximum(traffic["end_cycle"].to_numpy(np.float64), start)
        nbytes = traffic["bytes"].to_numpy(np.int64)
        first = np.clip(np.searchsorted(edges, start, "right") - 1, 0, bins - 1)
        # the bin of the span's last cycle (an instant: the bin it falls in)
        last = np.where(end > start, np.searchsorted(edges, end, "left") - 1, first)
        last = np.clip(last, first, bins - 1)
        spans = last - first + 1
        row = np.repeat(np.arange(len(traffic)), spans)
        offset = np.arange(len(row)) - np.repeat(np.cumsum(spans) - spans, spans)
        b = first[row] + offset
        length = np.where(end > start, end - start, 1.0)[row]
        share = np.clip((edges[b + 1] - start[row]) / length, 0.0, 1.0)
        upto = np.floor(nbytes[row] * share).astype(np.int64)
        is_last = b == last[row]
        upto[is_last] = nbytes[row][is_last]
        before = np.where(offset > 0, np.roll(upto, 1), 0)
        column = pd.Categorical(traffic["level"].astype(str) + "." + traffic["direction"].astype(str),
                                categories=columns)
        moved = pd.DataFrame({"bin": b, "column": np.asarray(column)[row], "bytes": upto - before})
        sums = moved.groupby(["bin", "column"], observed=True)["bytes"].sum().unstack(fill_value=0)
        out = out.add(sums.reindex(index=range(bins), columns=columns, fill_value=0), fill_value=0)
    out = out.astype(np.int64)
    width = edges[1] - edges[0]
    out.insert(0, "start_s", edges[:-1] / clock_hz)
    out.insert(1, "width_s", width / clock_hz)
    return out.reset_index(drop=True)
