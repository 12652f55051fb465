"""The numba generation kernel against its numpy reference; quantisation helpers; bad input."""

import numpy as np
import pytest

from hicsim.generation import (Factors, LayerPlan, QuantTensor, WeightShape, generate,
                               generate_reference, max_code, quantise)
from hicsim.generation.kernel import batched_int_matmul, int_matmul

SHAPE = WeightShape(k=12, c=5, r=3, s=3)


def random_factors(plan: LayerPlan, seed: int, scales: bool) -> Factors:
    """Random codes filling each tensor's bit range; unit scales make every value an integer."""
    rng = np.random.default_rng(seed)
    tensors = {}
    for t in plan.tensors:
        bits = int(np.ceil(t.bits))
        top = max_code(bits)
        codes = (rng.choice([-1, 1], size=t.shape) if bits == 1
                 else rng.integers(-top, top + 1, size=t.shape))
        tensors[t.name] = QuantTensor(codes.astype(np.int64),
                                      float(rng.uniform(0.01, 2)) if scales else 1.0, bits)
    return Factors(plan, tensors)


PLANS = [LayerPlan("both", SHAPE, bi=2, bo=4, bits_b=8, bits_u=4, bits_v=6),
         LayerPlan("shared", SHAPE, bi=3, bo=4, spatial_basis="shared"),
         LayerPlan("intra", SHAPE, bi=2, bo=None, bits_u=1),
         LayerPlan("cross", SHAPE, bi=None, bo=5, bits_b=16, bits_v=16),
         LayerPlan("direct", SHAPE, None, None, direct_bits=8)]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.name)
def test_kernel_equals_reference_exactly_on_integer_values(plan):
    factors = random_factors(plan, seed=1, scales=False)
    out = generate(factors)
    assert out.shape == (12, 5, 3, 3)
    np.testing.assert_array_equal(out, generate_reference(factors))


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.name)
def test_kernel_matches_reference_with_scales(plan):
    factors = random_factors(plan, seed=2, scales=True)
    np.testing.assert_allclose(generate(factors), generate_reference(factors), rtol=1e-12, atol=0)


def test_batched_int_matmul_equals_numpy():
    rng = np.random.default_rng(3)
    a = rng.integers(-100, 100, size=(4, 6, 5))
    b = rng.integers(-100, 100, size=(4, 5, 7))
    np.testing.assert_array_equal(batched_int_matmul(a, b), a @ b)
    np.testing.assert_array_equal(int_matmul(a, b[:1]), a @ b[:1])  # one b for every a


def test_int_matmul_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="cannot multiply"):
        int_matmul(np.zeros((2, 3, 4), np.int64), np.zeros((2, 5, 4), np.int64))
    with pytest.raises(ValueError, match="cannot multiply"):
        int_matmul(np.zeros((2, 3, 4), np.int64), np.zeros((3, 4, 4), np.int64))


def test_factors_must_match_the_plan():
    plan = PLANS[0]
    good = random_factors(plan, seed=4, scales=False)
    with pytest.raises(ValueError, match=r"stores \['B', 'U', 'V'\], got \['B', 'U'\]"):
        Factors(plan, {k: v for k, v in good.tensors.items() if k != "V"})
    with pytest.raises(ValueError, match=r"V must have shape \(12, 4\), got \(4, 12\)"):
        Factors(plan, {**good.tensors, "V": QuantTensor(good["V"].codes.T.copy(), 1.0, 6)})
    with pytest.raises(ValueError, match="U must be quantised at 4 bits, got 8"):
        Factors(plan, {**good.tensors, "U": QuantTensor(good["U"].codes, 1.0, 8)})


def test_quantise_symmetric_range_and_round_trip():
    x = np.array([-1.0, -0.5, 0.0, 0.26, 1.0])
    q = quantise(x, 3)  # codes -3..3, scale 1/3
    assert q.scale == pytest.approx(1 / 3)
    np.testing.assert_array_equal(q.codes, [-3, -2, 0, 1, 3])
    assert np.abs(q.values() - x).max() <= q.scale / 2 + 1e-15


def test_quantise_one_bit_is_sign_times_mean_magnitude():
    q = quantise(np.array([-2.0, 0.0, 1.0, 3.0]), 1)
    np.testing.assert_array_equal(q.codes, [-1, 1, 1, 1])
    assert q.scale == pytest.approx(1.5)


def test_quantise_all_zero_tensor():
    q = quantise(np.zeros(3), 4)
    assert q.scale == 1.0 and not q.codes.any()


@pytest.mark.parametrize("bits", [0, 33, 2.5])
def test_quantise_rejects_bad_bits(bits):
    with pytest.raises(ValueError, match="bits must be an integer in 1..32"):
        quantise(np.ones(3), bits)


def test_quant_tensor_rejects_out_of_range_codes():
    with pytest.raises(ValueError, match="exceed the 4-bit range"):
        QuantTensor(np.array([8], np.int64), 1.0, 4)
    with pytest.raises(ValueError, match="NaN"):
        quantise(np.array([np.nan]), 4)
