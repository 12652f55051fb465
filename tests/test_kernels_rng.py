"""Counter-based RNG: numba and numpy twins give the same bits; the draws have the right law."""

import math

import numpy as np
import pytest

from hicsim.kernels import rng


def test_numba_and_numpy_twins_agree_bit_for_bit():
    key = rng.stream_seed(12345, 7, 3)
    counters = np.arange(1000, dtype=np.uint64) * np.uint64(977)
    assert [rng.uniform(key, int(c)) for c in counters] == rng.uniform_np(key, counters).tolist()
    assert [rng.normal(key, int(c)) for c in counters] == rng.normal_np(key, counters).tolist()
    assert [rng.mix_key(key, int(c)) for c in counters] == rng.mix_key_np(key, counters).tolist()
    u32 = [rng.uniform32(key, int(c)) for c in counters]
    assert u32 == rng.uniform32_np(key, counters).tolist()
    u24 = [rng.uniform24(key, int(c)) for c in counters]
    assert u24 == rng.uniform24_np(key, counters).tolist()
    assert max(u24) < 1.0 and all(float(np.float32(u) * 2 ** 24).is_integer() for u in u24)


def test_normal_moments_and_tails():
    z = rng.normal_np(rng.stream_seed(1), np.arange(400_000, dtype=np.uint64))
    assert abs(z.mean()) < 4 / math.sqrt(z.size)
    assert z.var() == pytest.approx(1.0, abs=4 * math.sqrt(2 / z.size))
    assert np.mean(np.abs(z) > 1.959964) == pytest.approx(0.05, abs=0.0015)
    u = rng.uniform_np(rng.stream_seed(2), np.arange(400_000, dtype=np.uint64))
    assert u.min() >= 0 and u.max() < 1
    assert np.histogram(u, bins=10, range=(0, 1))[0] == pytest.approx([40_000] * 10, rel=0.02)


def test_streams_differ_and_seeds_are_checked():
    a = rng.normal_np(rng.stream_seed(1, 1), np.arange(1000, dtype=np.uint64))
    b = rng.normal_np(rng.stream_seed(1, 2), np.arange(1000, dtype=np.uint64))
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.15
    with pytest.raises(ValueError):
        rng.stream_seed(-1)


def test_fast_normal_matches_twin_and_is_normal():
    from hicsim.kernels.fast_normal import normal_row, normal_row_np
    out = np.empty(400_000)
    normal_row(np.uint64(77), out)
    assert np.array_equal(out, normal_row_np(np.uint64(77), out.size))
    assert abs(out.mean()) < 4 / math.sqrt(out.size)
    assert out.var() == pytest.approx(1.0, abs=4 * math.sqrt(2 / out.size))
    # quantiles of N(0, 1); binomial s.e. of the 0.1 % tail fraction is 5e-5
    assert np.mean(out < -3.090232) == pytest.approx(0.001, abs=2.5e-4)
    assert np.mean(np.abs(out) > 1.959964) == pytest.approx(0.05, abs=0.0015)
    assert np.abs(out).max() < 6.2



def test_fast_normal_rows_are_the_twins_draws_bit_for_bit():
    """Every length around the tail pass's 8-draw words, from any counter, with one scratch made
    for longer rows and dirtied by them (its bytes past a shorter row must not count)."""
    from hicsim.kernels.fast_normal import normal_row_into, normal_row_np, tail_scratch
    flags, words = tail_scratch(700)
    tails = 0
    for n in (1, 7, 8, 9, 16, 144, 577):
        for first in (0, 5, 1000):
            key = rng.mix_key_np(np.uint64(3), np.uint64(n))
            normal_row_into(key, 0, np.empty(700), np.empty(700), flags, words)
            out = np.empty(n)
            normal_row_into(key, first, out, np.empty(n), flags, words)
            ref = normal_row_np(key, first + n)[first:]
            assert np.array_equal(out, ref)
            tails += int(np.sum(np.abs(ref) > 1.9733))  # the quantile's tail region, p < 0.02425
    assert tails > 50  # the tail pass ran on many draws
