"""Acklam's normal quantile against scipy's, and its numpy twin bit for bit."""

import numpy as np
from scipy.stats import norm

from hicsim.kernels import normal_quantile as nq


def test_quantile_matches_scipy_to_its_published_accuracy():
    p = np.concatenate([np.geomspace(1e-300, 0.5, 2000), 1 - np.geomspace(1e-16, 0.5, 2000)])
    got = nq.quantile_np(p)
    # Acklam: relative error below 1.15e-9 over the whole range
    assert np.allclose(got, norm.ppf(p), rtol=1.2e-9, atol=1e-12)


def test_numba_and_numpy_quantiles_agree_bit_for_bit():
    p = np.random.default_rng(0).uniform(0, 1, 5000)
    p = np.concatenate([p, [1e-12, nq.P_LOW, 1 - nq.P_LOW, 0.5, 1 - 1e-12]])
    assert [nq.quantile(float(v)) for v in p] == nq.quantile_np(p).tolist()
