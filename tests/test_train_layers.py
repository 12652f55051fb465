"""Every layer's gradient against central finite differences, on the FP32 path (float64 math
would be tighter; the layers run in float32, so tolerances are float32's)."""

from __future__ import annotations

import numpy as np
import pytest

from hicsim.train.layers import (BatchNorm2d, Conv2d, Flatten, GlobalAvgPool, Linear, MaxPool2d,
                                 ReLU, softmax_cross_entropy)
from hicsim.train.models import BasicBlock, Sequential

EPS = 1e-2


def _loss(layer, x, probe):
    return float((layer.forward(x.astype(np.float32), train=True).astype(np.float64) * probe).sum())


def check_input_gradient(layer, x, rng, entries=12, rtol=2e-2):
    """d(sum(y * probe))/dx from backward vs finite differences at random entries of x."""
    probe = rng.standard_normal(layer.forward(x, train=True).shape)
    layer.forward(x, train=True)
    analytic = layer.backward(probe.astype(np.float32))
    flat = rng.choice(x.size, size=min(entries, x.size), replace=False)
    for k in flat:
        idx = np.unravel_index(k, x.shape)
        xp, xm = x.astype(np.float64).copy(), x.astype(np.float64).copy()
        xp[idx] += EPS
        xm[idx] -= EPS
        numeric = (_loss(layer, xp, probe) - _loss(layer, xm, probe)) / (2 * EPS)
        assert analytic[idx] == pytest.approx(numeric, rel=rtol, abs=2e-3), idx


def _conv(rng, cin=2, cout=3, stride=1):
    return Conv2d("c", cin, cout, 3, None, "fp32", rng, 0, stride=stride, padding=1)


@pytest.mark.parametrize("make,shape", [
    (lambda rng: Linear("l", 6, 4, None, "fp32", rng, 0), (5, 6)),
    (lambda rng: _conv(rng), (2, 2, 5, 5)),
    (lambda rng: _conv(rng, stride=2), (2, 2, 6, 6)),
    (lambda rng: ReLU(), (3, 7)),
    (lambda rng: MaxPool2d(2), (2, 2, 4, 4)),
    (lambda rng: GlobalAvgPool(), (2, 3, 3, 3)),
    (lambda rng: Flatten(), (2, 2, 3, 3)),
    (lambda rng: BatchNorm2d(3), (4, 3, 3, 3)),
    (lambda rng: BasicBlock([_conv(rng, 2, 4, stride=2), BatchNorm2d(4), ReLU(),
                             _conv(rng, 4, 4), BatchNorm2d(4)], 2, 2, 4), (3, 2, 4, 4)),
])
def test_input_gradients_match_finite_differences(make, shape):
    rng = np.random.default_rng(1)
    layer = make(rng)
    x = rng.standard_normal(shape).astype(np.float32)
    check_input_gradient(layer, x, rng)


def test_weight_and_bias_gradients_match_finite_differences():
    """The update applies W -= lr x^T delta; with lr = 1 the change is the weight gradient."""
    rng = np.random.default_rng(2)
    layer = _conv(rng)
    x = rng.standard_normal((2, 2, 4, 4)).astype(np.float32)
    probe = rng.standard_normal(layer.forward(x, train=True).shape)
    layer.backward(probe.astype(np.float32))
    before = layer.store.weights.copy()
    bias_grad = layer.grads["bias"].copy()
    layer.update(1.0, 0.0)
    analytic = before - layer.store.weights
    layer.store.weights[...] = before
    for i, j in [(0, 0), (7, 2), (17, 1)]:
        for sign in (1, -1):
            layer.store.weights[i, j] = before[i, j] + sign * EPS
            value = _loss(layer, x, probe)
            if sign == 1:
                plus = value
        layer.store.weights[i, j] = before[i, j]
        assert analytic[i, j] == pytest.approx((plus - value) / (2 * EPS), rel=2e-2, abs=2e-3)
    base = layer.params["bias"].copy()
    layer.params["bias"][1] = base[1] + EPS
    plus = _loss(layer, x, probe)
    layer.params["bias"][1] = base[1] - EPS
    minus = _loss(layer, x, probe)
    assert bias_grad[1] == pytest.approx((plus - minus) / (2 * EPS), rel=1e-2)


def test_batchnorm_parameter_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    bn = BatchNorm2d(2)
    x = rng.standard_normal((3, 2, 2, 2)).astype(np.float32)
    probe = rng.standard_normal(x.shape)
    bn.forward(x, train=True)
    bn.backward(probe.astype(np.float32))
    for name in ("gamma", "beta"):
        p = bn.params[name]
        base = p.copy()
        p[0] = base[0] + EPS
        plus = _loss(bn, x, probe)
        p[0] = base[0] - EPS
        minus = _loss(bn, x, probe)
        p[...] = base
        assert bn.grads[name][0] == pytest.approx((plus - minus) / (2 * EPS), rel=1e-2)


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((4, 5))
    labels = np.array([0, 3, 4, 1])
    _, grad = softmax_cross_entropy(logits, labels)
    for i, j in [(0, 0), (1, 3), (2, 1)]:
        lp, lm = logits.copy(), logits.copy()
        lp[i, j] += 1e-4
        lm[i, j] -= 1e-4
        numeric = (softmax_cross_entropy(lp, labels)[0] - softmax_cross_entropy(lm, labels)[0]) / 2e-4
        assert grad[i, j] == pytest.approx(numeric, rel=1e-3, abs=1e-6)


def test_sequential_chains_layers():
    rng = np.random.default_rng(5)
    model = Sequential([Linear("a", 4, 5, None, "fp32", rng, 0), ReLU(),
                        Linear("b", 5, 3, None, "fp32", rng, 1)])
    check_input_gradient(model, rng.standard_normal((3, 4)).astype(np.float32), rng)
    assert [l.name for l in model.weight_layers()] == ["a", "b"]
