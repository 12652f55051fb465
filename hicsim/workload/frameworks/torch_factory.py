"""A PyTorch model named on the command line as ``module:factory``: import ``module`` (the
current directory first on the path, so a project's own files are found), call ``factory()`` for
the ``nn.Module``, and trace it on a seeded random input of the given shape, or on a sample batch
(a ``.npy`` file), whose operand statistics then go into the workload."""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Sequence

import numpy as np
import torch
from torch import nn

from hicsim.spec.errors import single
from hicsim.workload.frameworks.stats_apply import with_stats
from hicsim.workload.frameworks.torch_trace import trace_torch
from hicsim.workload.model import Workload

EXAMPLE_SEED = 0  # the example input is random but the same every run


def load_factory(spec: str, offered: dict | None = None, required: tuple[str, ...] = ()) -> nn.Module:
    """``factory()`` of ``module:factory``, called with those keyword arguments of ``offered``
    that its signature names; a name in ``required`` that it does not name is an error."""
    module_name, sep, factory_name = spec.partition(":")
    if not sep or not module_name or not factory_name:
        raise single(spec, "expected module:factory, e.g. mynets:resnet18")
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise single(spec, f"cannot import {module_name}: {exc}") from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise single(spec, f"{module_name} has no callable {factory_name}")
    kwargs = _accepted(spec, factory, offered or {}, required)
    try:
        model = factory(**kwargs)
    except Exception as exc:  # the user's code: any error is theirs, reported as input
        raise single(spec, f"{factory_name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) "
                           f"failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise single(spec, f"{factory_name}() returned {type(model).__name__}, not a "
                           f"torch.nn.Module")
    return model


def _accepted(spec: str, factory, offered: dict, required: tuple[str, ...]) -> dict:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a builtin or C callable: offer nothing
        params = {}
    taken = {k: v for k, v in offered.items()
             if k in params and params[k].kind in (params[k].POSITIONAL_OR_KEYWORD, params[k].KEYWORD_ONLY)}
    missing = [k for k in required if k not in taken]
    if missing:
        raise single(spec, f"the factory takes no {', '.join(missing)} keyword argument")
    return taken


def from_torch_factory(spec: str, input_shape: Sequence[int] | None = None,
                       sample: str | None = None, **options) -> Workload:
    """The workload of ``factory()`` traced on a random input of ``input_shape``, or on the
    sample batch in ``sample`` (``.npy``, batch axis first) with per-layer operand statistics."""
    options.setdefault("name", spec.partition(":")[2])
    if sample is None:
        # One sample is traced (a batch of 64 ImageNet images needs 4.5 GB to trace, one 0.9 GB):
        # every shape is per sample, and the batch is a workload field.
        options.setdefault("batch", input_shape[0])
        example = torch.randn(1, *input_shape[1:], generator=torch.Generator().manual_seed(EXAMPLE_SEED))
        return trace_torch(load_factory(spec), example, **options).workload
    try:
        batch = np.load(sample, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise single(sample, f"cannot read a sample batch (.npy): {exc}") from None
    if batch.ndim < 2 or not np.issubdtype(batch.dtype, np.number) or not np.isfinite(batch).all():
        raise single(sample, f"expected a finite numeric array with a batch axis first, got "
                             f"shape {list(batch.shape)} of {batch.dtype}")
    traced = trace_torch(load_factory(spec), torch.from_numpy(batch.astype(np.float32)),
                         stats=True, **options)
    return with_stats(traced.workload, traced.stats)
