"""A PyTorch model named on the command line as ``module:factory``: import ``module`` (the
current directory first on the path, so a project's own files are found), call ``factory()`` for
the ``nn.Module``, and trace it on a seeded random input of the given shape."""

from __future__ import annotations

import importlib
import sys
from typing import Sequence

import torch
from torch import nn

from hicsim.spec.errors import single
from hicsim.workload.frameworks.torch_trace import trace_torch
from hicsim.workload.model import Workload

EXAMPLE_SEED = 0  # the example input is random but the same every run


def load_factory(spec: str) -> nn.Module:
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
    model = factory()
    if not isinstance(model, nn.Module):
        raise single(spec, f"{factory_name}() returned {type(model).__name__}, not a "
                           f"torch.nn.Module")
    return model


def from_torch_factory(spec: str, input_shape: Sequence[int], **options) -> Workload:
    """The workload of ``factory()`` traced on a random input of ``input_shape``."""
    example = torch.randn(*input_shape, generator=torch.Generator().manual_seed(EXAMPLE_SEED))
    options.setdefault("name", spec.partition(":")[2])
    return trace_torch(load_factory(spec), example, **options).workload
