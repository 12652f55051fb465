"""In-situ weight generation, functional side: per-layer factorisation plans, the generation
kernel, fitting factors to weights, and memory accounting. The engine reads plans (stored bytes,
generation MACs); it never needs the kernel or the fit.

The kernel and the fit are imported lazily: the mapping plans generation for every simulation,
and that must not pull in numba.
"""

from __future__ import annotations

import importlib

from hicsim.generation.factors import Factors
from hicsim.generation.memory import (LayerMemory, layer_memory, memory_table, network_memory,
                                      plans_table)
from hicsim.generation.plan import LayerPlan, TensorSpec, plan_layer, plan_network
from hicsim.generation.quantise import QuantTensor, max_code, quantise
from hicsim.generation.shape import WeightShape, layer_roles

_LAZY = {"generate": "kernel", "generate_reference": "kernel", "FitResult": "fit",
         "fit_errors": "fit", "fit_layer": "fit", "fit_network": "fit"}

__all__ = ["Factors", "LayerMemory", "LayerPlan", "QuantTensor", "TensorSpec", "WeightShape",
           "layer_memory", "layer_roles", "max_code", "memory_table", "network_memory", "plan_layer",
           "plan_network", "plans_table", "quantise", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'hicsim.generation' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hicsim.generation.{_LAZY[name]}"), name)
