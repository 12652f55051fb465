"""Weight representations: encode / decode round trips, the numba decode against its numpy
reference, and representations the devices cannot hold."""

import numpy as np
import pytest

from hicsim.devices.decode import decode
from hicsim.devices.encode import encode
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.devices.layout import build_layout
from hicsim.kernels.crossbar import CrossbarArray
from hicsim.spec import InputError, load_arch, override_arch

SPECS = {"hic": "arch_specs/hic_pcm.yaml", "multilevel": "arch_specs/pcm_multilevel.yaml",
         "bit_sliced": "arch_specs/isaac_like.yaml"}


def ideal(spec, **extra):
    arch = load_arch(SPECS[spec], extra or None)
    return override_arch(arch, ideal_device_overrides(arch))


def expected_quantised(layout, w):
    """Nearest representable weight: the step grid of the layout (differential or offset)."""
    step = layout.step_units
    if layout.sides == 2:
        return np.sign(w) * np.rint(np.abs(w) / layout.w_unit / step) * step * layout.w_unit
    m = np.rint((w / layout.w_unit + layout.offset_units) / step) * step
    return (m - layout.offset_units) * layout.w_unit


@pytest.mark.parametrize("spec", list(SPECS))
@pytest.mark.parametrize("sign", ["differential", "offset"])
def test_ideal_round_trip_is_the_quantised_weight(spec, sign):
    arch = ideal(spec, **{"tile.weights.sign": sign})
    w = np.random.default_rng(0).uniform(-0.8, 0.8, (20, 30))
    layout, ml, bp = build_layout(arch, 0.8)
    st = encode(layout, ml, bp, w, np.random.default_rng(1))
    decoded, variance = decode(layout, ml, bp, st, 0.0)
    want = expected_quantised(layout, w)
    assert np.max(np.abs(decoded - want)) < 1e-6 * 0.8
    assert np.max(np.abs(decoded - w)) <= 0.5 * layout.step_units * layout.w_unit * (1 + 1e-6)
    assert not variance.any()


def test_hic_layout_numbers():
    layout, ml, _ = build_layout(load_arch(SPECS["hic"]), 1.0)
    assert layout.slots == 5 and layout.sides == 2 and layout.magnitude_max == 16.0
    assert layout.w_unit == pytest.approx(1 / 16)
    assert layout.step_units == pytest.approx(1 / 15)
    coef = layout.device_coefficients()
    assert coef[3] / coef[4] == pytest.approx(8 * ml.g_range / (25e-6 - 0.1e-6))  # MSB vs ML
    assert coef[5] == -coef[0]


def test_encode_counts_one_programming_per_written_device():
    arch = load_arch(SPECS["hic"])
    layout, ml, bp = build_layout(arch, 1.0)
    w = np.array([[15.5 / 16, -1 / 16 - 1e-9]])
    st = encode(layout, ml, bp, w, np.random.default_rng(0))
    assert st.set_pulses[:4, 0, 0].tolist() == [1, 1, 1, 1]       # code 15: all binaries SET
    assert st.set_pulses[4, 0, 0] == ml.verify_iterations          # ML half full
    assert st.set_pulses[5:10, 0, 0].sum() == 0                    # minus side untouched
    assert st.set_pulses[5:10, 0, 1].tolist() == [1, 0, 0, 0, 0]   # -1/16 on the minus side
    assert not st.reset_pulses.any() and not st.cycles.any()


@pytest.mark.parametrize("spec", list(SPECS))
@pytest.mark.parametrize("t_now", [0.0, 30.0, 3e7])
def test_numba_decode_matches_numpy_reference(spec, t_now):
    xb = CrossbarArray(load_arch(SPECS[spec]), np.random.default_rng(2).uniform(-1, 1, (16, 24)),
                       w_max=1.0, seed=3)
    xb.set_time(t_now)
    w_ref, var_ref = decode(xb.layout, xb.ml, xb.bp, xb.state, t_now)
    assert np.allclose(xb.weights, w_ref, rtol=1e-5, atol=1e-6)
    assert np.allclose(xb.variance, var_ref, rtol=1e-4, atol=1e-12)
    if t_now > 1e6:  # read noise on every weight that holds a programmed device
        assert np.all(xb.variance[np.abs(xb.weights) > xb.step] > 0)


def test_drift_shrinks_multilevel_weights_by_the_model_factor():
    arch = load_arch(SPECS["multilevel"])
    xb = CrossbarArray(arch, np.full((4, 4), 0.5), w_max=1.0, seed=0)
    w0 = xb.effective_weights()
    xb.set_time(20.0 * 1e5)
    ratio = xb.effective_weights() / w0
    expected = (1e5) ** -xb.state.nu[0].astype(np.float64)  # only the plus devices hold weight
    assert np.allclose(ratio, expected, rtol=1e-5)


def test_bad_weights_and_representations_raise():
    arch = load_arch(SPECS["hic"])
    with pytest.raises(ValueError, match="beyond the representable range"):
        CrossbarArray(arch, np.full((2, 2), 2.0), w_max=1.0)
    with pytest.raises(ValueError, match="NaN"):
        CrossbarArray(arch, np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="2-D"):
        CrossbarArray(arch, np.zeros(3))
    with pytest.raises(ValueError, match="w_max"):
        CrossbarArray(arch, np.zeros((2, 2)), w_max=-1.0)


def test_representations_the_model_cannot_hold_are_refused_by_the_spec():
    """One place (the spec) refuses them, so the engine and the functional model agree."""
    with pytest.raises(InputError, match="tile.weights.devices_per_weight: only 1 multi-level"):
        load_arch(SPECS["multilevel"], {"tile.weights.devices_per_weight": 2})
    with pytest.raises(InputError, match="tile.weights.device: device 'pcm_bin' is pcm_binary, "
                                         "expected pcm_multilevel"):
        load_arch(SPECS["multilevel"], {"tile.weights.device": "pcm_bin"})
    with pytest.raises(InputError, match="tile.weights.binary_devices: .* less than or equal to 16"):
        load_arch(SPECS["hic"], {"tile.weights.binary_devices": 20, "tile.crossbar.cols": 256})
