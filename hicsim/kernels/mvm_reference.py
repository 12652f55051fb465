"""Numpy references of the MVM kernels: short, loop-over-what-the-hardware-loops-over versions.

Same DAC / ADC conventions as ``quantize.py`` and the same counter-based draws (``rng.*_np``), so
the kernels must agree with them to rounding.
"""

from __future__ import annotations

import numpy as np

from hicsim.kernels.fast_normal import normal_row_np
from hicsim.kernels.rng import mix_key_np, normal_np


def dac_reference(x, qmax):
    """(integer inputs, their read-noise weights xq^2, digital scales)."""
    x = np.asarray(x, dtype=np.float64)
    scale = np.abs(x).max(axis=1)
    scale = np.where(scale == 0.0, 1.0, scale)
    xq = np.floor(x * (qmax / scale)[:, None] + 0.5)
    return xq, xq * xq, scale


def adc_reference(value, full_scale, amax):
    if amax <= 0:
        return value
    code = np.clip(np.floor(value * (amax / full_scale) + 0.5), -amax, amax)
    return code * (full_scale / amax)


def mvm_reference(x, weights, variance, transpose, qmax, full_scale, amax, noise_on, noise_key):
    w = np.asarray(weights, np.float64)
    var = np.asarray(variance, np.float64)
    if transpose:
        w, var = w.T, var.T
    xq, q, scale = dac_reference(x, qmax)
    y = xq @ w
    if noise_on:
        z = np.stack([normal_row_np(mix_key_np(noise_key, np.uint64(b)), y.shape[1])
                      for b in range(y.shape[0])])
        y = y + np.sqrt(q @ var) * z
    return adc_reference(y, full_scale, amax) * scale[:, None] / qmax


def mvm_columns_reference(xq, g, sigma, coef, offset, dac_bits, slices, column_full_scale, amax,
                          noise_on, noise_key):
    xq = np.asarray(xq, np.float64)
    batch, inputs = xq.shape
    devices, _, outputs = g.shape
    out = np.zeros((batch, outputs))
    mag = np.abs(xq).astype(np.int64)
    for b in range(batch):
        key_b = mix_key_np(noise_key, np.uint64(b))
        for s in range(slices):
            digits = np.sign(xq[b]) * ((mag[b] >> (s * dac_bits)) & ((1 << dac_bits) - 1))
            for d in range(devices):
                gd = g[d].astype(np.float64)
                if noise_on:  # one draw per device per MVM, the same for every slice
                    key = mix_key_np(key_b, np.uint64(d))
                    counters = np.arange(inputs * outputs, dtype=np.uint64).reshape(inputs, outputs)
                    gd = gd + sigma[d].astype(np.float64) * normal_np(key, counters)
                current = digits @ gd
                out[b] += coef[d] * 2.0 ** (s * dac_bits) * adc_reference(current, column_full_scale[d], amax)
    return out - offset * xq.sum(axis=1, keepdims=True)
