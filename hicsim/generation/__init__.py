"""In-situ weight generation, functional side: per-layer factorisation plans, the generation
kernel, fitting factors to weights, and memory accounting. The engine reads plans (stored bytes,
generation MACs); it never needs the kernel or the fit.

Names are imported lazily: planning (``hicsim.generation.plan``) is pure Python and is what the
mapping uses, so importing it must not pull in numba or the fit.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "Factors": "factors", "FitResult": "fit", "fit_errors": "fit", "fit_layer": "fit",
    "fit_network": "fit", "generate": "kernel", "generate_reference": "kernel",
    "LayerMemory": "memory", "layer_memory": "memory", "memory_table": "memory",
    "network_memory": "memory", "plans_table": "memory", "LayerPlan": "plan", "TensorSpec": "plan",
    "plan_layer": "plan", "plan_network": "plan", "QuantTensor": "quantise", "max_code": "quantise",
    "quantise": "quantise", "WeightShape": "shape", "layer_roles": "shape",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'hicsim.generation' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hicsim.generation.{_WHERE[name]}"), name)
