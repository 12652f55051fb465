"""In-situ weight generation, functional side: per-layer factorisation plans, the generation
kernel, fitting factors to weights, and memory accounting. The engine reads plans (stored bytes,
generation MACs); it never needs the kernel or the fit.
"""

from __future__ import annotations

from hicsim.generation.factors import Factors
from hicsim.generation.fit import FitResult, fit_errors, fit_layer, fit_network
from hicsim.generation.kernel import generate, generate_reference
from hicsim.generation.memory import (LayerMemory, layer_memory, memory_table, network_memory,
                                      plans_table)
from hicsim.generation.plan import LayerPlan, TensorSpec, plan_layer, plan_network
from hicsim.generation.quantise import QuantTensor, max_code, quantise
from hicsim.generation.shape import WeightShape, layer_roles

__all__ = ["Factors", "FitResult", "LayerMemory", "LayerPlan", "QuantTensor", "TensorSpec",
           "WeightShape", "fit_errors", "fit_layer", "fit_network", "generate", "generate_reference",
           "layer_memory", "layer_roles", "max_code", "memory_table", "network_memory", "plan_layer",
           "plan_network", "plans_table", "quantise"]
