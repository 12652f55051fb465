"""Analog MVM kernels against their numpy references, the closed-form noise against per-element
draws, ADC clipping, determinism across thread counts, and bad input."""

import math

import numba
import numpy as np
import pytest

from hicsim.devices.decode import device_conductances
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.kernels.crossbar import CrossbarArray
from hicsim.kernels.decode import DECODE
from hicsim.kernels.mvm import MVM, mvm_kernel
from hicsim.kernels.mvm_columns import mvm_columns_kernel
from hicsim.kernels.mvm_reference import dac_reference, mvm_columns_reference, mvm_reference
from hicsim.kernels.quantize import dac_row
from hicsim.spec import load_arch, override_arch

HIC = load_arch("arch_specs/hic_pcm.yaml")


def test_dac_row_scale_and_poison_from_bit_patterns():
    """dac_row finds max |x| and non-finite inputs with one integer max over bit patterns: check
    it on rows where that could go wrong (negative largest value, -0.0, subnormals, every kind of
    non-finite value) against the float reference."""
    tiny = np.float32(1e-42)  # subnormal
    rows = np.array([[0.5, -3.0, 2.9, 0.0], [-0.0, 0.0, -0.0, 0.0], [tiny, -2 * tiny, 0.0, tiny],
                     [1.0, -1.0, 1.0, -1.0], [np.inf, 1.0, 0.0, 0.0], [1.0, -np.inf, 0.0, 0.0],
                     [1.0, np.nan, 0.0, 0.0], [-np.nan, 1.0, 0.0, 0.0]], np.float32)
    xq, q = np.empty_like(rows), np.empty_like(rows)
    for r, row in enumerate(rows):
        scale = dac_row(row, 127, xq[r], q[r])
        if np.all(np.isfinite(row)):
            ref_xq, ref_q, ref_scale = dac_reference(row[None], 127)
            assert scale == ref_scale[0]
            assert np.array_equal(xq[r], ref_xq[0]) and np.array_equal(q[r], ref_q[0])
        else:
            assert math.isnan(scale) and not xq[r].any() and not q[r].any()
    with pytest.raises(TypeError):  # the bit view would misread float64
        dac_row(np.ones(4), 127, np.empty(4), np.empty(4))


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("noise_on", [False, True])
@pytest.mark.parametrize("amax", [0, 127, 7])
def test_closed_form_kernel_matches_reference(transpose, noise_on, amax):
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, (40, 24)).astype(np.float32)
    var = rng.uniform(0, 1e-3, w.shape).astype(np.float32)
    x = rng.standard_normal((37, 24 if transpose else 40)).astype(np.float32)
    x[3] = 0.0  # an all-zero input vector
    fs = 4 * math.sqrt(x.shape[1]) * 127
    out = np.empty((37, 40 if transpose else 24))
    mvm_kernel(x, w, var, transpose, 127, fs, amax, noise_on, np.uint64(9), 2, out)
    ref = mvm_reference(x, w, var, transpose, 127, fs, amax, noise_on, np.uint64(9))
    lsb = fs / amax * np.abs(x).max(axis=1, keepdims=True) / 127 if amax else 0.0
    # float32 BLAS vs float64: equal to 1e-4 relative before the ADC; an ADC code may flip by
    # one LSB where the analog value sits on a decision boundary (rare)
    assert np.all(np.abs(out - ref) <= 1e-4 * np.abs(ref).max() + lsb * 1.0001)
    if amax:  # all but boundary cases convert to the same code
        assert np.mean(np.isclose(out, ref, rtol=1e-9, atol=0)) > 0.99
    assert not out[3].any()


@pytest.mark.parametrize("noise_on", [False, True])
@pytest.mark.parametrize("amax", [0, 31])
def test_per_column_kernel_matches_reference(noise_on, amax):
    rng = np.random.default_rng(1)
    devices, inputs, outputs, batch = 4, 9, 7, 5
    g = rng.uniform(0, 25e-6, (devices, inputs, outputs))
    sigma = rng.uniform(0, 1e-6, g.shape)
    coef = np.array([2.0, 1.0, -2.0, -1.0]) * 1e4
    xq = rng.integers(-127, 128, (batch, inputs)).astype(np.float64)
    fs = np.full(devices, 4 * 3 * 25e-6)
    out = np.empty((batch, outputs))
    args = (xq, g, sigma, coef, 0.3, 2, 4, fs, amax, noise_on, np.uint64(4))
    mvm_columns_kernel(*args, out)
    ref = mvm_columns_reference(*args)
    if amax == 0:
        assert np.allclose(out, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    else:
        assert np.mean(np.isclose(out, ref, rtol=1e-12, atol=1e-9)) > 0.97


def test_ideal_devices_compute_the_quantised_product():
    arch = override_arch(HIC, ideal_device_overrides(HIC) | {"tile.adc.bits": 16})
    rng = np.random.default_rng(2)
    w = rng.uniform(-1, 1, (64, 48))
    xb = CrossbarArray(arch, w, w_max=1.0, seed=0, input_bits=8)
    x = rng.standard_normal((8, 64))
    xq, _, scale = dac_reference(x, xb.qmax)
    want = (xq @ xb.effective_weights()) * scale[:, None] / xb.qmax
    lsb = 4 * 8 * 1.0 * scale[:, None] / (2 ** 15 - 1)   # output ADC LSB, in output units
    # closed form: one conversion per output, error <= 0.5 LSB (+ float rounding at the boundary)
    assert np.all(np.abs(xb.forward(x) - want) <= 0.501 * lsb)
    # per column: 7 slices x 10 device columns, each within 0.5 of its own LSB; weighted by their
    # shift-and-add coefficients these add up to at most 1 output LSB
    assert np.all(np.abs(xb.forward(x, per_column=True) - want) <= 1.001 * lsb)
    d = rng.standard_normal((8, 48))
    dq, _, dscale = dac_reference(d, xb.qmax)
    want_t = (dq @ xb.effective_weights().T) * dscale[:, None] / xb.qmax
    assert np.allclose(xb.backward(d), want_t, atol=4 * math.sqrt(48) / 2 ** 15 * dscale.max())


def test_closed_form_noise_has_the_variance_of_per_element_draws():
    arch = override_arch(HIC, {"tile.adc.bits": 16})
    rng = np.random.default_rng(3)
    xb = CrossbarArray(arch, rng.uniform(-1, 1, (24, 6)), w_max=1.0, seed=5)
    xb.set_time(3e7)  # a year: read noise well developed
    x = np.repeat(rng.uniform(0.2, 1, (1, 24)), 400, axis=0)
    fast = xb.forward(x)
    slow = xb.forward(x, per_column=True)
    exact = xb.forward(x, noise=False, per_column=True)
    g_now, sigma = device_conductances(xb.layout, xb.ml, xb.bp, xb.state, xb.t_now)
    xq, q, scale = dac_reference(x[:1], xb.qmax)
    sd = np.sqrt(q @ (np.tensordot(xb._coef ** 2, sigma ** 2, axes=1))) * scale / xb.qmax
    for y in (fast, slow):
        # 400 samples: the sample sd is within 15 % of sigma at ~4 standard errors
        assert np.allclose(y.std(axis=0), sd[0], rtol=0.15)
        assert np.all(np.abs(y.mean(axis=0) - exact[0]) < 4 * sd[0] / math.sqrt(400) + 1e-3)


@pytest.mark.parametrize("per_column", [False, True])
def test_output_noise_grows_with_the_input_as_the_closed_form_says(per_column):
    """One 1/f draw per device per MVM, shared by the 7 one-bit slices of an 8-bit input: the
    output noise of input m is m sqrt(var) (sigma |x|), linear in the input. Independent noise per
    slice would give sqrt(sum of squared slice digits x 4^s): 0.58 sigma |x| at 127/127 and
    1.0 sigma |x| at 64/127 (issue 15). Input 0 sits at full scale on a zero weight (devices at
    0 S, noiseless) so that input 1 can take any magnitude."""
    arch = override_arch(load_arch("arch_specs/pcm_multilevel.yaml"), {"tile.adc.bits": 16})
    xb = CrossbarArray(arch, np.array([[0.0], [0.8]]), w_max=1.0, seed=11, input_bits=8)
    assert xb.slices == 7 and xb.variance[0, 0] == 0.0
    xb.set_time(3.2e7)
    sd_weight = math.sqrt(xb.variance[1, 0])  # weight read-noise sigma over the MVM's window
    samples = 800 if per_column else 20_000
    for m in (16, 64, 100, 127):
        x = np.tile([[1.0, m / 127]], (samples, 1))
        y = xb.forward(x, per_column=per_column)[:, 0]
        # s.e. of a sample sd: 1 / sqrt(2 n) = 2.5 % (per column) and 0.5 %
        assert y.std() == pytest.approx(m / 127 * sd_weight, rel=0.10 if per_column else 0.02)


def test_read_noise_bandwidth_is_the_mvm_read_window():
    """sigma^2 of a device read over the MVM's window T = slices x read latency:
    ln((t + t0 + T) / (2 T)) in place of the published single read's t_read."""
    arch = load_arch("arch_specs/pcm_multilevel.yaml")
    xb = CrossbarArray(arch, np.array([[0.5]]), w_max=1.0, seed=1, input_bits=8)
    window = xb.slices * arch.tile.crossbar.read_latency
    assert xb.ml.read_t_read == window == pytest.approx(700e-9)
    g_now, sigma = device_conductances(xb.layout, xb.ml, xb.bp, xb.state, 0.0)
    d = 0  # the weight is positive: G+ holds it
    g = float(xb.state.g[d, 0, 0])
    q = min(0.0088 / (g / xb.ml.g_max) ** 0.65, 0.2)
    assert sigma[d, 0, 0] == pytest.approx(g * q * math.sqrt(math.log((20.0 + window) / (2 * window))),
                                           rel=1e-6)


def test_adc_clips_large_outputs():
    arch = override_arch(HIC, ideal_device_overrides(HIC))
    xb = CrossbarArray(arch, np.ones((64, 2)), w_max=1.0, adc_headroom=1.0)
    y = xb.forward(np.ones((1, 64)))
    assert y == pytest.approx(np.full((1, 2), 8.0))  # full scale 1 x sqrt(64) x w_max: clipped from 64


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads")
def test_results_do_not_depend_on_thread_count(monkeypatch):
    """One thread runs the serial twins, two the parallel kernels (every call made parallel here:
    these small calls would otherwise run serially on both)."""
    for twin in (MVM, DECODE):
        monkeypatch.setattr(twin, "min_parallel_work", 0)
    rng = np.random.default_rng(4)
    xb_args = (HIC, rng.uniform(-1, 1, (96, 80)))
    x = rng.standard_normal((70, 96))
    runs = []
    for threads, kernel in ((1, MVM.serial), (2, MVM.parallel)):
        numba.set_num_threads(threads)
        assert MVM.pick(1) is kernel
        xb = CrossbarArray(*xb_args, w_max=1.0, seed=11)
        xb.set_time(1e5)
        runs.append((xb.forward(x), xb.backward(x[:, :80]), xb.forward(x[:4], per_column=True)))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for a, b in zip(*runs):
        assert np.array_equal(a, b)


def test_bad_input_raises():
    xb = CrossbarArray(HIC, np.zeros((8, 4)), w_max=1.0)
    with pytest.raises(ValueError, match=r"shape \(batch, 8\)"):
        xb.forward(np.zeros((2, 7)))
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        xb.backward(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        xb.forward(np.array([[0, 1, 2, np.inf, 0, 0, 0, 0]]))
    with pytest.raises(ValueError, match="shape"):
        xb.forward(np.zeros(8))
    with pytest.raises(ValueError, match="real numbers"):
        xb.forward(np.zeros((1, 8), complex))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_raise_and_draw_nothing(bad):
    """The DAC pass finds NaN and infinities (in any sample, either direction); a rejected call
    leaves the array as it was, so the next call draws what it would have drawn anyway."""
    rng = np.random.default_rng(3)
    w = rng.uniform(-1, 1, (16, 12))
    x = rng.standard_normal((5, 16))
    a, b = (CrossbarArray(HIC, w, w_max=1.0, seed=4, t_now=1e5) for _ in range(2))
    poisoned = x.copy()
    poisoned[3, 7] = bad
    with pytest.raises(ValueError, match="x contains NaN or infinite"):
        a.forward(poisoned)
    d = np.zeros((2, 12))
    d[1, 0] = bad
    with pytest.raises(ValueError, match="delta contains NaN or infinite"):
        a.backward(d)
    assert np.array_equal(a.forward(x), b.forward(x))
