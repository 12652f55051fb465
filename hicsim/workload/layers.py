"""Workload layers: weighted ops that map onto crossbars, and weightless ops that only move data.

Every layer answers the same questions for mapping and the engine: the shape of its weight
matrix (rows x cols per group), how many matrix-vector products one sample needs, and how many
activation elements it reads and writes.
"""

from __future__ import annotations

import math
from typing import Annotated, List, Literal, Optional, Tuple, Union

from pydantic import Field, field_validator, model_validator

from hicsim.spec.quantities import NonNegativeInt, PositiveInt, Strict
from hicsim.workload.operand_stats import OperandStats
from hicsim.workload.weight_stats import WeightStats

Pair = Union[PositiveInt, Tuple[PositiveInt, PositiveInt]]
PairOrZero = Union[NonNegativeInt, Tuple[NonNegativeInt, NonNegativeInt]]


# ProgrammingRates' per-step write-erase peaks: the most-written multi-level and binary device
PEAK_RATES = ("max_device_write_erase", "binary_max_device_write_erase")


class ProgrammingRates(Strict):
    """Device programming one training step (one batch) causes in a layer, as expected counts
    over the whole layer (one copy of its weights): measured by ``hicsim train`` or set by hand.

    ``set_pulses``: every SET pulse on the multi-level devices, incremental updates and the
    re-programming after a RESET alike; ``reset_pulses``: RESETs of multi-level devices (a device
    that had to go down, or was re-centred on a carry), each followed by program-and-verify, whose
    verify reads the engine adds; binary pulses flip binary devices. Write-erase cycles: one per
    RESET that follows SETs (``hicsim.devices``); in training every RESET does, so one per RESET.
    """

    set_pulses: float = Field(ge=0, allow_inf_nan=False)
    reset_pulses: float = Field(ge=0, allow_inf_nan=False)
    binary_set_pulses: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    binary_reset_pulses: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    max_device_write_erase: Optional[float] = Field(
        default=None, ge=0, allow_inf_nan=False,
        description="write-erase cycles of the most-written multi-level device per step "
                    "(measured); omitted: lifetime is projected from the layer mean, which is "
                    "optimistic")
    binary_max_device_write_erase: Optional[float] = Field(
        default=None, ge=0, allow_inf_nan=False,
        description="write-erase cycles of the most-written binary device per step (measured); "
                    "omitted: projected from the layer mean of the binary devices")
    source: Optional[str] = Field(default=None, description="where the rates come from")


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


class _Layer(Strict):
    name: str = Field(min_length=1)
    inputs: Optional[List[str]] = Field(
        default=None, description="producers of this layer's inputs; omitted: the layer before it "
                                  "('input' is the network input)")

    # Defaults for weightless layers; weighted layers override.
    @property
    def weighted(self) -> bool:
        return False

    @property
    def weight_groups(self) -> int:
        """Independent weight blocks (conv groups); each is weight_rows x weight_cols."""
        return 1

    @property
    def weight_rows(self) -> int:
        return 0

    @property
    def weight_cols(self) -> int:
        return 0

    @property
    def mvms_per_sample(self) -> int:
        return 0

    @property
    def weights(self) -> int:
        return self.weight_groups * self.weight_rows * self.weight_cols

    @property
    def macs_per_sample(self) -> int:
        return self.weights * self.mvms_per_sample

    @property
    def function_ops(self) -> dict[str, int]:
        """Per sample, evaluations of functions beyond add and multiply (exp, rsqrt, gelu, ...)."""
        return {}

    @property
    def parameters(self) -> int:
        """Parameters the layer stores off the crossbars (norm gains, embedding tables)."""
        return 0

    @property
    def vector_action(self) -> str:
        """What one of ``vector_ops`` is on the vector unit: an ``op`` (add, compare, copy) or a
        ``mac``; the cost table prices them apart."""
        return "op"


class _WeightedLayer(_Layer):
    programming: Optional[ProgrammingRates] = Field(
        default=None, description="device programming per training step (training workloads)")
    stats: Optional[OperandStats] = Field(
        default=None, description="input operand statistics from a sample batch (exporters)")
    weight_stats: Optional[WeightStats] = Field(
        default=None, description="distribution of the layer's weights (importers, from the real "
                                  "weights): the analog read energy follows it")
    bias: bool = Field(default=False, description="a learned bias per output channel or feature")
    batch_norm_channels: NonNegativeInt = Field(
        default=0, description="channels of the batch norms this layer carries, on its output "
                               "or (pre-activation, as in DenseNet) on its input: each has a "
                               "learned scale and shift")

    @model_validator(mode="after")
    def _parameters_need_weights(self):
        if (self.bias or self.batch_norm_channels) and not self.weighted:
            raise ValueError("bias and batch_norm_channels need static weights")
        return self

    @property
    def bias_params(self) -> int:
        """One per output channel (feature) when the layer has a bias."""
        return self.weight_groups * self.weight_cols if self.bias else 0

    @property
    def batch_norm_params(self) -> int:
        """Learned scale and shift per channel (running statistics are not parameters)."""
        return 2 * self.batch_norm_channels

    @property
    def parameters(self) -> int:
        return self.bias_params + self.batch_norm_params


class Conv2d(_WeightedLayer):
    op: Literal["conv2d"]
    in_channels: PositiveInt
    out_channels: PositiveInt
    kernel: Pair
    stride: Pair = 1
    padding: PairOrZero = 0
    dilation: Pair = 1
    groups: PositiveInt = 1
    input_hw: Tuple[PositiveInt, PositiveInt]

    @property
    def weighted(self) -> bool:
        return True

    @property
    def weight_groups(self) -> int:
        return self.groups

    @model_validator(mode="after")
    def _check(self):
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"groups={self.groups} must divide in_channels={self.in_channels} and "
                             f"out_channels={self.out_channels}")
        if min(self.output_hw) < 1:
            raise ValueError(f"kernel {self.kernel} does not fit input_hw {list(self.input_hw)} "
                             f"with padding {self.padding}")
        return self

    @property
    def output_hw(self) -> tuple[int, int]:
        (kh, kw), (sh, sw) = _pair(self.kernel), _pair(self.stride)
        (ph, pw), (dh, dw) = _pair(self.padding), _pair(self.dilation)
        h, w = self.input_hw
        return ((h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1)

    @property
    def kernel_hw(self) -> tuple[int, int]:
        return _pair(self.kernel)

    @property
    def weight_rows(self) -> int:
        kh, kw = self.kernel_hw
        return self.in_channels // self.groups * kh * kw

    @property
    def weight_cols(self) -> int:
        return self.out_channels // self.groups

    @property
    def mvms_per_sample(self) -> int:
        ho, wo = self.output_hw
        return ho * wo

    @property
    def input_elems(self) -> int:
        return self.in_channels * self.input_hw[0] * self.input_hw[1]

    @property
    def output_elems(self) -> int:
        return self.out_channels * self.mvms_per_sample


class Linear(_WeightedLayer):
    op: Literal["linear"]
    in_features: PositiveInt
    out_features: PositiveInt
    tokens: PositiveInt = Field(default=1, description="input vectors per sample (sequence length)")

    @property
    def weighted(self) -> bool:
        return True

    @property
    def weight_rows(self) -> int:
        return self.in_features

    @property
    def weight_cols(self) -> int:
        return self.out_features

    @property
    def mvms_per_sample(self) -> int:
        return self.tokens

    @property
    def input_elems(self) -> int:
        return self.in_features * self.tokens

    @property
    def output_elems(self) -> int:
        return self.out_features * self.tokens


class Matmul(_WeightedLayer):
    """(m x k) @ (k x n). With ``rhs: weight`` the k x n operand is static and maps onto crossbars
    like a linear layer; with ``rhs: activation`` both operands change per sample (attention's
    Q K^T and scores x V), so it runs on a digital unit, ``heads`` independent products at once.
    ``rhs_transposed``: the right operand is stored n x k (the keys of Q K^T), which decides
    which of its axes grows with a KV cache."""

    op: Literal["matmul"]
    m: PositiveInt
    k: PositiveInt
    n: PositiveInt
    rhs: Literal["weight", "activation"] = "weight"
    heads: PositiveInt = 1
    rhs_transposed: bool = False

    @model_validator(mode="after")
    def _static_weights_only(self):
        if self.programming is not None and self.rhs != "weight":
            raise ValueError("programming rates need static weights (rhs: weight)")
        if self.rhs == "weight" and (self.heads != 1 or self.rhs_transposed):
            raise ValueError("heads and rhs_transposed are for activation operands (rhs: activation)")
        return self

    @property
    def weighted(self) -> bool:
        return self.rhs == "weight"

    @property
    def weight_rows(self) -> int:
        return self.k if self.weighted else 0

    @property
    def weight_cols(self) -> int:
        return self.n if self.weighted else 0

    @property
    def mvms_per_sample(self) -> int:
        return self.m if self.weighted else 0

    @property
    def input_elems(self) -> int:
        return self.heads * (self.m * self.k + (0 if self.weighted else self.k * self.n))

    @property
    def output_elems(self) -> int:
        return self.heads * self.m * self.n

    @property
    def vector_ops(self) -> int:
        return 0 if self.weighted else self.heads * self.m * self.k * self.n

    @property
    def vector_action(self) -> str:
        return "mac"


class _Elementwise(_Layer):
    shape: Tuple[PositiveInt, ...] = Field(min_length=1, max_length=3,
                                           description="output [C, H, W] (or [tokens, features])")

    @field_validator("inputs")
    @classmethod
    def _at_least_two(cls, v):
        if v is not None and len(v) < 2:
            raise ValueError("needs at least two inputs")
        return v

    @property
    def output_elems(self) -> int:
        return math.prod(self.shape)


class Add(_Elementwise):
    """Residual add: reads every input tensor, writes one; one add per element per extra input."""

    op: Literal["add"]
    inputs: List[str] = Field(min_length=2)

    @property
    def input_elems(self) -> int:
        return self.output_elems * len(self.inputs)

    @property
    def vector_ops(self) -> int:
        return self.output_elems * (len(self.inputs) - 1)


class Mul(_Elementwise):
    """Channel scaling, as in squeeze-excitation: inputs are [tensor, per-channel scale [C, 1, 1]];
    reads the tensor and the C scales, one multiply per output element."""

    op: Literal["mul"]
    inputs: List[str] = Field(min_length=2, max_length=2)

    @property
    def input_elems(self) -> int:
        return self.output_elems + self.shape[0]

    @property
    def vector_ops(self) -> int:
        return self.output_elems


class Concat(_Elementwise):
    """Channel concatenation: no arithmetic, but every element is copied through the buffer."""

    op: Literal["concat"]
    inputs: List[str] = Field(min_length=2)

    @property
    def input_elems(self) -> int:
        return self.output_elems

    @property
    def vector_ops(self) -> int:
        return 0


class Pool(_Layer):
    op: Literal["pool"]
    mode: Literal["max", "avg"]
    channels: PositiveInt
    input_hw: Tuple[PositiveInt, PositiveInt]
    kernel: Optional[Pair] = Field(default=None, description="omitted: global pooling")
    stride: Optional[Pair] = None
    padding: PairOrZero = 0

    @model_validator(mode="after")
    def _check(self):
        if min(self.output_hw) < 1:
            raise ValueError(f"kernel {self.kernel} does not fit input_hw {list(self.input_hw)}")
        return self

    @property
    def output_hw(self) -> tuple[int, int]:
        if self.kernel is None:
            return (1, 1)
        (kh, kw), (ph, pw) = _pair(self.kernel), _pair(self.padding)
        sh, sw = _pair(self.stride if self.stride is not None else self.kernel)
        h, w = self.input_hw
        return ((h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)

    @property
    def input_elems(self) -> int:
        return self.channels * self.input_hw[0] * self.input_hw[1]

    @property
    def output_elems(self) -> int:
        return self.channels * self.output_hw[0] * self.output_hw[1]

    @property
    def vector_ops(self) -> int:
        window = self.input_hw if self.kernel is None else _pair(self.kernel)
        return self.output_elems * window[0] * window[1]


# Transformer kinds build on _Layer, so they are imported once it exists.
from hicsim.workload.transformer_layers import TRANSFORMER_KINDS, TRANSFORMER_LAYERS  # noqa: E402

Layer = Annotated[Union[Conv2d, Linear, Matmul, Add, Mul, Concat, Pool, *TRANSFORMER_LAYERS],
                  Field(discriminator="op")]
LAYER_KINDS = ("conv2d", "linear", "matmul", "add", "mul", "concat", "pool", *TRANSFORMER_KINDS)
