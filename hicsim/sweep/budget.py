"""A sweep's size, memory and wall time, checked before any point runs (see ``hicsim.budget``).

Memory: every worker simulates one point at a time, so the largest point's engine estimate times
the number of workers must fit. Points on a Dask cluster run on other machines and are not
checked here. Wall time: the points' planned seconds (``budget.engine_seconds``, an upper bound
measured on the shipped specs) shared over the workers must stay under ``--max-hours``; on Dask
the number of workers is the cluster's and the time is not checked. The number of points is bounded in the sweep file's schema (``spec.MAX_POINTS``).
"""

from __future__ import annotations

import os
from typing import Any

from hicsim.budget import (duration, engine_estimate, engine_seconds, largest_batch, memory_problem,
                           refuse_over_max_hours)
from hicsim.spec.errors import single
from hicsim.sweep.expand import Point
from hicsim.sweep.spec import WORKLOAD_PREFIX, Sweep

BATCH = WORKLOAD_PREFIX + "batch"


def check_budget(sweep: Sweep, todo: list[Point], jobs: int | None, client: Any,
                 max_hours: float, say: bool = True) -> None:
    if client is not None or not todo:
        return
    workers = 1 if len(todo) == 1 else min(jobs or os.cpu_count() or 1, len(todo))
    check_time(sweep, todo, workers, max_hours, say)
    worst = max(todo, key=lambda p: _estimate(sweep, p).bytes)
    estimate = _estimate(sweep, worst)
    problem = memory_problem(estimate, workers, f"point {worst.index} ({worst.workload})")
    if problem:
        data = sweep.workload_data[worst.workload_index]
        most = largest_batch(len(data.get("layers") or []), str(data.get("phase", "inference")),
                             copies=workers)
        key = f"grid/random {BATCH}" if BATCH in worst.params else \
            f"fixed {BATCH}" if BATCH in sweep.file.fixed else f"batch in {sweep.workload_paths[worst.workload_index]}"
        raise single(sweep.source, f"{problem}: lower {key} (at most {most:,} fits"
                                   f"{' with ' + str(workers) + ' workers' if workers > 1 else ''})"
                                   + (", or run fewer workers (-j)" if workers > 1 else ""),
                     BATCH if BATCH in worst.params or BATCH in sweep.file.fixed else "")


def _estimate(sweep: Sweep, point: Point):
    data = sweep.workload_data[point.workload_index]
    batch = point.params.get(BATCH, sweep.file.fixed.get(BATCH, data.get("batch", 1)))
    layers = data.get("layers") or []
    return engine_estimate(len(layers), batch if isinstance(batch, int) else 1,
                           str(data.get("phase", "inference")))


def check_time(sweep: Sweep, todo: list[Point], workers: int, max_hours: float, say: bool) -> float:
    """Planned wall time in seconds; refused at ``--max-hours`` if above it."""
    seconds = sum(engine_seconds(_estimate(sweep, p)) for p in todo) / workers
    what = (f"{len(todo):,} point(s) on {workers} worker(s): at most about {duration(seconds)} "
            f"(planned from layers x batch, measured per engine event)")
    return refuse_over_max_hours(seconds, max_hours, "the sweep", what,
                                 "run fewer points or more workers ({workers})", ("workers",),
                                 sweep.name, say)
