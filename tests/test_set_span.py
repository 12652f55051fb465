"""The SET pulse multiplies by the span's reciprocal (``params.set_span_fields``): the kernel and
the numpy reference agree bit for bit on any span, and for a power-of-two span (every shipped
spec) both give the bits of the division they replaced."""

import math
from pathlib import Path

import numpy as np
import pytest

from hicsim.devices import multilevel as mlm
from hicsim.devices.layout import build_layout
from hicsim.devices.params import check_set_span, multilevel_params, set_span_fields
from hicsim.hardware.pcm import PcmMultilevelTechnology
from hicsim.kernels import device_ops
from hicsim.spec import load_arch

P = multilevel_params(load_arch("arch_specs/hic_pcm.yaml").devices["pcm_ml"])
N = 20_000


class _LibmExp:
    """numpy with its exp replaced by libm's, the one numba's ``math.exp`` calls: numpy's own
    (SIMD) exp differs from libm's in the last bit for some 5% of arguments (4,537 of 100,000
    uniform in [-10, 10] here), which would hide the arithmetic these tests compare."""

    exp = staticmethod(np.vectorize(math.exp, otypes=[float]))

    def __getattr__(self, name):
        return getattr(np, name)


def _draws(seed):
    """(g, d2d, z): conductances over the range and its ends, spread factors, normals wide
    enough to clip at both ends of the span."""
    rng = np.random.default_rng(seed)
    g = np.concatenate((rng.uniform(P.g_min, P.g_max, N), [P.g_min, P.g_max] * 50))
    return g, rng.uniform(0.0, 2.0, g.size), rng.standard_normal(g.size) * 3.0


def _divided(p, g, d2d, z, exp):
    """Reference of record: the pulse as it divided by the span before set_w_span_inv (the
    general path of commit 3309988), (mean step, new conductance); ``exp`` numpy's or libm's."""
    w = (g - p.g_min) / p.g_range * p.set_w_span
    arg = 2.0 * p.set_a * w / p.set_w_span + p.set_b
    step_w = np.maximum(0.0, 1.0 - p.set_a_up * exp(p.set_gamma * arg)) * p.set_dw_min * d2d
    step = step_w / p.set_w_span * p.g_range
    dw = step / p.g_range * p.set_w_span
    sigma = p.set_sigma_c2c * (np.abs(dw) + p.set_sigma_add + p.set_sigma_slope * np.abs(w))
    w_new = np.clip(w + dw + sigma * z, 0.0, p.set_w_span)
    return step, p.g_min + w_new / p.set_w_span * p.g_range


def _kernel(p, g, d2d, z):
    step = np.array([device_ops.ml_set_step_mean(p, *a) for a in zip(g, d2d)])
    return step, np.array([device_ops.ml_set_pulse(p, *a) for a in zip(g, d2d, z)])


@pytest.mark.parametrize("span", [2.0, 3.0, 0.7])
def test_kernel_gives_the_references_bits(span, monkeypatch):
    p = P._replace(**set_span_fields(span))
    g, d2d, z = _draws(7)
    step, g_new = _kernel(p, g, d2d, z)
    monkeypatch.setattr(mlm, "np", _LibmExp())
    assert np.array_equal(step, mlm.set_step_mean(p, g, d2d))
    assert np.array_equal(g_new, mlm.set_pulse(p, g, d2d, z))
    assert g_new.min() == p.g_min and g_new.max() == p.g_max  # both clips taken


def test_span_two_multiplies_to_the_divisions_bits():
    assert P.set_w_span == 2.0 and P.set_w_span_inv == 0.5
    g, d2d, z = _draws(8)
    step, g_new = _divided(P, g, d2d, z, np.exp)
    assert np.array_equal(mlm.set_step_mean(P, g, d2d), step)
    assert np.array_equal(mlm.set_pulse(P, g, d2d, z), g_new)
    for new, old in zip(_kernel(P, g, d2d, z), _divided(P, g, d2d, z, _LibmExp.exp)):
        assert np.array_equal(new, old)


def test_every_shipped_span_is_a_power_of_two():
    """So the reciprocal moved no shipped number (the test above, for span 2)."""
    spans = {dev.set_response.w_max for path in sorted(Path("arch_specs").glob("*.yaml"))
             for dev in load_arch(path).devices.values() if hasattr(dev, "set_response")}
    assert spans and all(math.frexp(s)[0] == 0.5 for s in spans), spans


def test_another_span_stays_within_rounding_of_the_division():
    """A span whose reciprocal is inexact: a product may round an ulp away from the quotient,
    which the exp and the sums carry to a few ulps (spans 3, 0.7 and 5 on these draws: at most 7
    ulps of the mean step, 4 ulps of g_max in the new conductance)."""
    for span in (3.0, 0.7, 5.0):
        p = P._replace(**set_span_fields(span))
        g, d2d, z = _draws(9)
        step, g_new = _divided(p, g, d2d, z, np.exp)
        assert np.all(np.abs(mlm.set_step_mean(p, g, d2d) - step) <= 16 * np.spacing(step))
        assert np.all(np.abs(mlm.set_pulse(p, g, d2d, z) - g_new) <= 8 * np.spacing(p.g_max))
        assert not np.array_equal(mlm.set_pulse(p, g, d2d, z), g_new)  # not the division's bits


def test_a_stale_reciprocal_is_refused(monkeypatch):
    check_set_span(P._replace(**set_span_fields(3.0)), "fresh")
    with pytest.raises(ValueError, match="stale: set_w_span_inv 0.5 is not 1 / set_w_span"):
        check_set_span(P._replace(set_w_span=3.0), "stale")
    monkeypatch.setattr(PcmMultilevelTechnology, "kernel_params",
                        lambda self: multilevel_params(self.spec)._replace(set_w_span=4.0))
    with pytest.raises(ValueError, match="PcmMultilevelTechnology.kernel_params.. of 'pcm_ml'"):
        build_layout(load_arch("arch_specs/hic_pcm.yaml"), 1.0)
