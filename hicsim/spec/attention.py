"""Spec of what transformers need beside crossbars: where activation-by-activation matmuls run
(a digital matrix unit, the vector unit, or crossbars written at run time) and what the vector
unit's functions (exp, reciprocal, rsqrt, GELU, SiLU, tanh) cost.

Function costs are counted in 16-bit floating-point multiply-adds, one per lane per cycle; the
counts below are an assumption (how a lane would evaluate each function: range reduction and a
short polynomial, Newton-Raphson iterations from a table seed), priced at Horowitz's (ISSCC 2014,
45 nm) fp16 multiply 1.1 pJ + add 0.4 pJ.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from hicsim.spec.quantities import Area, Energy, PositiveInt, Strict


class FunctionCosts(Strict):
    """Multiply-adds per evaluation of each function (assumptions, see the module docstring)."""

    exp: PositiveInt = Field(default=5, description="range reduction + degree-4 polynomial")
    reciprocal: PositiveInt = Field(default=4, description="table seed + 2 Newton-Raphson steps")
    rsqrt: PositiveInt = Field(default=5, description="table seed + 2 Newton-Raphson steps")
    tanh: PositiveInt = Field(default=9, description="one exp and one reciprocal")
    silu: PositiveInt = Field(default=9, description="x / (1 + exp(-x)): exp and reciprocal")
    gelu: PositiveInt = Field(default=12, description="tanh form: x^3 terms and one tanh")

    def fmas(self, function: str) -> int:
        return getattr(self, function)


class MatrixUnit(Strict):
    """A digital matrix unit (a systolic array or MAC array) for activation matmuls. No default:
    a spec that has one states its size, energy and area and cites them."""

    macs_per_cycle: PositiveInt
    energy_per_mac: Energy
    area: Optional[Area] = None


class RuntimeCrossbars(Strict):
    """Crossbars set aside for activation matmuls, their right operand (K^T, V) programmed at run
    time in the tile's weight representation: costs programming time, energy and wear per run."""

    crossbars: PositiveInt = Field(description="crossbars reserved, beside the weight crossbars")


class ActivationMatmul(Strict):
    """Where activation-by-activation matmuls (Q K^T, scores x V) run."""

    unit: Literal["vector_unit", "matrix_unit", "crossbars"] = "vector_unit"
    matrix_unit: Optional[MatrixUnit] = None
    crossbars: Optional[RuntimeCrossbars] = None

    @model_validator(mode="after")
    def _unit_given(self):
        if self.unit == "matrix_unit" and self.matrix_unit is None:
            raise ValueError("unit: matrix_unit needs a matrix_unit (macs_per_cycle, energy_per_mac)")
        if self.unit == "crossbars" and self.crossbars is None:
            raise ValueError("unit: crossbars needs crossbars: {crossbars: N}")
        return self
