"""Spec of on-chip training: who serves the transposed read, the weight-gradient unit, and where
forward activations wait for the backward pass. The update accumulator is ``tile.accumulator``."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from hicsim.spec.quantities import Area, Energy, PositiveInt, Strict


class GradientUnit(Strict):
    """Per-tile digital unit for weight gradients (outer products of activations and errors)."""

    macs_per_cycle: PositiveInt = 64
    energy_per_mac: Energy = Field(default="0.23 pJ")  # 8-bit mult + add, Horowitz 2014
    area: Optional[Area] = None


class Training(Strict):
    backward: Literal["shared", "separate", "digital"] = Field(
        default="shared",
        description="transposed read (delta . W^T): 'shared' uses the crossbars through the forward "
                    "DACs/ADCs (switched to the other side), so it contends with forward reads; "
                    "'separate' has its own row-side ADCs and column-side DACs (same figures); "
                    "'digital' computes it on the vector unit from a digital weight copy")
    gradient_unit: GradientUnit = GradientUnit()
    activation_store: Literal["global_buffer", "dram"] = Field(
        default="global_buffer", description="where forward activations are kept for the backward "
                                             "pass (spilling to DRAM when the buffer is full)")
