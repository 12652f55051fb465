"""Symmetric per-tensor quantisation of bases and coefficients: integer codes times one scale.

Codes stay integers so that generation multiplies and accumulates them exactly (as the unit's
integer MACs do) and applies the scales once at the end. With ``bits >= 2`` the codes span
[-(2^(bits-1) - 1), 2^(bits-1) - 1] (symmetric: no lone most-negative code) and the scale maps
the largest magnitude onto the largest code. With ``bits == 1`` a code is a sign (+1 or -1) and the
scale is mean |x|, the least-squares scale for sign codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def max_code(bits: int) -> int:
    """The largest code magnitude at ``bits`` (1 for sign-only codes)."""
    _check_bits(bits)
    return 1 if bits == 1 else 2 ** (bits - 1) - 1


def _check_bits(bits) -> None:
    if not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 32:
        raise ValueError(f"bits must be an integer in 1..32, got {bits!r}")


@dataclass(frozen=True, eq=False)
class QuantTensor:
    codes: np.ndarray  # int64
    scale: float
    bits: int

    def __post_init__(self):
        _check_bits(self.bits)
        if self.codes.dtype != np.int64:
            raise ValueError(f"codes must be int64, got {self.codes.dtype}")
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be a positive finite number, got {self.scale!r}")
        top = max_code(self.bits)
        if self.codes.size and np.abs(self.codes).max() > top:
            raise ValueError(f"codes exceed the {self.bits}-bit range +-{top}")
        if self.bits == 1 and np.any(self.codes == 0):
            raise ValueError("1-bit codes must be +1 or -1")

    @property
    def shape(self) -> tuple[int, ...]:
        return self.codes.shape

    def values(self) -> np.ndarray:
        return self.codes * self.scale


def quantise(x: np.ndarray, bits: int) -> QuantTensor:
    x = np.asarray(x, dtype=np.float64)
    _check_bits(bits)
    if not np.all(np.isfinite(x)):
        raise ValueError("cannot quantise a tensor holding NaN or infinity")
    magnitude = np.abs(x)
    if bits == 1:
        scale = float(magnitude.mean()) if x.size else 0.0
        codes = np.where(x >= 0, 1, -1).astype(np.int64)
    else:
        top = max_code(bits)
        scale = float(magnitude.max()) / top if x.size else 0.0
        codes = np.clip(np.rint(x / scale) if scale > 0 else np.zeros_like(x), -top, top).astype(np.int64)
    return QuantTensor(codes, scale if scale > 0 else 1.0, bits)  # all-zero tensor: any scale works
