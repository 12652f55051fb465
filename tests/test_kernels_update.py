"""Update kernels: accumulation against the numpy reference, conservation on ideal devices,
counters, conductance bounds, determinism across thread counts, bad input."""

import math

import numba
import numpy as np
import pytest

from hicsim.devices.decode import decode
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.devices.multilevel import programming_sigma
from hicsim.kernels.crossbar import RULES, CrossbarArray
from hicsim.kernels.update import UPDATE, update_kernel
from hicsim.kernels.update_reference import gradient_reference, steps_reference
from hicsim.spec import load_arch, override_arch

SPECS = {"hic": "arch_specs/hic_pcm.yaml", "multilevel": "arch_specs/pcm_multilevel.yaml",
         "bit_sliced": "arch_specs/isaac_like.yaml"}


def ideal(spec, **extra):
    arch = load_arch(SPECS[spec], extra or None)
    return override_arch(arch, ideal_device_overrides(arch) | {"tile.accumulator": {"bits": 8, "rounding": "nearest"}})


def exact_batch(rng, batch, rows, cols):
    """Inputs whose float32 products and sums are exact (small dyadic numbers)."""
    x = rng.integers(-8, 9, (batch, rows)) / 8.0
    d = rng.integers(-8, 9, (batch, cols)) / 64.0
    return x, d


@pytest.mark.parametrize("rule,bits", [(rule, 8) for rule in RULES] + [("hic", 32)])
@pytest.mark.parametrize("stochastic", [False, True])
def test_accumulation_matches_reference(rule, bits, stochastic):
    """8 bits: float32 arithmetic; 32 bits: float64 (float32 cannot hold such accumulators)."""
    rng = np.random.default_rng(0)
    arch = load_arch(SPECS["hic"], {"tile.accumulator": {"bits": bits}})
    xb = CrossbarArray(arch, rng.uniform(-1, 1, (32, 20)), w_max=1.0, seed=1)
    x, d = exact_batch(rng, 6, 32, 20)
    lo, hi, per_step, _ = xb._accumulator_format(rule)
    assert isinstance(per_step, np.float32 if bits <= 24 else np.float64)
    acc0 = (rng.integers(-100, 100, xb.shape) * 2 ** (bits - 8)).astype(np.int32)
    chi0 = rng.uniform(-0.9, 0.9, xb.shape).astype(np.float32)
    acc, chi = acc0.copy(), chi0.copy()
    steps = np.zeros(xb.shape, np.int32)
    gain = -0.05 / xb.step
    counts = np.zeros(32, np.int64)
    total = update_kernel(x.astype(np.float32), d.astype(np.float32), gain, RULES[rule],
                  acc, chi, lo, hi, per_step, stochastic, np.uint64(7), np.uint64(8), xb.state,
                  xb.layout, xb._coef, xb._offset, xb.ml, xb.bp, xb.t_now, xb.weights, xb.variance,
                  counts, steps)
    ref_steps, ref_acc, ref_chi = steps_reference(gradient_reference(x, d), gain, RULES[rule], acc0,
                                                  chi0, lo, hi, per_step, stochastic, np.uint64(7))
    assert np.array_equal(steps, ref_steps)
    assert np.array_equal(acc, ref_acc)
    assert np.array_equal(chi, ref_chi)
    assert np.abs(steps).max() >= 1  # the test exercises programming
    assert np.array_equal(counts, (steps != 0).sum(axis=1))
    assert total == counts.sum()


def test_the_accumulator_format_follows_the_array_accumulator():
    """The format is built once per accumulator object: another accumulator gets its own."""
    xb = CrossbarArray(load_arch(SPECS["hic"]), np.zeros((2, 2)), w_max=1.0)
    assert xb._accumulator_format("hic") is xb._accumulator_format("hic")
    assert isinstance(xb._accumulator_format("hic")[0], np.float32)
    xb.accumulator = load_arch(SPECS["hic"], {"tile.accumulator": {"bits": 32}}).tile.accumulator
    lo, hi, _, _ = xb._accumulator_format("hic")
    assert isinstance(lo, np.float64) and (lo, hi) == (-2.0 ** 31, 2.0 ** 31 - 1)
    xb.accumulator = None
    with pytest.raises(ValueError, match="rule 'hic' needs tile.accumulator"):
        xb._accumulator_format("hic")


@pytest.mark.parametrize("spec,sign,rule", [
    ("hic", "differential", "hic"), ("hic", "offset", "hic"),
    ("hic", "differential", "mixed_precision_closed_loop"),
    ("multilevel", "differential", "hic"), ("multilevel", "offset", "mixed_precision_closed_loop"),
    ("multilevel", "differential", "mixed_precision"),
    ("bit_sliced", "differential", "hic"), ("bit_sliced", "offset", "stochastic_pulse")])
def test_ideal_devices_conserve_the_update(spec, sign, rule):
    """Decoded change + what the accumulators still hold = the sum of -lr x gradient, to within the
    rounding of each update (0.5 LSB of the accumulator each, or one step for stochastic pulses)."""
    rng = np.random.default_rng(2)
    arch = ideal(spec, **{"tile.weights.sign": sign})
    w0 = rng.uniform(-0.4, 0.4, (24, 16))
    xb = CrossbarArray(arch, w0, w_max=1.0, seed=3)
    start = xb.effective_weights()
    total = np.zeros(xb.shape)
    lr = 0.3 * xb.step
    updates = 30
    for _ in range(updates):
        x, d = exact_batch(rng, 4, 24, 16)
        xb.update(x, d, lr, rule)
        total -= lr * gradient_reference(x, d)
    change = xb.effective_weights() - start + xb.accumulated()
    lsb = xb.step / 2 ** 6
    tol = {"hic": updates * 0.5 * lsb, "mixed_precision": 1e-5, "mixed_precision_closed_loop": 1e-5,
           "stochastic_pulse": None}[rule]
    if tol is None:  # unbiased, not exact: mean error near 0, each within the steps' spread
        err = change - total
        assert abs(err.mean()) < 0.1 * xb.step and np.abs(err).max() < 8 * xb.step
    else:
        assert np.abs(change - total).max() <= tol + 1e-6
    w_ref, _ = decode(xb.layout, xb.ml, xb.bp, xb.state, xb.t_now)
    assert np.allclose(xb.weights, w_ref, atol=1e-6)  # incremental refresh == full decode


@pytest.mark.parametrize("rule", ["mixed_precision", "mixed_precision_closed_loop"])
def test_mixed_precision_pulses_are_counted_exactly(rule):
    """Ideal differential multi-level pair, one SET pulse per step, far from saturation: the SET
    counters grow by the number of steps, and no RESET happens. On ideal devices the mean SET
    step is one level, so the open-loop scheme's pulses are the closed loop's steps."""
    arch = ideal("multilevel", **{"devices.pcm_ml.verify_iterations": 1})
    rng = np.random.default_rng(4)
    xb = CrossbarArray(arch, rng.uniform(-0.3, 0.3, (16, 12)), w_max=1.0, seed=0)
    sets0 = xb.state.set_pulses.astype(np.int64).sum()
    steps = np.zeros(xb.shape, np.int64)
    for _ in range(10):
        x, d = exact_batch(rng, 4, 16, 12)
        chi0 = xb._chi.astype(np.float64)
        xb.update(x, d, 2.0 * xb.step, rule)  # desired change: -2 x gradient steps
        steps += np.abs(np.rint(chi0 - 2.0 * gradient_reference(x, d) - xb._chi)).astype(np.int64)
    assert xb.state.set_pulses.astype(np.int64).sum() - sets0 == steps.sum() > 0
    assert not xb.state.reset_pulses.any() and not xb.state.cycles.any()


@pytest.mark.parametrize("spec", list(SPECS))
def test_noisy_devices_stay_in_range_and_counters_are_consistent(spec):
    arch = load_arch(SPECS[spec], {"tile.accumulator": {"bits": 6, "rounding": "stochastic"}})
    rng = np.random.default_rng(5)
    xb = CrossbarArray(arch, rng.uniform(-1, 1, (24, 16)), w_max=1.0, seed=6)
    for _ in range(40):
        xb.update(rng.standard_normal((8, 24)), rng.standard_normal((8, 16)), 0.05, "hic")
    st = xb.state
    ml_slots = np.tile(xb.layout.slot_binary == 0, xb.layout.sides)
    g_ml = st.g[ml_slots]
    # SET pulses stop at g_max; program-and-verify may land above it by its noise (no clipping,
    # the published model), and the counter-based normals stay within 8.3 sigma
    reach = xb.ml.g_max + 8.3 * float(programming_sigma(xb.ml, xb.ml.g_max))
    assert g_ml.min() >= xb.ml.g_min and g_ml.max() <= reach
    assert np.all(st.cycles <= st.reset_pulses)
    assert np.all(st.cycles <= st.set_pulses)
    assert st.cycles.sum() > 0
    assert np.all(np.abs(xb.weights) <= 1.0 * 1.3)  # spreads aside, weights stay near range


def test_hic_carries_into_binary_devices():
    """Pushing one weight up by 46 steps on ideal devices (16 levels: 15 steps fill the multi-level
    device, the 16th carries): the binary code reaches 3, the multi-level device is RESET at each
    carry, and the decoded weight follows step by step."""
    arch = ideal("hic")
    xb = CrossbarArray(arch, np.zeros((1, 1)), w_max=1.0, seed=0)
    for k in range(46):
        xb.update(np.ones((1, 1)), -np.ones((1, 1)), xb.step, "hic")
        assert xb.effective_weights()[0, 0] == pytest.approx((k + 1) * xb.step, rel=1e-5)
    assert xb.state.code[0, 0] == 3
    assert xb.state.reset_pulses[4, 0, 0] == 3 and xb.state.cycles[4, 0, 0] == 3
    assert xb.state.set_pulses[:2, 0, 0].tolist() == [2, 1]  # bit 0 set twice, bit 1 once
    for _ in range(50):  # and back down through zero to the minus side
        xb.update(np.ones((1, 1)), np.ones((1, 1)), xb.step, "hic")
    assert xb.state.sign[0, 0] == -1 and xb.state.code[0, 0] == 0
    assert xb.effective_weights()[0, 0] == pytest.approx(-4 * xb.step, rel=1e-5)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads")
def test_update_is_deterministic_across_thread_counts(monkeypatch):
    """One thread runs the serial twin, two the parallel kernel (every call made parallel here:
    these small calls would otherwise run serially on both, and the test compare a kernel with
    itself)."""
    monkeypatch.setattr(UPDATE, "min_parallel_work", 0)
    rng = np.random.default_rng(7)
    w = rng.uniform(-1, 1, (64, 40))
    batches = [(rng.standard_normal((16, 64)), rng.standard_normal((16, 40))) for _ in range(5)]
    results = []
    for threads, kernel in ((1, UPDATE.serial), (2, UPDATE.parallel)):
        numba.set_num_threads(threads)
        assert UPDATE.pick(1) is kernel
        xb = CrossbarArray(load_arch(SPECS["hic"]), w, w_max=1.0, seed=9)
        xm = CrossbarArray(load_arch(SPECS["multilevel"]), w, w_max=1.0, seed=9)
        for rule in ("hic", "stochastic_pulse", "mixed_precision_closed_loop"):
            for x, d in batches:
                xb.update(x, d, 0.02, rule)
                xm.update(x, d, 0.02, "mixed_precision")
        results.append((xb.weights.copy(), xb.state.g.copy(), xb.state.cycles.copy(), xb._acc.copy(),
                        xm.weights.copy(), xm.state.g.copy(), xm.state.cycles.copy()))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_bad_update_input_raises():
    xb = CrossbarArray(load_arch(SPECS["hic"]), np.zeros((4, 3)), w_max=1.0)
    x, d = np.zeros((2, 4)), np.zeros((2, 3))
    with pytest.raises(ValueError, match="rule"):
        xb.update(x, d, 0.1, "sgd")
    with pytest.raises(ValueError, match="batches differ"):
        xb.update(x, np.zeros((3, 3)), 0.1)
    with pytest.raises(ValueError, match="lr"):
        xb.update(x, d, float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        xb.update(x, np.full((2, 3), np.nan), 0.1)
    no_acc = load_arch(SPECS["bit_sliced"])  # isaac_like has no accumulator
    with pytest.raises(ValueError, match="tile.accumulator"):
        CrossbarArray(no_acc, np.zeros((4, 3)), w_max=1.0).update(x, d, 0.1, "hic")


@pytest.mark.parametrize("spec,rule", [("hic", "hic"), ("multilevel", "mixed_precision"),
                                       ("bit_sliced", "stochastic_pulse")])
def test_a_given_gradient_updates_as_the_identity_product_would(spec, rule):
    """update_gradient(G) = update(identity, G) bit for bit (apply_gradient's path for batches
    longer than the rows): counts, accumulators, device planes, weights; on rows over two task
    blocks. The same for FloatArray."""
    from hicsim.kernels import FloatArray
    rng = np.random.default_rng(4)
    w = rng.uniform(-1, 1, (150, 20))
    g = (rng.standard_normal((150, 20)) * 3).astype(np.float32)
    a, b = (CrossbarArray(load_arch(SPECS[spec]), w, w_max=1.0, seed=3) for _ in range(2))
    # 12 device steps per unit of gradient on every spec (hic_pcm's lr 0.05): a fixed lr gave
    # isaac_like's small steps some 1,600 pulses per weight (11 s of the suite)
    lr = 12 * a.step
    for _ in range(3):
        n = a.update_gradient(g, lr, rule)
        assert n == b.update(np.eye(150, dtype=np.float32), g, lr, rule)
    assert n > 0
    for name in ("_acc", "_chi", "weights", "variance"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for field, pa, pb in zip(a.state._fields, a.state, b.state):
        assert np.array_equal(pa, pb), field
    fa, fb = FloatArray(w), FloatArray(w)
    assert fa.update_gradient(g, 0.05) == fb.update(np.eye(150), g, 0.05) == w.size
    assert np.array_equal(fa.weights, fb.weights)
    for store in (a, fa):
        with pytest.raises(ValueError, match="shape"):
            store.update_gradient(g[:149], 0.05, rule if store is a else "fp32")
        with pytest.raises(ValueError, match="NaN"):
            store.update_gradient(np.full_like(g, np.nan), 0.05, rule if store is a else "fp32")


def test_float_array_baseline_is_exact_sgd():
    from hicsim.kernels import FloatArray
    rng = np.random.default_rng(8)
    w = rng.standard_normal((6, 4))
    fa = FloatArray(w)
    x, d = rng.standard_normal((3, 6)), rng.standard_normal((3, 4))
    assert np.allclose(fa.forward(x), x @ w, rtol=1e-5, atol=1e-5)
    assert np.allclose(fa.backward(d), d @ w.T, rtol=1e-5, atol=1e-5)
    assert fa.update(x, d, 0.1) == 24
    assert np.allclose(fa.effective_weights(), w - 0.1 * x.T @ d, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        fa.update(x, d, 0.1, "hic")


@pytest.mark.parametrize("fraction_bits,programmed,held", [(None, 1, 1 - 2 ** -14), (6, 10, 0)])
def test_accumulator_range_follows_its_fraction_bits(fraction_bits, programmed, held):
    """A 16-bit accumulator with the default format (14 fraction bits) saturates one LSB below 2
    steps, so an update worth 10 steps programs 1 step and holds the rest of what fits; with 6
    fraction bits it holds +-512 steps, and all 10 are programmed."""
    acc = {"bits": 16, "rounding": "nearest"}
    if fraction_bits is not None:
        acc["fraction_bits"] = fraction_bits
    arch = load_arch(SPECS["hic"])
    arch = override_arch(arch, ideal_device_overrides(arch) | {"tile.accumulator": acc})
    xb = CrossbarArray(arch, np.zeros((1, 1)), w_max=1.0, seed=0)
    xb.update(np.ones((1, 1)), np.ones((1, 1)), lr=-10 * xb.step, rule="hic")  # +10 steps wanted
    assert xb.effective_weights()[0, 0] == pytest.approx(programmed * xb.step, rel=1e-6)
    assert xb.accumulated()[0, 0] == pytest.approx(held * xb.step, rel=1e-6, abs=1e-12)


def test_open_loop_mixed_precision_transfers_n_pulses_of_the_mean_step():
    """The published scheme on the PCM preset: chi in units of the mean SET step epsilon,
    n = trunc(chi) pulses per weight, applied open loop (no verify pulses), with no RESET while
    the pair stays below the refresh thresholds."""
    arch = load_arch(SPECS["multilevel"])
    xb = CrossbarArray(arch, np.zeros((8, 6)), w_max=1.0, seed=2)
    eps = xb.mean_set_step
    # the PCM preset's step averaged over w in [0, 2]: 0.01 (2 + 27.235 / 2.5 (1 - e^-5)) / 2,
    # 0.064 of the normalised range's 2 (a unit is the device's range)
    mean_w = 0.01 * (2 + 27.235 / 2.5 * (1 - math.exp(-5))) / 2
    assert eps / xb.layout.w_unit == pytest.approx(mean_w / 2, rel=1e-3)
    sets0 = xb.state.set_pulses.astype(np.int64).copy()
    x, d = np.ones((1, 8)), np.zeros((1, 6))
    d[0, :3] = -1.0   # weights of columns 0-2 grow, 3-5 shrink
    d[0, 3:] = 1.0
    xb.update(x, d, 2.7 * eps, "mixed_precision")   # chi = 2.7: two pulses each, 0.7 left
    pulses = xb.state.set_pulses.astype(np.int64) - sets0
    assert np.all(pulses[0, :, :3] == 2) and not pulses[1, :, :3].any()
    assert np.all(pulses[1, :, 3:] == 2) and not pulses[0, :, 3:].any()
    assert np.allclose(xb._chi[:, :3], 0.7, atol=1e-5) and np.allclose(xb._chi[:, 3:], -0.7, atol=1e-5)
    assert not xb.state.reset_pulses.any()
    expected = np.tile(np.where(np.arange(6) < 3, 0.7, -0.7) * eps, (8, 1))
    assert xb.accumulated() == pytest.approx(expected, rel=1e-4)


def test_open_loop_refresh_moves_a_high_pair_onto_one_device():
    """Both devices above the thresholds (0.75 and 0.25 of g_max, aihwkit's): the pair is RESET
    and their difference re-programmed onto the larger one before the pulse train."""
    arch = load_arch(SPECS["multilevel"])
    xb = CrossbarArray(arch, np.zeros((1, 1)), w_max=1.0, seed=4)
    xb.state.g[0, 0, 0], xb.state.g[1, 0, 0] = 0.9 * xb.ml.g_max, 0.5 * xb.ml.g_max
    xb.update(np.ones((1, 1)), -np.ones((1, 1)), 1.2 * xb.mean_set_step, "mixed_precision")
    assert xb.state.reset_pulses[:, 0, 0].tolist() == [1, 1]
    assert xb.state.g[1, 0, 0] == 0.0
    # 0.4 g_max re-programmed (noise aside), then one SET pulse of the mean step or so
    assert 0.3 * xb.ml.g_max < xb.state.g[0, 0, 0] < 0.75 * xb.ml.g_max


def test_open_loop_needs_a_differential_multilevel_pair():
    xb = CrossbarArray(load_arch(SPECS["hic"]), np.zeros((2, 2)), w_max=1.0)
    with pytest.raises(ValueError, match="mixed_precision_closed_loop"):
        xb.update(np.ones((1, 2)), np.ones((1, 2)), 0.1, "mixed_precision")
