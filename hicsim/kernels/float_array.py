"""``FloatArray``: the fp32 software baseline with the same API as ``CrossbarArray`` (exact
products, plain SGD), so a trainer switches between them without special cases."""

from __future__ import annotations

import numpy as np

from hicsim.kernels.crossbar import check_batch, check_gradient, check_lr, check_update_operands


class FloatArray:
    """Weights in float32, no devices: forward x.W, backward delta.W^T, update W -= lr x^T delta."""

    representation = "fp32"

    def __init__(self, weights):
        w = np.asarray(weights, dtype=np.float32)
        if w.ndim != 2 or 0 in w.shape or not np.all(np.isfinite(w)):
            raise ValueError(f"weights must be a finite, non-empty 2-D array, got shape {w.shape}")
        self.weights = w.copy()

    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape

    def effective_weights(self) -> np.ndarray:
        return self.weights.astype(np.float64)

    def forward(self, x, **_options) -> np.ndarray:
        return check_batch("x", x, self.shape[0], "rows") @ self.weights

    def backward(self, delta, **_options) -> np.ndarray:
        return check_batch("delta", delta, self.shape[1], "columns") @ self.weights.T

    def skip_read(self) -> None:
        """A read not made (``CrossbarArray.skip_read``): nothing to account for."""

    def update(self, x, delta, lr: float, rule: str = "fp32") -> int:
        _check_rule(rule, lr)
        x, delta = check_update_operands(self.shape, x, delta)
        self.weights -= np.float32(lr) * (x.T @ delta)
        return self.weights.size

    def update_gradient(self, gradient, lr: float, rule: str = "fp32") -> int:
        """W -= lr G for a gradient G (rows, cols) formed by the caller."""
        _check_rule(rule, lr)
        gradient = check_gradient(self.shape, gradient)
        self.weights -= np.float32(lr) * gradient
        return self.weights.size


def _check_rule(rule: str, lr) -> None:
    if rule != "fp32":
        raise ValueError(f"FloatArray only supports rule 'fp32', got {rule!r}")
    check_lr(lr)
