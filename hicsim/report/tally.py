"""Sums and orders over a result's rows in plain Python, so a run's summary needs no pandas (its
import is a third of a small ``hicsim run``'s start-up); the tables are pandas DataFrames built
from the same rows when they are asked for.

Float sums are ``math.fsum``: the exact sum rounded once, whatever the order of the rows. (pandas'
own group sums depend on its version and on whether the groups happen to be sorted, Kahan or
``numpy.add.reduceat``, and differ from it in the last bit or two.) Integer sums stay exact.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence


def total(values: Iterable) -> float | int:
    """Exact sum of integers; correctly rounded sum of floats (``math.fsum``)."""
    values = list(values)
    if all(isinstance(v, int) for v in values):
        return sum(values)
    return math.fsum(values)


def sums_by(rows: Sequence[tuple], keys: Sequence[int], value: int,
            where: Callable[[tuple], bool] | None = None) -> dict[tuple, float | int]:
    """Sum of column ``value`` per distinct tuple of the ``keys`` columns, groups in the order
    they first appear (rows that ``where`` refuses are left out)."""
    groups: dict[tuple, list] = {}
    for row in rows:
        if where is None or where(row):
            groups.setdefault(tuple(row[k] for k in keys), []).append(row[value])
    return {key: total(values) for key, values in groups.items()}


def descending(sums: dict) -> list[tuple]:
    """(key, sum) pairs, largest sum first; equal sums keep their order."""
    return sorted(sums.items(), key=lambda kv: kv[1], reverse=True)
