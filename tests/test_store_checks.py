"""The two weight stores (``CrossbarArray`` on devices, ``FloatArray`` for fp32) check an update's
operands with the same functions: the same bad input gets the same ValueError from either, and
changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from hicsim.kernels import CrossbarArray, FloatArray
from hicsim.spec import load_arch

ROWS, COLS, BATCH = 4, 3, 2
GOOD_X = np.ones((BATCH, ROWS), np.float32)
GOOD_DELTA = np.ones((BATCH, COLS), np.float32)
GOOD_G = np.ones((ROWS, COLS), np.float32)
NAN_G = GOOD_G.copy()
NAN_G[1, 2] = np.nan


def stores():
    w = np.linspace(-0.5, 0.5, ROWS * COLS).reshape(ROWS, COLS)
    return [(CrossbarArray(load_arch("arch_specs/hic_pcm.yaml"), w, seed=1), "hic"),
            (FloatArray(w), "fp32")]


UPDATES = {  # bad operands of update(x, delta, lr) -> the message both stores give
    "lr a string": ((GOOD_X, GOOD_DELTA, "0.1"), "lr must be a finite number, got '0.1'"),
    "lr nan": ((GOOD_X, GOOD_DELTA, float("nan")), "lr must be a finite number, got nan"),
    "lr inf": ((GOOD_X, GOOD_DELTA, float("inf")), "lr must be a finite number, got inf"),
    "x width": ((np.ones((BATCH, ROWS + 1)), GOOD_DELTA, 0.1),
                "x must have shape (batch, 4) to match the crossbar's rows, got (2, 5)"),
    "delta width": ((GOOD_X, np.ones((BATCH, COLS + 1)), 0.1),
                    "delta must have shape (batch, 3) to match the crossbar's columns, got (2, 4)"),
    "batches": ((GOOD_X, np.ones((BATCH + 1, COLS)), 0.1), "x and delta batches differ: 2 vs 3"),
    "x nan": ((np.full((BATCH, ROWS), np.nan), GOOD_DELTA, 0.1),
              "x contains NaN or infinite values"),
}
GRADIENTS = {  # bad operands of update_gradient(G, lr)
    "lr a string": ((GOOD_G, "0.1"), "lr must be a finite number, got '0.1'"),
    "rows": ((np.ones((ROWS + 1, COLS)), 0.1), "gradient must have shape (4, 3), got (5, 3)"),
    "cols": ((np.ones((ROWS, COLS + 1)), 0.1),
             "gradient must have shape (batch, 3) to match the crossbar's columns, got (4, 4)"),
    "nan": ((NAN_G, 0.1), "gradient contains NaN or infinite values"),
    "complex": ((GOOD_G.astype(np.complex64), 0.1), "gradient must be real numbers, got dtype complex64"),
}


@pytest.mark.parametrize("case", UPDATES)
def test_both_stores_refuse_a_bad_update_alike(case):
    (x, delta, lr), message = UPDATES[case]
    for store, rule in stores():
        before = store.weights.copy()
        with pytest.raises(ValueError) as err:
            store.update(x, delta, lr, rule)
        assert str(err.value) == message, type(store).__name__
        assert np.array_equal(store.weights, before)


@pytest.mark.parametrize("case", GRADIENTS)
def test_both_stores_refuse_a_bad_gradient_alike(case):
    (gradient, lr), message = GRADIENTS[case]
    for store, rule in stores():
        before = store.weights.copy()
        with pytest.raises(ValueError) as err:
            store.update_gradient(gradient, lr, rule)
        assert str(err.value) == message, type(store).__name__
        assert np.array_equal(store.weights, before)


def test_the_checked_operands_reach_the_update():
    """Operands given as float64 lists are converted, not refused: fp32 steps by lr x^T delta
    exactly, and both paths of each store give the same weights."""
    (crossbar, _), (floats, _) = stores()
    w0 = floats.weights.copy()
    assert floats.update(GOOD_X.tolist(), GOOD_DELTA.astype(np.float64), 0.25, "fp32") == ROWS * COLS
    w1 = w0 - np.float32(0.25) * np.float32(BATCH)
    np.testing.assert_array_equal(floats.weights, w1)
    floats.update_gradient(GOOD_G.astype(np.float64) * BATCH, 0.25, "fp32")
    np.testing.assert_array_equal(floats.weights, w1 - np.float32(0.25) * np.float32(BATCH))
    twin, _ = stores()[0]
    eye = np.eye(ROWS, dtype=np.float32)
    assert crossbar.update(eye, GOOD_G, 0.3, "hic") == twin.update_gradient(GOOD_G.tolist(), 0.3, "hic")
    np.testing.assert_array_equal(crossbar.weights, twin.weights)
