"""The sampled multi-level PCM model against the published model's closed-form moments
(``hicsim.devices.moments``): programmed, drifted and read conductances for the targets and times
of issue 15, with and without read noise; the kernels' scalar physics follows the same numpy model
on identical draws (``test_devices_multilevel``)."""

import math

import numpy as np
import pytest

from hicsim.devices import moments
from hicsim.devices import multilevel as mlm
from hicsim.devices.params import multilevel_params
from hicsim.spec import load_arch

P = multilevel_params(load_arch("arch_specs/hic_pcm.yaml").devices["pcm_ml"])
HOUR, DAY, YEAR = 3600.0, 86400.0, 365.25 * 86400.0
TARGETS_US = (1, 5, 10, 15, 20, 25)
TIMES = (0.0, HOUR, DAY, YEAR)  # after programming; 0 is the fit's first read, at t0
N = 200_000  # per target: the sample std of these mixtures is within 1 % of sigma (s.e. < 0.5 %)


def _sample(g_target: float, elapsed: float, read_noise: bool, rng) -> np.ndarray:
    """N devices programmed to ``g_target`` and read once ``elapsed`` seconds later."""
    z = rng.standard_normal((3, N))
    g_prog = mlm.program(P, np.full(N, g_target), z[0])
    g = mlm.drifted(g_prog, mlm.drift_nu(P, np.full(N, g_target), z[1]), elapsed, P.drift_t0)
    if read_noise:
        g = g + mlm.multilevel_read_sigma(P, g_prog, g, elapsed) * z[2]
    return g


@pytest.mark.parametrize("read_noise", [False, True])
@pytest.mark.parametrize("elapsed", TIMES)
def test_conductance_statistics_match_the_published_closed_forms(elapsed, read_noise):
    rng = np.random.default_rng([int(elapsed), read_noise])
    for target_us in TARGETS_US:
        g_target = target_us * 1e-6
        mean, std = moments.conductance_moments(P, g_target, elapsed, read_noise)
        g = _sample(g_target, elapsed, read_noise, rng)
        where = f"g_T {target_us} uS, t {elapsed:g} s, read noise {read_noise}"
        assert g.mean() == pytest.approx(mean, rel=0.02, abs=0), where
        assert g.std() == pytest.approx(std, rel=0.05, abs=0), where


def test_no_pile_up_at_g_max_by_default_and_clipping_as_an_option():
    """At g_T = g_max half the devices program above g_max; the fit's spread includes them."""
    z = np.random.default_rng(7).standard_normal(N)
    g = mlm.program(P, np.full(N, P.g_max), z)
    assert np.mean(g > P.g_max) == pytest.approx(0.5, abs=0.01)
    assert g.std() == pytest.approx(mlm.programming_sigma(P, P.g_max), rel=0.01, abs=0)
    clipped = mlm.program(P._replace(prog_clip_g_max=True), np.full(N, P.g_max), z)
    assert clipped.max() == P.g_max
    # a normal clipped at its mean keeps sqrt((1 - 1/pi) / 2) of its spread
    assert clipped.std() == pytest.approx(mlm.programming_sigma(P, P.g_max)
                                          * math.sqrt((1 - 1 / math.pi) / 2), rel=0.01, abs=0)


def test_drift_exponent_follows_the_target_not_the_programmed_conductance():
    z = np.random.default_rng(8).standard_normal((2, 1000))
    target = np.full(1000, 1e-6)
    g_prog = mlm.program(P, target, z[0])
    assert np.array_equal(mlm.drift_nu(P, target, z[1]),
                          np.abs(mlm.drift_nu_mean(P, 1e-6) + mlm.drift_nu_sigma(P, 1e-6) * z[1]))
    assert not np.allclose(mlm.drift_nu(P, g_prog, z[1]), mlm.drift_nu(P, target, z[1]))


def test_reads_right_after_programming_are_noisy_and_undrifted():
    g = 10e-6
    assert mlm.drifted(g, 0.06, 0.0, P.drift_t0) == g
    q = 0.0088 / 0.4 ** 0.65
    expected = g * q * math.sqrt(math.log((P.drift_t0 + 250e-9) / (2 * 250e-9)))
    assert mlm.multilevel_read_sigma(P, g, g, 0.0) == pytest.approx(expected, rel=1e-12, abs=0)


def test_closed_form_matches_hand_values():
    """The closed form itself, at a point worked by hand: g_T = 10 uS, t = 1 year, no read noise.
    g_hat 0.4: sigma_prog = 0.26348 + 0.786 - 0.187696 uS (far from the floor at 0);
    mu_nu = -0.0155 ln 0.4 + 0.0244 = 0.038602 -> clipped to 0.049, sd_nu = 0.005554 -> 0.008."""
    mean, std = moments.conductance_moments(P, 10e-6, YEAR, read_noise=False)
    c = math.log((YEAR + 20.0) / 20.0)
    sd_prog = (0.26348 + 1.9650 * 0.4 - 1.1731 * 0.16) * 1e-6
    # nu essentially never folds at mu / sd = 6: E[r^-k nu] = exp(-k c mu + (k c sd)^2 / 2)
    d1 = math.exp(-c * 0.049 + (c * 0.008) ** 2 / 2)
    d2 = math.exp(-2 * c * 0.049 + (2 * c * 0.008) ** 2 / 2)
    assert mean == pytest.approx(10e-6 * d1, rel=1e-9, abs=0)
    # the hand form leaves out the folded tail of nu (about 1e-9 of its mass), which the
    # variance's cancellation (E[g^2] - E[g]^2) magnifies to 1.6e-9 of the spread
    assert std == pytest.approx(math.sqrt((100e-12 + sd_prog ** 2) * d2 - (10e-6 * d1) ** 2),
                                rel=1e-8, abs=0)


def test_pulse_train_from_reset_matches_the_published_law():
    """40 SET pulses from RESET on 20,000 devices, each with its own device-to-device factor:
    population mean within 5 % and spread within 10 % of the exact propagation of the one-pulse
    law (``moments.pulse_train_moments``) after every pulse."""
    pulses, devices = 40, 20_000
    rng = np.random.default_rng(9)
    d2d = mlm.device_to_device_factor(P, rng.standard_normal(devices))
    g = np.full(devices, P.g_min)
    means, stds = [g.mean()], [g.std()]
    for z in rng.standard_normal((pulses, devices)):
        g = mlm.set_pulse(P, g, d2d, z)
        means.append(g.mean())
        stds.append(g.std())
    mean, std = moments.pulse_train_moments(P, P.g_min, pulses)
    np.testing.assert_allclose(means[1:], mean[1:], rtol=0.05)
    np.testing.assert_allclose(stds[1:], std[1:], rtol=0.10)

def test_pulse_train_propagation_gives_the_first_pulse_in_closed_form():
    """Without device-to-device spread, one pulse from RESET is a normal of mean dw(0) = 0.28235
    (REFERENCE.md) and sigma 0.6 (dw(0) + 0.042), floored at 0: a rectified normal."""
    p = P._replace(set_sigma_d2d=0.0)
    mean, std = moments.pulse_train_moments(p, p.g_min, 1)
    m, s = 0.01 * (1 + 27.235), 0.6 * (0.01 * (1 + 27.235) + 0.042)
    a = m / s
    pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * math.erfc(-a / math.sqrt(2))
    first = m * cdf + s * pdf
    second = (m * m + s * s) * cdf + m * s * pdf
    scale = p.g_range / p.set_w_span
    assert mean[1] == pytest.approx(first * scale, rel=2e-3, abs=0)
    assert std[1] == pytest.approx(math.sqrt(second - first ** 2) * scale, rel=5e-3, abs=0)
