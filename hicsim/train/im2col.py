"""im2col / col2im: a convolution as one matrix product, so it runs on the crossbar's MVM.

Column order is (channel, kernel row, kernel column), matching a weight matrix of shape
(in_channels * k * k, out_channels); patch rows are ordered (image, output row, output column).
``im2col`` and ``col2im`` run the numba kernels of ``hicsim.kernels.patches``; the ``*_reference``
functions are their numpy references (the same numbers, bit for bit).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hicsim.kernels.patches import col2im_kernel, im2col_kernel


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    """(N, C, H, W) -> (N * Ho * Wo, C * kernel * kernel)."""
    n, c, h, w = x.shape
    ho, wo = output_size(h, kernel, stride, padding), output_size(w, kernel, stride, padding)
    out = np.empty((n * ho * wo, c * kernel * kernel), x.dtype)
    im2col_kernel(np.ascontiguousarray(x), kernel, stride, padding, out)
    return out


def col2im(cols: np.ndarray, shape: tuple, kernel: int, stride: int, padding: int) -> np.ndarray:
    """The adjoint of ``im2col``: sums every patch entry back onto its pixel; (N, C, H, W),
    C-contiguous: a cropped view of the padded sums made torch's next elementwise ops (a
    converted network's ReLU backward, residual additions) run strided, ReLU's backward 8x slower
    (ResNet-32 at batch 32: 68 -> 8 us a call for one copy of 10-20 us)."""
    n, c, h, w = shape
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), cols.dtype)
    col2im_kernel(np.ascontiguousarray(cols), kernel, stride, padding, padded)
    if padding == 0:
        return padded
    return np.ascontiguousarray(padded[:, :, padding:padding + h, padding:padding + w])


def im2col_reference(x: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    n, c = x.shape[:2]
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(padded, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    ho, wo = windows.shape[2:4]
    return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(n * ho * wo, -1)


def col2im_reference(cols: np.ndarray, shape: tuple, kernel: int, stride: int,
                     padding: int) -> np.ndarray:
    n, c, h, w = shape
    ho, wo = output_size(h, kernel, stride, padding), output_size(w, kernel, stride, padding)
    patches = cols.reshape(n, ho, wo, c, kernel, kernel)
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), cols.dtype)
    for ki in range(kernel):
        for kj in range(kernel):
            padded[:, :, ki:ki + stride * ho:stride, kj:kj + stride * wo:stride] += \
                patches[:, :, :, :, ki, kj].transpose(0, 3, 1, 2)
    return padded[:, :, padding:padding + h, padding:padding + w]
