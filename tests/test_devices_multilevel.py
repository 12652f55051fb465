"""Multi-level PCM model against the published equations (REFERENCE.md), and the numba scalar
device physics against the numpy model on identical draws."""

import math

import numpy as np
import pytest

from hicsim.devices import multilevel as mlm
from hicsim.devices.params import multilevel_params
from hicsim.kernels import device_ops
from hicsim.spec import load_arch

P = multilevel_params(load_arch("arch_specs/hic_pcm.yaml").devices["pcm_ml"])
N = 200_000


def test_programming_sigma_follows_joshi_fit():
    rng = np.random.default_rng(1)
    for g_hat in (0.1, 0.5, 0.9):
        expected_us = 0.26348 + 1.9650 * g_hat - 1.1731 * g_hat ** 2   # REFERENCE.md, g_max 25 uS
        g = mlm.program(P, np.full(N, g_hat * P.g_max), rng.standard_normal(N))
        # 200k samples: the sample std is within 1% of sigma (its relative s.e. is 0.16%)
        assert np.std(g) * 1e6 == pytest.approx(expected_us, rel=0.01, abs=0)
        assert np.mean(g) == pytest.approx(g_hat * P.g_max, abs=3 * expected_us * 1e-6 / math.sqrt(N))


def test_programmed_conductance_floors_at_g_min_only():
    rng = np.random.default_rng(2)
    g = mlm.program(P, np.full(N, 0.0), rng.standard_normal(N) * 10)
    assert g.min() == P.g_min and np.mean(g == P.g_min) == pytest.approx(0.5, abs=0.01)
    g = mlm.program(P, np.full(N, P.g_max), rng.standard_normal(N))
    assert g.max() > P.g_max  # no clipping at g_max unless the spec asks (test_device_statistics)


@pytest.mark.parametrize("g_hat", [0.05, 0.3, 1.0])
def test_drift_exponent_distribution(g_hat):
    mu = np.clip(-0.0155 * math.log(g_hat) + 0.0244, 0.049, 0.1)
    sd = np.clip(-0.0125 * math.log(g_hat) - 0.0059, 0.008, 0.045)
    nu = mlm.drift_nu(P, np.full(N, g_hat * P.g_max), np.random.default_rng(3).standard_normal(N))
    # nu = |N(mu, sd)|: folded-normal moments; 200k samples give relative s.e. < 0.2 %
    phi = 0.5 * math.erfc(mu / sd / math.sqrt(2))  # P(N(mu, sd) < 0)
    mean = sd * math.sqrt(2 / math.pi) * math.exp(-mu ** 2 / (2 * sd ** 2)) + mu * (1 - 2 * phi)
    assert nu.mean() == pytest.approx(mean, rel=0.01, abs=0)
    assert nu.std() == pytest.approx(math.sqrt(mu ** 2 + sd ** 2 - mean ** 2), rel=0.02, abs=0)
    assert np.all(nu >= 0)
    assert np.quantile(nu, 0.9) == pytest.approx(mu + 1.2816 * sd, rel=0.02, abs=0)  # fold is below q10


def test_drift_halves_conductance_in_a_year_at_nu_005():
    year = 365.25 * 86400
    g = mlm.drifted(10e-6, 0.05, year, 20.0)
    assert g == pytest.approx(10e-6 * ((year + 20.0) / 20.0) ** -0.05, rel=1e-12, abs=0)  # at t + t0
    assert 0.4 < g / 10e-6 < 0.5
    assert mlm.drifted(10e-6, 0.05, 0.0, 20.0) == 10e-6  # right after programming: no drift
    assert mlm.drifted(10e-6, 0.05, 5.0, 20.0) == pytest.approx(10e-6 * 1.25 ** -0.05, rel=1e-12, abs=0)


def test_read_noise_grows_with_time_as_published():
    g_prog = 0.5 * P.g_max
    q = min(0.0088 / 0.5 ** 0.65, 0.2)
    for t in (0.0, 1.0, 1e3, 1e6):
        g_now = mlm.drifted(g_prog, 0.05, t, 20.0)
        expected = g_now * q * math.sqrt(math.log((t + 20.0 + 250e-9) / (2 * 250e-9)))  # t + t0
        assert mlm.multilevel_read_sigma(P, g_prog, g_now, t) == pytest.approx(expected, rel=1e-12, abs=0)
    sig = [mlm.multilevel_read_sigma(P, g_prog, g_prog, t) for t in (0.0, 1e3, 1e6)]
    assert 0 < sig[0] < sig[1] < sig[2]


def test_mean_set_step_follows_pcm_preset_curve():
    # REFERENCE.md: step about 0.28 (normalised weight) at w = 0 and about 0.012 at w = 2
    for w, expected in ((0.0, 0.28235), (2.0, 0.01184), (1.0, 0.01 * (1 + 27.235 * math.exp(-2.5)))):
        g = P.g_min + w / 2.0 * P.g_range
        assert mlm.set_step_mean(P, g) / P.g_range * 2.0 == pytest.approx(expected, rel=2e-3, abs=0)


def test_stochastic_set_step_has_the_model_mean_and_spread():
    """One draw per pulse, sigma = c2c (|dw| + add + slope |w|) on the normalised range: at w = 1
    the additive and slope terms (0.042 + 0.108) are about 6x the mean step (0.0245)."""
    rng = np.random.default_rng(4)
    g0 = 0.5 * P.g_max
    steps = mlm.set_pulse(P, np.full(N, g0), 1.0, rng.standard_normal(N)) - g0
    dw = 0.01 * (1 + 27.235 * math.exp(-2.5))
    sd = 0.6 * (dw + 0.042 + 0.108 * 1.0) * P.g_range / 2.0  # far from the bounds: no clipping
    assert steps.mean() == pytest.approx(dw * P.g_range / 2.0, abs=4 * sd / math.sqrt(N))
    assert steps.std() == pytest.approx(sd, rel=0.01, abs=0)


def test_numba_device_physics_matches_numpy_model():
    rng = np.random.default_rng(5)
    g = rng.uniform(0, P.g_max, 500)
    z1, d2d = rng.standard_normal(500), rng.uniform(0.5, 1.5, 500)
    for k in range(500):
        assert device_ops.ml_programming_sigma(P, g[k]) == pytest.approx(mlm.programming_sigma(P, g[k]), rel=1e-12, abs=0)
        assert device_ops.ml_drift_nu(P, g[k], z1[k]) == pytest.approx(mlm.drift_nu(P, g[k], z1[k]), rel=1e-12, abs=0)
        assert device_ops.ml_set_step_mean(P, g[k], d2d[k]) == pytest.approx(
            mlm.set_step_mean(P, g[k], d2d[k]), rel=1e-12, abs=0)
        assert device_ops.ml_set_pulse(P, g[k], d2d[k], z1[k]) == pytest.approx(
            mlm.set_pulse(P, g[k], d2d[k], z1[k]), rel=1e-12, abs=1e-18)
        t = 0.0 if k % 10 == 0 else 10 ** rng.uniform(-7, 8)
        assert device_ops.drift_factor(0.06, t, 20.0) * g[k] == pytest.approx(mlm.drifted(g[k], 0.06, t, 20.0), rel=1e-12, abs=0)
        assert device_ops.read_sigma(P.read_q_coeff, P.read_q_exp, P.read_q_max, P.read_t_read,
                                     P.drift_t0, g[k] / P.g_max, g[k], t) == pytest.approx(
            mlm.multilevel_read_sigma(P, g[k], g[k], t), rel=1e-12, abs=1e-20)


@pytest.mark.parametrize("clip", [False, True])
def test_kernel_program_and_verify_follows_the_numpy_model(clip):
    """write_ml_program: Joshi noise, floored at g_min, clipped at g_max only on request, nu drawn
    from the target; draws normal(key, 0) and normal(key, 1) as the numpy model takes them."""
    from hicsim.devices.state import allocate
    from hicsim.kernels.rng import normal_np
    p = P._replace(prog_clip_g_max=clip)
    targets = np.concatenate((np.linspace(2e-6, p.g_max, 30), np.full(10, p.g_max)))
    st = allocate(1, 1, targets.size)
    keys = np.arange(targets.size, dtype=np.uint64) * np.uint64(7919) + np.uint64(11)
    for j, (target, key) in enumerate(zip(targets, keys)):
        device_ops.write_ml_program(st, 0, 0, j, p, 5.0, target, 0.5e-6, key, 0)
    z0 = normal_np(keys, np.zeros(keys.size, np.uint64))
    z1 = normal_np(keys, np.ones(keys.size, np.uint64))
    np.testing.assert_allclose(st.g[0, 0], mlm.program(p, targets, z0).astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(st.nu[0, 0], mlm.drift_nu(p, targets, z1).astype(np.float32), rtol=1e-6)
    assert (st.g[0, 0].max() > p.g_max) != clip
