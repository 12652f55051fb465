"""Counter-based random numbers: every draw is a pure function of (key, counter).

A kernel derives a key per row / per weight from the caller's seed with ``mix_key`` and numbers its
draws, so a given seed gives the same numbers whichever thread handles which row: results do not
depend on the numba thread count. The hash is splitmix64's finaliser (Steele et al. 2014), which
passes BigCrush when fed a counter; normals come from Box-Muller on two uniforms.

Each function has a numpy twin (``*_np``) computing the same bits on arrays, used by the references
and by the tests that compare kernels with them exactly.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_POW_M53 = 1.0 / 9007199254740992.0
_TWO_PI = 2.0 * math.pi


@njit(cache=True)
def splitmix(x):
    z = np.uint64(x) + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def mix_key(key, index):
    """A new key for sub-stream ``index`` of ``key`` (e.g. one row, one weight, one purpose)."""
    return splitmix(np.uint64(key) ^ splitmix(np.uint64(index)))


@njit(cache=True)
def uniform(key, counter):
    """Uniform in [0, 1) with 53 random bits."""
    return float(splitmix(np.uint64(key) + np.uint64(counter) * _GOLDEN) >> _S11) * _TWO_POW_M53


@njit(cache=True)
def normal(key, counter):
    """Standard normal (Box-Muller, cosine branch) from draws 2*counter and 2*counter + 1."""
    u1 = uniform(key, np.uint64(2) * np.uint64(counter))
    u2 = uniform(key, np.uint64(2) * np.uint64(counter) + np.uint64(1))
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2)


_MASK32 = np.uint64(0xFFFFFFFF)
_W1, _W2, _GOLDEN32 = np.uint64(0x7FEB352D), np.uint64(0x846CA68B), np.uint64(0x9E3779B9)
_S16, _S15 = np.uint64(16), np.uint64(15)
_TWO_POW_M31 = 1.0 / 2147483648.0


@njit(cache=True)
def uniform32(key, counter):
    """A cheaper uniform in [0, 1) with 31 random bits (Wellons' lowbias32 hash of a Weyl
    sequence), for the hot loops: its 32-bit multiplies vectorise, where splitmix64's do not on
    AVX2. Only the low 32 bits of ``key`` matter; use one ``mix_key`` per row."""
    x = (np.uint64(key) + np.uint64(counter) * _GOLDEN32) & _MASK32
    x = ((x ^ (x >> _S16)) * _W1) & _MASK32
    x = ((x ^ (x >> _S15)) * _W2) & _MASK32
    x = x ^ (x >> _S16)
    return np.int32(x >> np.uint64(1)) * _TWO_POW_M31  # 31 bits: int32 -> float vectorises


# ---- numpy twins (same bits) ---------------------------------------------------------------

def splitmix_np(x):
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + _GOLDEN
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        return z ^ (z >> _S31)


def mix_key_np(key, index):
    return splitmix_np(np.asarray(key, dtype=np.uint64) ^ splitmix_np(index))


def uniform_np(key, counter):
    with np.errstate(over="ignore"):
        bits = splitmix_np(np.asarray(key, dtype=np.uint64)
                           + np.asarray(counter, dtype=np.uint64) * _GOLDEN)
    return (bits >> _S11).astype(np.float64) * _TWO_POW_M53


def uniform32_np(key, counter):
    with np.errstate(over="ignore"):
        x = (np.asarray(key, dtype=np.uint64) + np.asarray(counter, dtype=np.uint64) * _GOLDEN32) & _MASK32
        x = ((x ^ (x >> _S16)) * _W1) & _MASK32
        x = ((x ^ (x >> _S15)) * _W2) & _MASK32
        x = x ^ (x >> _S16)
    return (x >> np.uint64(1)).astype(np.float64) * _TWO_POW_M31


def normal_np(key, counter):
    c = np.asarray(counter, dtype=np.uint64)
    with np.errstate(over="ignore"):
        u1 = uniform_np(key, np.uint64(2) * c)
        u2 = uniform_np(key, np.uint64(2) * c + np.uint64(1))
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(_TWO_PI * u2)


@njit(cache=True)
def _chain_keys(seed, indices):
    key = splitmix(seed)
    for index in indices:
        key = mix_key(key, index)
    return key


def stream_seed(seed: int, *indices: int) -> np.uint64:
    """A 64-bit key for one call of one kernel: (seed, call number, purpose) hashed together."""
    if not isinstance(seed, (int, np.integer)) or seed < 0 or seed >= 2 ** 64:
        raise ValueError(f"seed must be an integer in [0, 2^64), got {seed!r}")
    return np.uint64(_chain_keys(np.uint64(seed), np.array(indices, dtype=np.uint64)))
