"""Workloads: layer model, loading and overrides (zoo, trace I/O and importers live beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from hicsim.spec.load import load, override_model
from hicsim.workload.frameworks import from_onnx, from_torch
from hicsim.workload.layers import LAYER_KINDS, Add, Concat, Conv2d, Linear, Matmul, Mul, Pool
from hicsim.workload.model import NETWORK_INPUT, Workload
from hicsim.workload.scalesim import from_scalesim
from hicsim.workload.shapes import check_shapes, output_shape, shape_problems
from hicsim.workload.trace import dump_workload, write_workload


def load_workload(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Workload:
    """Read and validate a workload trace, with optional ``{'batch': 64}`` overrides."""
    return load(Workload, path, overrides)


def override_workload(workload: Workload, overrides: Mapping[str, Any],
                      source: str = "<overrides>") -> Workload:
    return override_model(workload, overrides, source)


__all__ = ["Workload", "Conv2d", "Linear", "Matmul", "Add", "Mul", "Concat", "Pool", "LAYER_KINDS",
           "NETWORK_INPUT", "load_workload", "override_workload", "dump_workload", "write_workload",
           "from_scalesim", "from_torch", "from_onnx", "check_shapes", "shape_problems", "output_shape"]
