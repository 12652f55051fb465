"""The sweep file: pydantic models, validated once at the edge (unknown keys are errors).

A sweep names a base arch spec, one or more workloads, and the points to simulate::

    version: 1
    name: adc_bits_x_crossbar_resnet32
    arch: ../arch_specs/hic_pcm.yaml          # paths are relative to the sweep file
    workloads: [../workloads/resnet32_cifar10.yaml]
    fixed: {tile.dac.energy: 0.4 pJ}           # applied to every point
    grid:
      tile.adc.bits: [4, 6, 8]                 # one axis: one path, its values
      crossbar:                                # a linked axis: paths that move together
        tile.crossbar.rows: [128, 256, 512]
        tile.crossbar.cols: [128, 256, 512]
    random:                                    # optional: samples crossed with the grid
      samples: 10
      seed: 1
      params:
        chip.tiles: {choices: [16, 32, 64]}
        memory.dram.channel_bandwidth: {low: 10, high: 100, unit: GB/s, log: true}

Paths address the arch spec; a path that starts with ``workload.`` addresses the workload
(``workload.batch: [1, 8]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hicsim.spec.errors import InputError
from hicsim.spec.load import read_yaml, validate

WORKLOAD_PREFIX = "workload."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choices(_Strict):
    """Draw uniformly from a list of values."""

    choices: List[Any] = Field(min_length=1)


class Span(_Strict):
    """Draw from [low, high]: uniformly, or log-uniformly; ``integer`` rounds the draw; ``unit``
    makes it a dimensioned string (``'42.5 GB/s'``)."""

    low: float
    high: float
    log: bool = False
    integer: bool = False
    unit: Optional[str] = None

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError("log sampling needs low > 0")
        return self


# More points than this is days of simulation at any point rate measured (bench_sweep), and
# expanding them alone costs memory: a slip such as samples: 1000000000 is refused at load time.
MAX_POINTS = 100_000


class Random(_Strict):
    samples: int = Field(ge=1, le=MAX_POINTS)
    seed: int = 0
    params: Dict[str, Union[Choices, Span]] = Field(min_length=1)


Axis = Union[List[Any], Dict[str, List[Any]]]


class SweepFile(_Strict):
    version: Literal[1]
    name: str
    description: str = ""
    arch: str
    workloads: List[str] = Field(min_length=1)
    fixed: Dict[str, Any] = {}
    grid: Dict[str, Axis] = {}
    random: Optional[Random] = None

    @field_validator("grid")
    @classmethod
    def _axes_not_empty(cls, grid: dict) -> dict:
        for name, axis in grid.items():
            lists = axis.values() if isinstance(axis, dict) else [axis]
            if isinstance(axis, dict) and not axis:
                raise ValueError(f"{name}: a linked axis needs at least one path")
            if any(len(values) == 0 for values in lists):
                raise ValueError(f"{name}: empty list of values (an axis needs at least one)")
            if len({len(values) for values in lists}) > 1:
                raise ValueError(f"{name}: the linked paths must have lists of equal length")
        return grid

    @model_validator(mode="after")
    def _something_to_run(self):
        paths = [p for axis_name, axis in self.grid.items()
                 for p in (axis if isinstance(axis, dict) else [axis_name])]
        if self.random:
            paths += list(self.random.params)
        twice = sorted({p for p in paths if paths.count(p) > 1} | (set(paths) & set(self.fixed)))
        if twice:
            raise ValueError(f"paths set in more than one place (grid, random, fixed): {twice}")
        points = len(self.workloads) * (self.random.samples if self.random else 1)
        for axis in self.grid.values():
            points *= len(next(iter(axis.values()))) if isinstance(axis, dict) else len(axis)
        if points > MAX_POINTS:
            raise ValueError(f"{points:,} points (workloads x grid axes x random.samples) is more "
                             f"than the {MAX_POINTS:,} a sweep accepts: shorten grid axes or lower "
                             "random.samples")
        return self


class Sweep(BaseModel):
    """A validated sweep file with its paths resolved and its spec files read (once, here)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source: str
    file: SweepFile
    arch_path: Path
    arch_data: dict
    workload_paths: List[Path]
    workload_data: List[dict]

    @property
    def name(self) -> str:
        return self.file.name


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file and the spec files it names (errors name the file and key)."""
    source = str(path)
    file = validate(SweepFile, read_yaml(path), source)
    base = Path(path).resolve().parent
    arch_path = _resolve(base, file.arch, source, "arch")
    workload_paths = [_resolve(base, w, source, f"workloads[{i}]") for i, w in enumerate(file.workloads)]
    return Sweep(source=source, file=file, arch_path=arch_path, arch_data=read_yaml(arch_path),
                 workload_paths=workload_paths, workload_data=[read_yaml(p) for p in workload_paths])


def _resolve(base: Path, name: str, source: str, key: str) -> Path:
    p = Path(name)
    p = p if p.is_absolute() else base / p
    if not p.is_file():
        raise InputError(source, [(key, f"no such file: {p}")])
    return p
