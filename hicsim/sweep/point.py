"""Run one sweep point and turn it into one flat row (in a worker process or a Dask worker).

A task carries the spec files' *data* (read once by the parent), not their paths, so a Dask worker
on another machine needs no shared file system. Overrides are applied to that raw data before
validation, exactly as ``load_arch(path, overrides)`` does, so values written in cycles follow a
swept clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from hicsim.api import simulate
from hicsim.spec import Arch
from hicsim.spec.errors import InputError
from hicsim.spec.load import clock_context, from_data
from hicsim.workload import Workload

# Columns that differ between two runs of the same point: identity checks leave them out.
NONDETERMINISTIC_COLUMNS = ("elapsed_s",)


@dataclass(frozen=True)
class Task:
    index: int
    point_id: str
    workload_name: str
    params: dict[str, Any]  # the swept values: they become the row's parameter columns
    arch_source: str
    arch_data: dict
    arch_overrides: dict[str, Any]  # fixed values and swept values, for the arch spec
    workload_source: str
    workload_data: dict
    workload_overrides: dict[str, Any]


def arch_from(source: str, data: dict, overrides: dict[str, Any]) -> Arch:
    return from_data(Arch, data, source, overrides, clock_context)


def workload_from(source: str, data: dict, overrides: dict[str, Any]) -> Workload:
    return from_data(Workload, data, source, overrides)


def run_task(task: Task) -> dict[str, Any]:
    """The row for one point. Never raises for a bad point: its error goes in the row."""
    start = time.perf_counter()
    row: dict[str, Any] = {"point": task.index, "point_id": task.point_id,
                           "workload": task.workload_name, **task.params}
    try:
        arch = arch_from(task.arch_source, task.arch_data, task.arch_overrides)
        workload = workload_from(task.workload_source, task.workload_data, task.workload_overrides)
        summary = simulate(arch, workload).summary
    except InputError as exc:
        row.update(status="failed", error=str(exc))
    except Exception as exc:  # a simulation bug for one point must not stop a long sweep
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    else:
        row.update(status="ok", error="")
        row.update(flatten(summary))
    row["elapsed_s"] = round(time.perf_counter() - start, 6)
    return row


def flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{'energy_by_component_J': {'adc': 1e-6}}`` -> ``{'energy_by_component_J.adc': 1e-6}``;
    lists become one ``'; '``-joined string, so every cell is a scalar."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            out[name] = "; ".join(map(str, value))
        else:
            out[name] = value
    return out
