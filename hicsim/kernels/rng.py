"""Counter-based random numbers: every draw is a pure function of (key, counter).

A kernel derives a key per row / per weight from the caller's seed with ``mix_key`` and numbers its
draws, so a given seed gives the same numbers whichever thread handles which row: results do not
depend on the numba thread count. The hash is splitmix64's finaliser (Steele et al. 2014), which
passes BigCrush when fed a counter; normals are the normal quantile (``normal_quantile.py``) of one
53-bit uniform, 2-3x cheaper than Box-Muller here, which matters where programming draws
several normals per pulse.

Each function has a numpy twin (``*_np``) computing the same bits on arrays, used by the references
and by the tests that compare kernels with them exactly.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from hicsim.kernels.normal_quantile import quantile, quantile_np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_POW_M53 = 1.0 / 9007199254740992.0
_HALF_STEP53 = 0.5 * _TWO_POW_M53


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
    """Standard normal number ``counter`` of stream ``key``: the quantile of uniform(key, counter)
    moved half a step off 0 (so |z| < 8.3)."""
    return quantile(uniform(key, counter) + _HALF_STEP53)


_MASK32 = np.uint64(0xFFFFFFFF)
_W1, _W2, _GOLDEN32 = np.uint64(0x7FEB352D), np.uint64(0x846CA68B), np.uint64(0x9E3779B9)
_S16, _S15 = np.uint64(16), np.uint64(15)
_TWO_POW_M31 = 1.0 / 2147483648.0


@intrinsic
def _lowbias32_bits(typingctx, key, counter):
    """The top 31 bits of Wellons' lowbias32 hash of the Weyl sequence key + counter x golden, all
    mod 2^32, as an int32. Written in 32-bit LLVM operations: numba would compute them in 64 bits
    (its integer rules), which AVX2 vectorises 4 lanes wide instead of 8."""
    sig = types.int32(key, counter)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        k = builder.trunc(args[0], i32)
        c = builder.trunc(args[1], i32)
        x = builder.add(k, builder.mul(c, ir.Constant(i32, 0x9E3779B9)))
        x = builder.mul(builder.xor(x, builder.lshr(x, ir.Constant(i32, 16))), ir.Constant(i32, 0x7FEB352D))
        x = builder.mul(builder.xor(x, builder.lshr(x, ir.Constant(i32, 15))), ir.Constant(i32, 0x846CA68B))
        x = builder.xor(x, builder.lshr(x, ir.Constant(i32, 16)))
        return builder.lshr(x, ir.Constant(i32, 1))
    return sig, codegen


@njit(cache=True)
def uniform32(key, counter):
    """A cheaper uniform in [0, 1) with 31 random bits (Wellons' lowbias32 hash of a Weyl
    sequence), for the hot loops: its 32-bit multiplies vectorise 8 lanes wide on AVX2, where
    splitmix64's do not vectorise. Only the low 32 bits of ``key`` matter; use one ``mix_key``
    per row. ``key`` and ``counter``: integers (unsigned 64-bit or machine ints)."""
    return _lowbias32_bits(np.uint64(key), np.uint64(counter)) * _TWO_POW_M31


_TWO_POW_M24 = np.float32(1.0 / 16777216.0)


@njit(cache=True)
def uniform24(key, counter):
    """float32 uniform in [0, 1) with 24 random bits (the top 24 of ``uniform32``'s): for float32
    loops, which AVX2 runs 8 lanes wide (float64 ones: 4). 24 bits so that it never rounds to
    1.0 in float32."""
    return np.float32(_lowbias32_bits(np.uint64(key), np.uint64(counter)) >> 7) * _TWO_POW_M24


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


def uniform24_np(key, counter):
    return np.floor(uniform32_np(key, counter) * 16777216.0).astype(np.float32) * _TWO_POW_M24


def normal_np(key, counter):
    return quantile_np(uniform_np(key, counter) + _HALF_STEP53)


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
