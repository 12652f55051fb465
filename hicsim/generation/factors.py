"""A layer's stored form: its plan plus one quantised tensor per stored tensor of the plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from hicsim.generation.plan import LayerPlan
from hicsim.generation.quantise import QuantTensor


@dataclass(frozen=True, eq=False)
class Factors:
    plan: LayerPlan
    tensors: Mapping[str, QuantTensor]  # by TensorSpec name: B, U, V, W1 or W

    def __post_init__(self):
        want = {t.name: t for t in self.plan.tensors}
        if set(self.tensors) != set(want):
            raise ValueError(f"layer {self.plan.name!r} ({self.plan.levels}) stores "
                             f"{sorted(want)}, got {sorted(self.tensors)}")
        for name, spec in want.items():
            got = self.tensors[name]
            if got.shape != spec.shape:
                raise ValueError(f"layer {self.plan.name!r}: {name} must have shape {spec.shape}, "
                                 f"got {got.shape}")
            if name != "W" and got.bits != spec.bits:
                raise ValueError(f"layer {self.plan.name!r}: {name} must be quantised at "
                                 f"{spec.bits} bits, got {got.bits}")

    def __getitem__(self, name: str) -> QuantTensor:
        return self.tensors[name]
