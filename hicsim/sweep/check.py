"""Check a sweep before any point runs.

Where the line between a pre-run error and a failed row falls:

- **Error before any point runs** (``InputError``, CLI exit 2): the base spec or a workload is
  invalid with the fixed values applied; an empty grid axis (caught by the sweep model); or a
  swept value that is wrong *on its own*: a path that does not exist in the schema, a value of the
  wrong type, unit or dimension, or out of its field's range (``tile.adc.bits: 40``). These are
  mistakes in the sweep file; no combination can make them right.
- **Failed row** (the sweep goes on): a value that is valid on its own but invalid in
  combination with the rest of its point, which only the whole-spec cross-checks see (a crossbar
  with too few columns for one weight, ``count`` and ``columns_per_adc`` both set), and any error
  the simulation itself raises for a point.

Each swept setting is applied alone to the base spec (with the fixed values) and validated; a
problem reported *at* the overridden path (or below it, or an unknown key on the way to it) is
about the value itself. Problems elsewhere come from cross-checks and are left to the point.
"""

from __future__ import annotations

from typing import Any, Iterator

from hicsim.spec import Arch
from hicsim.spec.errors import InputError
from hicsim.sweep.expand import grid_axes, split_overrides
from hicsim.sweep.point import arch_from, workload_from
from hicsim.sweep.spec import WORKLOAD_PREFIX, Choices, Sweep
from hicsim.workload import Workload

UNKNOWN_KEY = "unknown key"


def check_sweep(sweep: Sweep) -> None:
    """Raise an InputError naming the sweep file and every bad path, or return."""
    fixed_arch, fixed_workload = split_overrides(sweep.file.fixed)
    problems: list[tuple[str, str]] = []
    problems += _all_problems("fixed", lambda: _arch(sweep, fixed_arch))
    for i in range(len(sweep.workload_data)):
        problems += _all_problems(f"workloads[{i}]", lambda: _workload(sweep, i, fixed_workload))
    if problems:
        raise InputError(sweep.source, problems)
    for where, setting in _settings(sweep):
        arch, workload = split_overrides(setting)
        if arch:
            problems += _own_problems(where, setting, lambda: _arch(sweep, {**fixed_arch, **arch}))
        for i in range(len(sweep.workload_data)) if workload else ():
            problems += _own_problems(where, setting,
                                      lambda: _workload(sweep, i, {**fixed_workload, **workload}))
    if problems:
        raise InputError(sweep.source, _unique(problems))


def _settings(sweep: Sweep) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every distinct setting the sweep can apply, with where it is written in the sweep file."""
    for name, axis in zip(sweep.file.grid, grid_axes(sweep)):
        for setting in axis:
            yield f"grid.{name}", setting
    if sweep.file.random:
        for path, dist in sweep.file.random.params.items():
            values = dist.choices if isinstance(dist, Choices) else _span_ends(dist)
            for value in values:
                yield f"random.params.{path}", {path: value}


def _span_ends(span) -> list[Any]:
    ends = [int(round(v)) if span.integer else v for v in (span.low, span.high)]
    return [f"{v} {span.unit}" if span.unit else v for v in ends]


def _arch(sweep: Sweep, overrides: dict[str, Any]) -> Arch:
    return arch_from(str(sweep.arch_path), sweep.arch_data, overrides)


def _workload(sweep: Sweep, i: int, overrides: dict[str, Any]) -> Workload:
    return workload_from(str(sweep.workload_paths[i]), sweep.workload_data[i], overrides)


def _all_problems(where: str, build) -> list[tuple[str, str]]:
    try:
        build()
    except InputError as exc:
        return [(where, f"{exc.source}: {path}: {msg}" if path else f"{exc.source}: {msg}")
                for path, msg in exc.problems]
    return []


def _own_problems(where: str, setting: dict[str, Any], build) -> list[tuple[str, str]]:
    """Problems that lie at one of the setting's own paths (see the module docstring)."""
    try:
        build()
    except InputError as exc:
        paths = [p[len(WORKLOAD_PREFIX):] if p.startswith(WORKLOAD_PREFIX) else p for p in setting]
        return [(where, f"{path}: {msg} (value {_value_at(setting, path)!r})")
                for path, msg in exc.problems if any(_about(path, msg, own) for own in paths)]
    return []


def _about(problem_path: str, msg: str, own: str) -> bool:
    if problem_path == own or problem_path.startswith((own + ".", own + "[")):
        return True
    return msg.startswith(UNKNOWN_KEY) and own.startswith(problem_path + ".")


def _value_at(setting: dict[str, Any], path: str) -> Any:
    """The value the setting gives at ``path``, or the whole setting when the problem lies on the
    way to one of its paths (an unknown section)."""
    for key in (path, WORKLOAD_PREFIX + path):
        if key in setting:
            return setting[key]
    return setting


def _unique(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(problems))
