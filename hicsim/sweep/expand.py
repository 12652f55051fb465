"""Expand a sweep into its points: workloads x grid axes x random samples, in a fixed order.

A point's id is a hash of what it simulates (workload and overrides), not of its position, so a
resumed sweep recognises finished points even if it is reordered.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hicsim.sweep.spec import WORKLOAD_PREFIX, Choices, Random, Sweep


@dataclass(frozen=True)
class Point:
    index: int
    workload_index: int
    workload: str  # the workload's name, as the results table shows it
    params: dict[str, Any]  # the swept values (grid and random), one column each

    @property
    def id(self) -> str:
        key = json.dumps({"workload": self.workload, "params": self.params}, sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def split_overrides(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``{'tile.adc.bits': 6, 'workload.batch': 8}`` -> arch overrides, workload overrides."""
    arch = {p: v for p, v in values.items() if not p.startswith(WORKLOAD_PREFIX)}
    workload = {p[len(WORKLOAD_PREFIX):]: v for p, v in values.items() if p.startswith(WORKLOAD_PREFIX)}
    return arch, workload


def grid_axes(sweep: Sweep) -> list[list[dict[str, Any]]]:
    """Each axis as its list of settings; a linked axis sets several paths at once."""
    axes = []
    for name, axis in sweep.file.grid.items():
        if isinstance(axis, dict):
            n = len(next(iter(axis.values())))
            axes.append([{p: values[i] for p, values in axis.items()} for i in range(n)])
        else:
            axes.append([{name: v} for v in axis])
    return axes


def random_settings(random: Random | None) -> list[dict[str, Any]]:
    """The random samples, drawn in order from one seeded generator (the same on every machine)."""
    if random is None:
        return [{}]
    rng = np.random.default_rng(random.seed)
    return [{path: _draw(rng, dist) for path, dist in random.params.items()}
            for _ in range(random.samples)]


def _draw(rng: np.random.Generator, dist) -> Any:
    if isinstance(dist, Choices):
        return dist.choices[int(rng.integers(len(dist.choices)))]
    u = float(rng.random())
    if dist.log:
        x = math.exp(math.log(dist.low) + u * (math.log(dist.high) - math.log(dist.low)))
    else:
        x = dist.low + u * (dist.high - dist.low)
    x = int(round(x)) if dist.integer else float(f"{x:.6g}")  # 6 digits: readable in the table
    return f"{x} {dist.unit}" if dist.unit else x


def expand(sweep: Sweep) -> list[Point]:
    names = [str(d.get("name", p.stem)) for d, p in zip(sweep.workload_data, sweep.workload_paths)]
    combos = list(itertools.product(*grid_axes(sweep), random_settings(sweep.file.random)))
    points, seen = [], set()
    for w, name in enumerate(names):
        for combo in combos:
            params: dict[str, Any] = {}
            for setting in combo:
                params.update(setting)
            point = Point(len(points), w, name, params)
            if point.id not in seen:  # a random sample that repeats a point is simulated once
                seen.add(point.id)
                points.append(point)
    return points
