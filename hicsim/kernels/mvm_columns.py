"""Analog MVM, per-column path (numba): every physical column and every input slice is read and
converted by the ADC on its own, then shift-and-added digitally.

Used where the closed-form path (``mvm.py``) cannot express the physics: an ADC (and its clipping)
on each device column and each bit-serial slice is nonlinear in the column currents. Read noise is
drawn per device, once per MVM (normal number i * outputs + j of stream mix_key(sample key, d)),
and every slice of the MVM reads that same draw: 1/f noise is correlated over the MVM
(``quantize.py``). It is about slices x devices-per-weight times slower than the closed form.
Reference: ``mvm_reference.mvm_columns_reference``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hicsim.kernels.quantize import adc_convert, slice_digit
from hicsim.kernels.rng import mix_key, normal


@njit(cache=True, parallel=True)
def mvm_columns_kernel(xq, g, sigma, coef, offset, dac_bits, slices, column_full_scale, amax,
                       noise_on, noise_key, out):
    """xq (batch, inputs): signed integer inputs from the DAC; g, sigma (devices, inputs, outputs):
    drifted conductances and read-noise sigmas; coef (devices,): shift-and-add weight of each device
    column; column_full_scale (devices,): each column ADC's full scale (siemens x digit).
    Writes out (batch, outputs) in units of weight x input integer. The noise of device d of
    weight (i, j) is redrawn from its counter for every slice: the same number each time."""
    batch, inputs = xq.shape
    devices, _, outputs = g.shape
    for b in prange(batch):
        key_b = mix_key(noise_key, b)
        acc = np.zeros(outputs, np.float64)
        current = np.empty(outputs, np.float64)
        for s in range(slices):
            for d in range(devices):
                key = mix_key(key_b, d)
                current[:] = 0.0
                for i in range(inputs):
                    v = xq[b, i]
                    digit = float(slice_digit(int(abs(v)), s, dac_bits))
                    if digit == 0.0:
                        continue
                    if v < 0:
                        digit = -digit
                    for j in range(outputs):
                        if noise_on:
                            current[j] += digit * (g[d, i, j] + sigma[d, i, j] * normal(key, i * outputs + j))
                        else:
                            current[j] += digit * g[d, i, j]
                weight = coef[d] * float(1 << (s * dac_bits))
                for j in range(outputs):
                    acc[j] += weight * adc_convert(current[j], column_full_scale[d], amax)
        total = 0.0
        for i in range(inputs):
            total += xq[b, i]
        for j in range(outputs):
            out[b, j] = acc[j] - offset * total
