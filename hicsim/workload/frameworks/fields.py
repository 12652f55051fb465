"""Workload layer fields from a framework op's real tensor shapes, shared by every importer.

Shapes here are per sample (the framework's batch axis already removed). Pairs equal in both
dimensions are written as one number (``kernel: 3``), as the zoo and hand-written traces do, so
an exported layer compares equal to the zoo's.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence


def squash(value) -> int | tuple[int, int]:
    """``(3, 3)`` -> ``3``; ``(3, 1)`` stays a pair; a bare int stays an int."""
    if isinstance(value, (int, float)):
        return int(value)
    first, second = (int(v) for v in value)
    return first if first == second else (first, second)


def conv2d(in_shape: Sequence[int], out_channels: int, kernel, stride, padding, dilation,
           groups: int, bias: bool = False) -> dict:
    channels, h, w = _feature_map(in_shape)
    return dict(in_channels=channels, out_channels=int(out_channels), kernel=squash(kernel),
                stride=squash(stride), padding=squash(padding), dilation=squash(dilation),
                groups=int(groups), input_hw=(h, w), **_bias(bias))


def pool(mode: str, in_shape: Sequence[int], kernel=None, stride=None, padding=0) -> dict:
    """Max or average pooling; ``kernel=None`` is global pooling (to 1x1)."""
    channels, h, w = _feature_map(in_shape)
    fields = dict(mode=mode, channels=channels, input_hw=(h, w), padding=squash(padding))
    if kernel is not None:
        fields.update(kernel=squash(kernel), stride=squash(stride if stride is not None else kernel))
    return fields


def adaptive_pool(mode: str, in_shape: Sequence[int], output_size) -> dict:
    """Adaptive pooling: global when the output is 1x1, else a plain pool when the output
    divides the input evenly (the only case where its windows are all equal)."""
    _, h, w = _feature_map(in_shape)
    oh, ow = _output_hw(output_size, (h, w))
    if (oh, ow) == (1, 1):
        return pool(mode, in_shape)
    if h % oh or w % ow:
        raise ValueError(f"adaptive pooling from {h}x{w} to {oh}x{ow} has unequal windows")
    return pool(mode, in_shape, kernel=(h // oh, w // ow))


def linear(in_shape: Sequence[int], in_features: int, out_features: int,
           bias: bool = False) -> dict:
    """A fully connected layer; every leading per-sample axis is a token (a sequence)."""
    tokens = math.prod(in_shape) // int(in_features)
    fields = dict(in_features=int(in_features), out_features=int(out_features), **_bias(bias))
    if tokens != 1:
        fields["tokens"] = tokens
    return fields


def matmul(lhs_shape: Sequence[int], rhs_shape: Sequence[int]) -> dict:
    """Product of two activations, ``[..., m, k] @ [..., k, n]``: the leading axes both operands
    share are independent products (attention heads); the schema states the default of one head
    by leaving it out."""
    if len(lhs_shape) < 1 or len(rhs_shape) < 2 or lhs_shape[-1] != rhs_shape[-2]:
        raise ValueError(f"matmul of shapes {list(lhs_shape)} and {list(rhs_shape)}")
    heads = math.prod(rhs_shape[:-2])
    if heads > 1 and tuple(lhs_shape[:-2]) != tuple(rhs_shape[:-2]):
        raise ValueError(f"matmul of shapes {list(lhs_shape)} and {list(rhs_shape)}: "
                         f"broadcast heads")
    m = math.prod(lhs_shape[:-1]) // heads
    fields = dict(m=m, k=int(lhs_shape[-1]), n=int(rhs_shape[-1]), rhs="activation")
    return dict(fields, heads=heads) if heads > 1 else fields


def tokens(shape: Sequence[int], features: Optional[int] = None) -> dict:
    """A per-token op (norm, activation function) over ``features`` (default: the last axis);
    every other element is another token."""
    features = int(features or shape[-1])
    return dict(tokens=math.prod(shape) // features, features=features)


def softmax(shape: Sequence[int], scale: bool = False) -> dict:
    """Softmax over the last axis; the axis before it is the rows, any before that the heads."""
    shape = [int(s) for s in shape]
    fields = dict(rows=math.prod(shape[-2:-1]), cols=shape[-1])
    if len(shape) > 2:
        fields["heads"] = math.prod(shape[:-2])
    if scale:
        fields["scale"] = True
    return fields


def elementwise(out_shape: Sequence[int]) -> dict:
    """A feature map [C, H, W], or tokens [T, D] (a residual add in a transformer)."""
    if not 1 <= len(out_shape) <= 3:
        raise ValueError(f"expects a [C, H, W] feature map or [tokens, features], got "
                         f"{list(out_shape)}")
    return dict(shape=tuple(int(s) for s in out_shape))


def _bias(bias: bool) -> dict:
    """The bias field only when set, so exported traces stay as short as the zoo's."""
    return {"bias": True} if bias else {}


def _feature_map(shape: Sequence[int]) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ValueError(f"expects a [C, H, W] feature map, got {list(shape)}")
    return tuple(int(s) for s in shape)


def _output_hw(size, hw: tuple[int, int]) -> tuple[int, int]:
    """Adaptive pooling's ``output_size``: an int, a pair, with ``None`` meaning the input's."""
    pair = (size, size) if isinstance(size, int) else tuple(size)
    return tuple(hw[i] if pair[i] is None else int(pair[i]) for i in range(2))


def conv_padding(mode: Optional[str], kernel, dilation) -> tuple[int, int]:
    """Explicit padding for a 'same' or 'valid' padding mode (symmetric only)."""
    if mode == "valid":
        return (0, 0)
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    dilation = (dilation, dilation) if isinstance(dilation, int) else dilation
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(t % 2 for t in totals):
        raise ValueError("'same' padding with an even kernel pads one side more than the other")
    return tuple(t // 2 for t in totals)
