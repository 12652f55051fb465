"""Weight stores: where a weight layer's matrix lives. One code path for every update rule: a
``CrossbarArray`` (devices of the arch spec; rules hic, mixed_precision, stochastic_pulse) or a
``FloatArray`` (rule fp32); both have forward / backward / update / effective_weights.

Also the store's full state as flat arrays (for bit-identical checkpoints): the kernels expose
no state API, so the state is every array and number in the object's attributes, and the device
state's fields.
"""

from __future__ import annotations

import numpy as np

from hicsim.devices.state import DeviceState
from hicsim.kernels import RULES, CrossbarArray, FloatArray
from hicsim.spec.arch import Arch

DEVICE_RULES = tuple(sorted(RULES))
ALL_RULES = DEVICE_RULES + ("fp32",)
# The devices' range, in He-initialisation standard deviations: weights learn beyond their
# initial spread, and a saturated device cannot follow them; a wider range coarsens each step.
W_MAX_STDS = 4.0


def default_rule(arch: Arch) -> str:
    """hic on HIC devices; the published open-loop mixed precision on a differential pair of
    multi-level devices; its closed-loop variant on any other representation."""
    weights = arch.tile.weights
    if weights.representation == "hic":
        return "hic"
    if weights.representation == "multilevel" and weights.sign == "differential":
        return "mixed_precision"
    return "mixed_precision_closed_loop"


def make_store(arch: Arch, rule: str, weights: np.ndarray, w_max: float, seed: int):
    if rule == "fp32":
        return FloatArray(weights)
    return CrossbarArray(arch, weights, w_max=w_max, seed=seed)


def apply_gradient(store, rule: str, x: np.ndarray, delta: np.ndarray, lr: float,
                   momentum: float, velocity: np.ndarray) -> int:
    """W -= lr x^T delta, or with momentum W -= lr v, v = momentum v + x^T delta (``velocity`` is
    updated in place), through the store's rule; returns the weights programmed.

    The kernel forms x^T delta itself, one single-threaded BLAS product per block of 128 rows. A
    convolution's batch (images x output pixels) is often far longer than its rows, which makes
    few blocks and long products; then G is formed here by numpy's multi-threaded BLAS and handed
    over as (identity, G), the same product. (On the digits CNN both ways measured the same epoch
    time, 0.33-0.45 s.) Momentum needs G anyway."""
    rows = store.shape[0]
    if momentum == 0.0 and x.shape[0] <= rows:
        return store.update(x, delta, lr, rule)
    grad = x.T @ delta
    if momentum != 0.0:
        velocity *= np.float32(momentum)
        velocity += grad
        grad = velocity
    return store.update(np.eye(rows, dtype=np.float32), grad, lr, rule)


def store_state(store) -> dict[str, np.ndarray]:
    out = {}
    for name, value in vars(store).items():
        if isinstance(value, DeviceState):
            out.update({f"{name}.{f}": a for f, a in zip(value._fields, value)})
        elif isinstance(value, np.ndarray):
            out[name] = value
        elif isinstance(value, (bool, int, float, np.integer, np.floating)):
            out[name] = np.asarray(value)
    return out


def load_store_state(store, state: dict[str, np.ndarray]) -> None:
    """Restore ``store_state`` into a store built the same way (same spec, shape and seed)."""
    for name, value in vars(store).items():
        if isinstance(value, DeviceState):
            for field, arr in zip(value._fields, value):
                arr[...] = state[f"{name}.{field}"]  # in place: numba kernels hold these arrays
        elif isinstance(value, np.ndarray):
            value[...] = state[name]
        elif isinstance(value, (bool, int, float, np.integer, np.floating)):
            setattr(store, name, type(value)(state[name][()]))
