"""Weight stores: where a weight layer's matrix lives. One code path for every update rule: a
``CrossbarArray`` (devices of the arch spec; rules hic, mixed_precision, stochastic_pulse) or a
``FloatArray`` (rule fp32); both have forward / backward / update / effective_weights.

Also the store's full state as flat arrays (for bit-identical checkpoints): the kernels expose
no state API, so the state is every array and number in the object's attributes, and the device
state's fields.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from hicsim.devices.state import DeviceState
from hicsim.kernels import RULES, CrossbarArray, FloatArray
from hicsim.kernels.threads import BlasGuard
from hicsim.spec.arch import Arch
from hicsim.train.grouped import GroupedStore

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


def make_store(arch: Arch, rule: str, weights: np.ndarray, w_max: float, seed: int,
               groups: int = 1, blas: BlasGuard | None = None):
    """The store of a (rows, outputs) matrix; with ``groups`` > 1 the packed matrix of a grouped
    convolution, one store per group (``grouped.py``), each seeded from ``seed`` and its index."""
    if groups > 1:
        cols = weights.shape[1] // groups
        blas = blas or BlasGuard()  # one for all the blocks (CrossbarArray)
        return GroupedStore([make_store(arch, rule, weights[:, j * cols:(j + 1) * cols], w_max,
                                        int(np.random.SeedSequence([seed, j]).generate_state(1)[0]),
                                        blas=blas)
                             for j in range(groups)])
    if rule == "fp32":
        return FloatArray(weights)
    return CrossbarArray(arch, weights, w_max=w_max, seed=seed, blas=blas)


def input_width(store) -> int:
    """Inputs of one MVM of the store: its rows, or every group's rows side by side."""
    return store.inputs if isinstance(store, GroupedStore) else store.shape[0]


def programmed_copy(arch: Arch, store, seed: int):
    """The store's effective weights programmed onto fresh devices of ``arch`` (their range the
    largest |weight|), one block per group as the original."""
    w = store.effective_weights()
    w_max = float(np.abs(w).max()) or 1.0
    if not isinstance(store, GroupedStore):
        return CrossbarArray(arch, w, w_max=w_max, seed=seed)
    cols, blas = store.cols, BlasGuard()
    seeds = [int(np.random.SeedSequence([seed, j]).generate_state(1)[0])
             for j in range(store.groups)]
    return GroupedStore([CrossbarArray(arch, w[:, j * cols:(j + 1) * cols], w_max=w_max, seed=s,
                                       blas=blas) for j, s in enumerate(seeds)])


def velocity_shape(store) -> tuple[int, ...]:
    """The shape of a store's momentum buffer: its matrix, or per group its block."""
    if isinstance(store, GroupedStore):
        return (store.groups, store.rows, store.cols)
    return store.shape


@cache
def products_guard() -> BlasGuard:
    """The guard of the products this module makes between kernel calls. Made once: building one
    inspects the process's libraries (1-2 ms); entering it costs microseconds."""
    return BlasGuard()


def digital_transposed(store, delta: np.ndarray) -> np.ndarray:
    """delta . W^T from the digital copy of the effective weights (``training.backward:
    digital``), block by block for a grouped store; BLAS single-threaded (``apply_gradient``)."""
    with products_guard().single_threaded():
        return _digital_transposed(store, delta)


def _digital_transposed(store, delta: np.ndarray) -> np.ndarray:
    if isinstance(store, GroupedStore):
        return np.concatenate([_digital_transposed(b, d) for b, d in
                               zip(store.blocks, store._split(delta, store.cols))], axis=1)
    return delta @ store.weights.T


def apply_gradient(store, rule: str, x: np.ndarray, delta: np.ndarray, lr: float,
                   momentum: float, velocity: np.ndarray) -> int:
    """W -= lr x^T delta, or with momentum W -= lr v, v = momentum v + x^T delta (``velocity`` is
    updated in place), through the store's rule; returns the weights programmed.

    The kernel forms x^T delta itself, one single-threaded BLAS product per block of 128 rows. A
    convolution's batch (images x output pixels) is often far longer than its rows, which makes
    few blocks and long products; then G is formed here by numpy and handed over with
    ``update_gradient`` (the numbers of ``update(identity, G)``, without that product). (On the
    digits CNN both ways measured the same epoch time, 0.33-0.45 s.) Momentum needs G anyway. A
    grouped store applies each group's slices to its own block.

    Every caller (``TrainingRun``, ``hicsim.torch``'s optimizer, a user's loop) comes through
    here, so the product runs here with BLAS single-threaded (``hicsim.kernels.threads``): on
    OpenBLAS's default threads its workers kept spinning into the next kernels, and a converted
    ResNet-32 step took 300-310 ms of wall and process CPU against 108-110 ms with one thread
    (``bench/bench_step_time.py``, 2 cores, load 1.5-1.9)."""
    with products_guard().single_threaded():
        return _apply_gradient(store, rule, x, delta, lr, momentum, velocity)


def _apply_gradient(store, rule, x, delta, lr, momentum, velocity) -> int:
    if isinstance(store, GroupedStore):
        return sum(_apply_gradient(b, rule, xj, dj, lr, momentum, velocity[j]) for j, (b, xj, dj) in
                   enumerate(zip(store.blocks, store._split(x, store.rows),
                                 store._split(delta, store.cols))))
    rows = store.shape[0]
    if momentum == 0.0 and x.shape[0] <= rows:
        return store.update(x, delta, lr, rule)
    grad = x.T @ delta
    if momentum != 0.0:
        velocity *= np.float32(momentum)
        velocity += grad
        grad = velocity
    return store.update_gradient(grad, lr, rule)


def store_state(store) -> dict[str, np.ndarray]:
    if isinstance(store, GroupedStore):
        return {f"group{j}.{k}": v for j, b in enumerate(store.blocks)
                for k, v in store_state(b).items()}
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
    if isinstance(store, GroupedStore):
        for j, b in enumerate(store.blocks):
            prefix = f"group{j}."
            load_store_state(b, {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})
        return
    for name, value in vars(store).items():
        if isinstance(value, DeviceState):
            for field, arr in zip(value._fields, value):
                arr[...] = state[f"{name}.{field}"]  # in place: numba kernels hold these arrays
        elif isinstance(value, np.ndarray):
            value[...] = state[name]
        elif isinstance(value, (bool, int, float, np.integer, np.floating)):
            setattr(store, name, type(value)(state[name][()]))
    if isinstance(store, CrossbarArray):
        store.forget_decode_prefix()
