"""Analog matrix-vector multiplication on a crossbar, fast closed-form path (numba + BLAS).

Reference: ``mvm_reference.mvm_reference``. Per batch chunk (one chunk per numba thread):
1. DAC: quantise each input vector (``quantize.dac_row``);
2. products with the effective weights, one ``np.dot`` (single-threaded BLAS, see ``threads.py``);
   the effective weights already combine the differential pair / HIC columns with their
   shift-and-add coefficients, since that combination is linear;
3. read noise in closed form: independent Gaussian noise on each device and each slice read sums to
   one Gaussian per output with variance sum_i q_i var_ij (q from the DAC, var_ij the weight's
   summed device variance): a second ``np.dot``. Exact for independent Gaussian noise, and it
   costs one extra product instead of one draw per device per read;
4. ADC on each output, then the digital input scale is re-applied.

The output noise draws are counter-based (``fast_normal.normal_row``: a quantile function, no
Box-Muller) and made inside each chunk, so they cost little and do not depend on the thread count.

The ADC here converts the shift-and-added output of each weight column. Converting every physical
column and every input slice separately is nonlinear in the column currents and needs
``mvm_columns.py`` (the per-element path).
Transposed products (delta . W^T) pass ``transpose=True``: the same weights read from the other side.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hicsim.kernels.fast_normal import normal_row
from hicsim.kernels.quantize import dac_row
from hicsim.kernels.rng import mix_key


@njit(cache=True)
def _chunk_product(xq, matrix, transpose):
    if transpose:
        return np.dot(xq, matrix.T)
    return np.dot(xq, matrix)


@njit(cache=True)
def _finish_row(y_row, v_row, z_row, noise_on, full_scale, amax, out_scale, out_row):
    """Add the output noise, convert with the ADC, re-apply the input scale. Branches are hoisted
    out of the loops so that each loop vectorises."""
    if noise_on:
        for j in range(y_row.shape[0]):
            out_row[j] = y_row[j] + math.sqrt(max(float(v_row[j]), 0.0)) * z_row[j]
    else:
        for j in range(y_row.shape[0]):
            out_row[j] = y_row[j]
    if amax > 0:
        to_code = amax / full_scale
        from_code = full_scale / amax * out_scale
        for j in range(y_row.shape[0]):
            code = min(max(np.floor(out_row[j] * to_code + 0.5), -amax), amax)
            out_row[j] = code * from_code
    else:
        for j in range(y_row.shape[0]):
            out_row[j] = out_row[j] * out_scale


@njit(cache=True, parallel=True)
def mvm_kernel(x, weights, variance, transpose, qmax, noise_weights, full_scale, amax,
               noise_on, noise_key, chunks, out):
    """out (batch, outputs) = ADC(DAC(x) . W + noise), W = weights or weights.T. The noise of
    output j of sample b is normal number j of stream mix_key(noise_key, b)."""
    batch, inputs = x.shape
    for c in prange(chunks):
        b0 = c * batch // chunks
        b1 = (c + 1) * batch // chunks
        rows = b1 - b0
        if rows == 0:
            continue
        xq = np.empty((rows, inputs), np.float32)
        q = np.empty((rows, inputs), np.float32)
        scale = np.empty(rows, np.float64)
        for r in range(rows):
            scale[r] = dac_row(x[b0 + r], qmax, noise_weights, xq[r], q[r])
        y = _chunk_product(xq, weights, transpose)
        v = _chunk_product(q, variance, transpose) if noise_on else y
        z = np.empty(y.shape[1], np.float64)
        for r in range(rows):
            if noise_on:
                normal_row(mix_key(noise_key, b0 + r), z)
            _finish_row(y[r], v[r], z, noise_on, full_scale, amax, scale[r] / qmax, out[b0 + r])
