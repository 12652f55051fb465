"""Operand statistics of a weighted layer's input over a sample batch, quantised the way the DACs
see it: the energy of an analog read depends on the data, because a bit-serial DAC skips the
conversion, and the crossbar the read, of every zero input bit.

Quantisation: the full scale is the largest magnitude in the batch; inputs with any negative
value are sign-magnitude (one sign bit, ``input_bits - 1`` magnitude bits), otherwise unsigned
(``input_bits`` magnitude bits). The histogram counts magnitude codes ``0 .. 2**m - 1``. The
statistics cover the layer's input tensor as produced (a convolution's zero padding is not in it).

The statistics land in each weighted layer's ``stats`` field (``hicsim.workload.operand_stats``).
"""

from __future__ import annotations

import numpy as np

from hicsim.workload.operand_stats import OperandStats


def operand_stats(values: np.ndarray, input_bits: int, weights=None) -> OperandStats:
    """Statistics of ``values`` (every input element of a layer over the sample batch), and of
    the layer's ``weights`` when given (``weight_fraction``)."""
    x = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    signed = bool(np.any(np.asarray(values) < 0))
    bits = max(1, input_bits - 1) if signed else input_bits
    top = 2 ** bits - 1
    scale = float(x.max()) if x.size else 0.0
    codes = np.rint(x / scale * top).astype(np.int64) if scale > 0 else np.zeros(x.size, np.int64)
    histogram = np.bincount(codes, minlength=top + 1)
    density = float(np.count_nonzero(codes) / codes.size) if codes.size else 0.0
    return OperandStats(input_bits=input_bits, signed=signed, scale=scale, input_density=density,
                        histogram=histogram.tolist(),
                        weight_fraction=None if weights is None else weight_fraction(weights))


def weight_fraction(weights: np.ndarray) -> float:
    """Mean |w| / max |w|: the mean share of the conductance range a device holding a weight's
    magnitude sits at, when the largest weight maps to the top of the range (0 for all-zero
    weights, which leave every device at the low state)."""
    w = np.abs(np.asarray(weights, dtype=np.float64)).ravel()
    top = float(w.max()) if w.size else 0.0
    return float(w.mean() / top) if top > 0 else 0.0
