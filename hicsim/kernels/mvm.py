"""Analog matrix-vector multiplication on a crossbar, fast closed-form path (numba + BLAS).

Reference: ``mvm_reference.mvm_reference``. Two parallel loops per call:
1. DAC: quantise each input vector (``quantize.dac_row``), one task per sample; this pass also
   finds inputs that are not finite (the caller raises), so they cost no pass of their own;
2. one task per (batch chunk, block of output columns), which makes, with single-threaded BLAS
   sgemms (``blas.py``, ``threads.py``), the noiseless product DAC(x) . W with the effective
   weights (which already combine the differential pair / HIC columns with their shift-and-add
   coefficients, since that combination is linear) and, with read noise, q . var, the variance of
   the output noise (below); then adds the noise, converts with the ADC and re-applies the
   digital input scale for its block while the block is in cache. A 64-sample batch on a
   512-output layer is 4 tasks of 64 x 128 outputs: each thread packs only its share of each
   matrix (OpenBLAS copies the whole weight operand it is given before multiplying; with few
   samples per call that copy costs as much as the product), and every product covers the whole
   batch. The tasks depend on the shapes only, never on the thread count, so results do not either.

Read noise in closed form: one Gaussian 1/f draw per device per MVM, shared by all the MVM's
input slices (``quantize.py``), sums to one Gaussian per output with variance sum_i q_i var_ij
(q_i = xq_i^2 from the DAC, var_ij the weight's summed device variance over the MVM's read window,
cached on the array and refreshed by every update and clock move). Exact for Gaussian device
noise, and it costs one extra product instead of one draw per device per MVM. The two products bound the noisy MVM to half the throughput of one float32 matmul.

The output noise draws are counter-based (``fast_normal.normal_row_into``: a quantile function, no
Box-Muller), one stream per sample, so they cost little and do not depend on the thread count.

The ADC here converts the shift-and-added output of each weight column. Converting every physical
column and every input slice separately is nonlinear in the column currents and needs
``mvm_columns.py`` (the per-element path).
Transposed products (delta . W^T) pass ``transpose=True``: the same weights read from the other side.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hicsim.kernels.blas import sgemm
from hicsim.kernels.fast_normal import normal_row_into, tail_scratch_jit
from hicsim.kernels.quantize import dac_row
from hicsim.kernels.rng import mix_key
from hicsim.kernels.serial_twin import TwinKernel

COL_BLOCK = 128  # outputs per task (at most); blocks are equal to within one column


@njit(cache=True)
def col_blocks(outputs):
    return max(1, -(-outputs // COL_BLOCK))


@njit(cache=True)
def _product_block(src, matrix, transpose, b0, b1, j0, j1, dst):
    """dst (b1 - b0, j1 - j0) = src[b0:b1] . M[:, j0:j1], M = matrix or matrix.T (one sgemm)."""
    inputs = src.shape[1]
    if transpose:
        sgemm(False, True, b1 - b0, j1 - j0, inputs, src[b0:], inputs, matrix[j0:], inputs,
              dst, j1 - j0)
    else:
        sgemm(False, False, b1 - b0, j1 - j0, inputs, src[b0:], inputs, matrix[:, j0:],
              matrix.shape[1], dst, j1 - j0)


@njit(cache=True)
def _finish_row(y_row, v_row, z_row, noise_on, full_scale, amax, out_scale, out_row):
    """Add the output noise, convert with the ADC, re-apply the input scale, in one pass per
    element (the noisy sum stays in a float64 register: two passes through a float64 row cost
    0.2 ns more per output). ``out_row`` may be float32: it then holds the float64 result rounded
    once, as ``astype`` would round it. Branches are hoisted out of the loops so that each loop
    vectorises."""
    n = y_row.shape[0]
    if amax > 0:
        to_code = amax / full_scale
        from_code = full_scale / amax * out_scale
        if noise_on:
            for j in range(n):
                z = y_row[j] + math.sqrt(max(float(v_row[j]), 0.0)) * z_row[j]
                out_row[j] = _adc(z, to_code, amax) * from_code
        else:
            for j in range(n):
                out_row[j] = _adc(float(y_row[j]), to_code, amax) * from_code
    elif noise_on:
        for j in range(n):
            out_row[j] = (y_row[j] + math.sqrt(max(float(v_row[j]), 0.0)) * z_row[j]) * out_scale
    else:
        for j in range(n):
            out_row[j] = float(y_row[j]) * out_scale


@njit(cache=True)
def _adc(z, to_code, amax):
    """The ADC's code of z (half-up rounding, clipped at +-amax), as a float."""
    return min(max(np.floor(z * to_code + 0.5), -amax), amax)


@njit(cache=True, parallel=True)
def mvm_kernel(x, weights, variance, transpose, qmax, full_scale, amax, noise_on, noise_key,
               chunks, out):
    """out (batch, outputs), float64 or float32 = ADC(DAC(x) . W + noise), W = weights or
    weights.T; ``chunks``: batch chunks of the products. The noise of output j of sample b is
    normal number j of stream mix_key(noise_key, b). Returns False if x holds a NaN or an
    infinity (out is then garbage)."""
    batch, inputs = x.shape
    outputs = out.shape[1]
    xq = np.empty((batch, inputs), np.float32)
    q = np.empty((batch, inputs), np.float32)
    scale = np.empty(batch, np.float64)
    for r in prange(batch):
        scale[r] = dac_row(x[r], qmax, xq[r], q[r])
    blocks = col_blocks(outputs)
    for task in prange(chunks * blocks):
        c = task // blocks
        blk = task % blocks
        b0 = c * batch // chunks
        b1 = (c + 1) * batch // chunks
        j0 = blk * outputs // blocks
        j1 = (blk + 1) * outputs // blocks
        y = np.empty((b1 - b0, j1 - j0), np.float32)
        v = np.empty((b1 - b0, j1 - j0), np.float32)
        z = np.empty(j1 - j0, np.float64)
        scratch = np.empty(j1 - j0, np.float64)
        flags, words = tail_scratch_jit(j1 - j0)
        _product_block(xq, weights, transpose, b0, b1, j0, j1, y)
        if noise_on:
            _product_block(q, variance, transpose, b0, b1, j0, j1, v)
        for r in range(b0, b1):
            if noise_on:
                normal_row_into(mix_key(noise_key, r), j0, z, scratch, flags, words)
            _finish_row(y[r - b0], v[r - b0], z, noise_on, full_scale, amax, scale[r] / qmax,
                        out[r, j0:j1])
    finite = True
    for r in range(batch):
        finite &= math.isfinite(scale[r])
    return finite


# Calls of fewer multiply-adds (both products counted) run serially (``serial_twin.py``): at 20
# GMAC/s 16 M take 0.8 ms, some ten times the cost of starting the call's two parallel regions
# on an idle machine; on a loaded one a region waits milliseconds for a core, and ResNet-32's
# 9.4 M-multiply-add layers on 2 threads ran 0.2-33x as fast as serially from one call to the next
# (``bench/bench_small_calls.py``). 512 x 512 at batch 64 (bench_kernels) stays parallel.
MVM = TwinKernel(mvm_kernel, min_parallel_work=16e6)
