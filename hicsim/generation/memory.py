"""Memory accounting: bytes a layer stores with generation, against its parameters at 32-bit
float and at the crossbar representation's bits per weight; parameter-count and memory ratios.

A layer's parameters are its weights plus its batch-norm scale and shift and its bias (the
plan's ``extras``). The extras are stored as they are, so they count the same on the stored side
and on the crossbar baseline, and at 32 bits on the FP32 baseline.

Both directions of every ratio are given, labelled by their names:
``*_ratio`` is baseline / stored (12.0 reads "12x smaller than the baseline") and
``*_fraction`` is stored / baseline (0.083 reads "8.3 % of the baseline", the direction the
published in-situ generation results are quoted in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from hicsim.generation.plan import LayerPlan, plan_network
from hicsim.spec.generation import GenerationUnit

FP32_BITS = 32
# the stored tensors a plan may hold (see plan.py): weight forms, then the extras
TENSOR_NAMES = ("B", "U", "W1", "V", "W", "BN", "bias")

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class LayerMemory:
    name: str
    weights: int  # parameters of the dense weight tensor
    extra_params: int  # batch-norm scale and shift, bias
    stored_params: int  # codes stored (factors, or the weights themselves when direct) + extras
    tensor_bytes: Mapping[str, int]  # by stored tensor name (TENSOR_NAMES)
    fp32_bytes: int
    crossbar_bytes: int

    @property
    def params(self) -> int:
        return self.weights + self.extra_params

    @property
    def stored_bytes(self) -> int:
        return sum(self.tensor_bytes.values())

    @property
    def param_ratio(self) -> float:
        return self.params / self.stored_params

    @property
    def fp32_ratio(self) -> float:
        return self.fp32_bytes / self.stored_bytes

    @property
    def crossbar_ratio(self) -> float:
        return self.crossbar_bytes / self.stored_bytes

    @property
    def param_fraction(self) -> float:
        return self.stored_params / self.params

    @property
    def fp32_fraction(self) -> float:
        return self.stored_bytes / self.fp32_bytes

    @property
    def crossbar_fraction(self) -> float:
        return self.stored_bytes / self.crossbar_bytes


def _dense_bytes(weights: int, bits: float) -> int:
    return math.ceil(weights * bits / 8)


def layer_memory(plan: LayerPlan, crossbar_bits_per_weight: float) -> LayerMemory:
    if not crossbar_bits_per_weight > 0:
        raise ValueError(f"crossbar_bits_per_weight must be positive, got {crossbar_bits_per_weight!r}")
    n, extra = plan.shape.weights, plan.extra_params
    return LayerMemory(plan.name, n, extra, plan.stored_params + extra,
                       {t.name: t.bytes for t in plan.tensors + plan.extras},
                       _dense_bytes(n + extra, FP32_BITS),
                       _dense_bytes(n, crossbar_bits_per_weight) + plan.extra_bytes)


def network_memory(plans: Mapping[str, LayerPlan], crossbar_bits_per_weight: float) -> LayerMemory:
    """The network's totals, as one LayerMemory named 'total' (dense baselines summed per layer)."""
    layers = [layer_memory(p, crossbar_bits_per_weight) for p in plans.values()]
    return LayerMemory("total", sum(m.weights for m in layers), sum(m.extra_params for m in layers),
                       sum(m.stored_params for m in layers),
                       {t: sum(m.tensor_bytes.get(t, 0) for m in layers) for t in TENSOR_NAMES},
                       sum(m.fp32_bytes for m in layers), sum(m.crossbar_bytes for m in layers))


def _row(m: LayerMemory, plan: LayerPlan | None) -> dict:
    described = {} if plan is None else {
        "shape": str(plan.shape), "groups": plan.shape.groups, "levels": plan.levels,
        "bi": plan.bi, "bo": plan.bo, "reason": "; ".join(plan.reasons)}
    return {"layer": m.name, **described, "weights": m.weights, "extra_params": m.extra_params,
            "stored_params": m.stored_params,
            **{f"bytes_{t}": m.tensor_bytes.get(t, 0) for t in TENSOR_NAMES},
            "stored_bytes": m.stored_bytes, "fp32_bytes": m.fp32_bytes,
            "crossbar_bytes": m.crossbar_bytes, "param_ratio": m.param_ratio,
            "fp32_ratio": m.fp32_ratio, "crossbar_ratio": m.crossbar_ratio,
            "param_fraction": m.param_fraction, "fp32_fraction": m.fp32_fraction,
            "crossbar_fraction": m.crossbar_fraction}


def plans_table(plans: Mapping[str, LayerPlan], crossbar_bits_per_weight: float) -> pd.DataFrame:
    """One row per planned layer plus a final 'total' row; generation MACs per layer too."""
    import pandas as pd  # here: every simulation imports this module (the engine reads plans)

    rows = [{**_row(layer_memory(p, crossbar_bits_per_weight), p), "generation_macs": p.generation_macs}
            for p in plans.values()]
    total = {**_row(network_memory(plans, crossbar_bits_per_weight), None),
             "generation_macs": sum(p.generation_macs for p in plans.values())}
    table = pd.DataFrame(rows + [total])
    return table.astype({"groups": "Int64", "bi": "Int64", "bo": "Int64"})  # blanks, not NaN floats


def memory_table(workload, generation_spec: GenerationUnit, crossbar_bits_per_weight: float) -> pd.DataFrame:
    """Plan ``workload`` under ``generation_spec`` and tabulate its memory, layer by layer."""
    return plans_table(plan_network(workload, generation_spec, crossbar_bits_per_weight),
                       crossbar_bits_per_weight)
