"""Run a sweep: load and check it, skip the points a results file already holds, run the rest,
append each row as it finishes, and return the whole table.

Before any point runs: the results path is checked for writability, a Dask scheduler is reached,
the results file is locked against a second writer, and the sweep's time is estimated. An empty
results file is never left behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from hicsim.atomic import check_writable, write_error
from hicsim.spec.errors import OptionError, single
from hicsim.budget import DEFAULT_MAX_HOURS
from hicsim.sweep.budget import check_budget
from hicsim.sweep.check import check_sweep
from hicsim.sweep.expand import Point, expand, split_overrides
from hicsim.sweep.lock import ResultsLock
from hicsim.sweep.orphans import terminate_cleanly
from hicsim.sweep.point import Task
from hicsim.sweep.results import ResultsWriter, read_results, read_rows
from hicsim.sweep.runners import dask_client, run_tasks
from hicsim.sweep.spec import Sweep, load_sweep


def default_results_path(sweep_path: str | Path) -> Path:
    return Path(f"{Path(sweep_path).stem}.results.jsonl")


def run_sweep(sweep: Sweep | str | Path, out: str | Path | None = None, *, jobs: int | None = None,
              dask: Any = None, resume: bool = False, force: bool = False,
              progress: bool = True, max_hours: float = DEFAULT_MAX_HOURS) -> pd.DataFrame:
    """Run every point of ``sweep`` not yet in ``out`` and return all rows, sorted by point.

    ``jobs``: worker processes (default all cores; 1 runs here). ``dask``: a scheduler address or
    ``distributed.Client`` instead. An existing non-empty ``out`` needs ``resume`` (run only the
    missing points) or ``force`` (start over). Raises InputError before any point runs if the sweep
    is invalid (see ``hicsim.sweep.check``), the results file cannot be written or is being
    written by another sweep, the scheduler cannot be reached, or the planned wall time is over
    ``max_hours`` (``hicsim.sweep.budget``; the plan is printed to stderr with ``progress``)."""
    if not isinstance(sweep, Sweep):
        out = out or default_results_path(sweep)
        sweep = load_sweep(sweep)
    if out is None:
        raise ValueError("out: a results file is needed when the sweep is given as a model")
    out = Path(out)
    check_writable(out, "out")
    check_sweep(sweep)
    points = expand(sweep)
    client = dask_client(dask) if dask is not None else None
    try:
        with terminate_cleanly(), ResultsLock(out):
            try:
                _run(sweep, out, points, jobs, client, resume, force, progress, max_hours)
            finally:
                _drop_if_empty(out)
    finally:
        if client is not None and client is not dask:
            client.close()
    return read_results(out)


def _run(sweep: Sweep, out: Path, points: list[Point], jobs, client, resume: bool, force: bool,
         progress: bool, max_hours: float) -> None:
    done = _finished_ids(out, points, resume, force)
    todo = [p for p in points if p.id not in done]
    check_budget(sweep, todo, jobs, client, max_hours, say=progress)
    failed = 0
    try:
        writer = ResultsWriter(out)
    except OSError as exc:
        raise write_error(out, exc) from None
    with writer, tqdm(total=len(points), initial=len(points) - len(todo), unit="point",
                      desc=sweep.name, disable=not progress, dynamic_ncols=True) as bar:
        for row in run_tasks([_task(sweep, p) for p in todo], jobs=jobs, dask=client):
            try:
                writer.append(row)
            except OSError as exc:  # a full disk: the rows so far are whole, resume later
                raise write_error(out, exc) from None
            failed += row["status"] != "ok"
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)


def _drop_if_empty(out: Path) -> None:
    """An empty results file holds nothing and would make the next run ask for --resume."""
    try:
        if out.is_file() and out.stat().st_size == 0:
            out.unlink()
    except OSError:
        pass


def _finished_ids(out: Path, points: list[Point], resume: bool, force: bool) -> set[str]:
    if force or not out.exists() or out.stat().st_size == 0:
        out.unlink(missing_ok=True)
        return set()
    if not resume:
        raise OptionError("", "results file exists: resume it ({resume}) to run only its "
                              "missing points, or start over ({force})", str(out),
                          mentions=("resume", "force"))
    done = {row["point_id"] for row in read_rows(out, repair=True)}
    strangers = done - {p.id for p in points}
    if strangers:
        raise single(str(out), f"holds {len(strangers)} point(s) that this sweep does not have: "
                               "it belongs to another sweep (or the sweep file changed)")
    return done


def _task(sweep: Sweep, point: Point) -> Task:
    fixed_arch, fixed_workload = split_overrides(sweep.file.fixed)
    arch, workload = split_overrides(point.params)
    return Task(index=point.index, point_id=point.id, workload_name=point.workload,
                params=point.params, arch_source=str(sweep.arch_path), arch_data=sweep.arch_data,
                arch_overrides={**fixed_arch, **arch},
                workload_source=str(sweep.workload_paths[point.workload_index]),
                workload_data=sweep.workload_data[point.workload_index],
                workload_overrides={**fixed_workload, **workload})
