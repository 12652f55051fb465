"""Workloads exported from real networks: PyTorch models (``from_torch``, extra
``hicsim[torch]``) and ONNX graphs (``from_onnx``, extra ``hicsim[onnx]``).

torch and onnx are imported only when an exporter is called, so ``import hicsim`` needs neither;
a missing one is an InputError naming the extra to install.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any, Optional, Sequence

from hicsim.spec.errors import single
from hicsim.workload.frameworks.stats import OperandStats, operand_stats
from hicsim.workload.frameworks.stats_apply import with_stats
from hicsim.workload.model import Workload


def from_torch(model: Any, example_input: Any, *, stats: bool = False, **options) -> Workload:
    """The workload of a ``torch.nn.Module`` run on ``example_input`` (batch axis first).
    Options: name, batch (default: the example's), input_bits, weight_bits, phase, source.
    ``stats=True`` records per-layer operand statistics (see ``trace_torch``)."""
    traced = trace_torch(model, example_input, stats=stats, **options)
    return with_stats(traced.workload, traced.stats) if stats else traced.workload


def trace_torch(model: Any, example_input: Any, **options):
    """``from_torch`` with everything it learned: the workload, per-layer operand statistics,
    and which tracer worked (``Traced``)."""
    return _extra("torch", "torch_trace").trace_torch(model, example_input, **options)


def from_torch_factory(spec: str, input_shape: Optional[Sequence[int]] = None,
                       sample: Optional[str] = None, **options) -> Workload:
    """``from_torch`` for a model named ``module:factory`` (as ``hicsim export --torch`` takes
    it), traced on a seeded random input of ``input_shape`` (batch axis first), or on the sample
    batch in the ``.npy`` file ``sample``, whose operand statistics go into the workload."""
    return _extra("torch", "torch_factory").from_torch_factory(spec, input_shape, sample, **options)


def from_onnx(path: str | Path, *, input_shape: Optional[Sequence[int]] = None,
              **options) -> Workload:
    """The workload of an ONNX model file. ``input_shape`` (batch axis first) fixes symbolic
    input dimensions. Options: name, batch, input_bits, weight_bits, phase, source."""
    return _extra("onnx", "onnx_import").from_onnx(path, input_shape=input_shape, **options)


def _extra(package: str, module: str) -> ModuleType:
    """Import our ``module`` that needs ``package``; say which extra to install if missing."""
    try:
        importlib.import_module(package)
    except ImportError:
        raise single(package, f"this needs {package}: pip install 'hicsim[{package}]'") from None
    return importlib.import_module(f"hicsim.workload.frameworks.{module}")


__all__ = ["from_torch", "trace_torch", "from_torch_factory", "from_onnx", "with_stats", "OperandStats",
           "operand_stats"]
