"""Fitting factors: error falls as the ranks grow, ~0 at full rank, exact on low-rank weights."""

import numpy as np
import pytest

from hicsim.generation import LayerPlan, WeightShape, fit_errors, fit_layer, fit_network
from hicsim.generation.quantise import quantise

SHAPE = WeightShape(k=16, c=6, r=3, s=3)
FINE = {"bits_b": 16, "bits_u": 16, "bits_v": 16}  # quantisation far below the rank error


def weights(seed=0, shape=SHAPE) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((shape.k, shape.c, shape.r, shape.s))


def test_error_falls_as_bi_grows_and_vanishes_at_full_rank():
    w = weights()
    errors = [fit_layer(w, LayerPlan("l", SHAPE, bi=bi, bo=None, **FINE)).relative_error
              for bi in range(1, 7)]  # full rank: min(C=6, R.S=9)
    assert all(a > b for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-3


def test_error_falls_as_bo_grows_and_vanishes_at_full_rank():
    w = weights(1)
    errors = [fit_layer(w, LayerPlan("l", SHAPE, bi=None, bo=bo, **FINE)).relative_error
              for bo in (1, 4, 8, 12, 16)]  # full rank: min(K=16, C.R.S=54)
    assert all(a > b for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-3


def structured(seed: int, n_bases: int) -> np.ndarray:
    """Weights that are exactly V (16 x 4) . [U (4 x 6 x 2) . B (n_bases x 2 x 9)]."""
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((4, 6, 2)) @ rng.standard_normal((n_bases, 2, 9))
    return (rng.standard_normal((16, 4)) @ w1.reshape(4, -1)).reshape(16, 6, 3, 3)


def test_shared_basis_recovers_weights_of_that_rank():
    w = structured(2, n_bases=1)
    plan = LayerPlan("l", SHAPE, bi=2, bo=4, spatial_basis="shared", **FINE)
    assert fit_layer(w, plan).relative_error < 1e-3
    coarse = LayerPlan("l", SHAPE, bi=2, bo=4, spatial_basis="shared")  # 8/4/4 bits
    assert 1e-3 < fit_layer(w, coarse).relative_error < 0.3


def test_direct_layer_error_is_its_quantisation_error():
    w = weights(3)
    fit = fit_layer(w, LayerPlan("l", SHAPE, None, None, direct_bits=6))
    q = quantise(w, 6)
    assert fit.relative_error == pytest.approx(np.linalg.norm(q.values() - w) / np.linalg.norm(w))
    assert fit.factors["W"].bits == 6


def test_linear_weights_may_be_given_as_a_matrix():
    shape = WeightShape(k=20, c=12, r=1, s=1)
    w = np.random.default_rng(4).standard_normal((20, 12))
    assert fit_layer(w, LayerPlan("fc", shape, None, 12, **FINE)).relative_error < 1e-3


def test_fit_rejects_weights_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(16, 6, 9\) do not match 16x6x3x3"):
        fit_layer(np.zeros((16, 6, 9)), LayerPlan("l", SHAPE, 2, None))


def test_fit_network_reports_error_per_layer_and_needs_every_layer():
    plans = {"a": LayerPlan("a", SHAPE, 2, 4), "b": LayerPlan("b", SHAPE, None, None)}
    table = fit_errors(fit_network(plans, {"a": weights(5), "b": weights(6)}))
    assert list(table.layer) == ["a", "b"] and list(table.levels) == ["intra+cross", "direct"]
    assert (table.relative_error > 0).all()
    with pytest.raises(ValueError, match=r"no weights given for layers \['b'\]"):
        fit_network(plans, {"a": weights(5)})


def test_alternating_least_squares_improves_on_the_svd_start():
    # The SVD's basis kernels are a rotation of the true ones, which per-kernel bases cannot
    # follow: from the SVD start alone the fit is far off. ALS rounds lower the error; on most
    # seeds they recover the weights (seed 9 here), on some they stall in a local minimum.
    plan = LayerPlan("l", SHAPE, bi=2, bo=4, **FINE)
    for seed in range(5, 10):
        w = structured(seed, n_bases=4)
        start = fit_layer(w, plan, iterations=0).relative_error
        assert start > 0.1 and fit_layer(w, plan).relative_error < start
    assert fit_layer(structured(9, n_bases=4), plan).relative_error < 1e-3
    with pytest.raises(ValueError, match="iterations must be a non-negative integer"):
        fit_layer(w, plan, iterations=-1)
