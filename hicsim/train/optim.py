"""SGD with optional momentum for the digital parameters (biases, batch-norm scale and shift).
Weight matrices go through their store's update rule (``stores.apply_gradient``)."""

from __future__ import annotations

import numpy as np


def sgd_step(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
             momentum: float) -> None:
    """In place: v = momentum v + g; p -= lr v (v is g itself without momentum)."""
    if momentum:
        velocity *= np.float32(momentum)
        velocity += grad
        param -= np.float32(lr) * velocity
    else:
        param -= np.float32(lr) * grad
