"""im2col / col2im as numba kernels: a convolution's patches for the crossbar's MVM, and the sum of
patch errors back onto the pixels. References: ``hicsim.train.im2col`` (numpy; the tests compare
them bit for bit).

Both walk the patch matrix row by row (one output pixel: its channels, kernel rows and kernel
columns are one contiguous row) against one image at a time held in a zero-padded copy that fits
in the L1 cache, so no element needs a padding test. A patch row is ``kernel``-long runs of
contiguous pixels; runs of 3 (the usual 3 x 3 kernel) are written out by hand: a loop of unknown
trip count 3 cost as much as all the memory traffic (ResNet-32's first stage at batch
32: im2col 570 -> 190 us, col2im 440 -> 110 us on one core).

``col2im_kernel`` must add a pixel's patch entries in the reference's order (kernel row, then
kernel column, from zero) to give its float sums to the bit. The entry of kernel position (ki, kj)
reaches padded pixel (oi stride + ki, oj stride + kj): for a fixed pixel, ki grows as oi falls,
so walking the output pixels backwards (oi, then oj, descending) adds each pixel's entries in
ascending (ki, kj), whatever the stride.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _padded_image(x, b, padding, xp):
    """xp (C, H + 2 padding, W + 2 padding), zeros at the border = image b of x."""
    _, c, h, w = x.shape
    for ch in range(c):
        for i in range(h):
            for j in range(w):
                xp[ch, i + padding, j + padding] = x[b, ch, i, j]


@njit(cache=True)
def im2col_kernel(x, kernel, stride, padding, out):
    """out (N * Ho * Wo, C * kernel^2) = the patches of x (N, C, H, W): rows (image, output row,
    output column), columns (channel, kernel row, kernel column), zeros where a patch reaches into
    the padding. Every element of out is written."""
    n, c, h, w = x.shape
    xp = np.zeros((c, h + 2 * padding, w + 2 * padding), x.dtype)
    ho = (xp.shape[1] - kernel) // stride + 1
    wo = (xp.shape[2] - kernel) // stride + 1
    kk = kernel * kernel
    for b in range(n):
        _padded_image(x, b, padding, xp)
        for oi in range(ho):
            for oj in range(wo):
                row = (b * ho + oi) * wo + oj
                j0 = oj * stride
                for ch in range(c):
                    for ki in range(kernel):
                        i = oi * stride + ki
                        col = ch * kk + ki * kernel
                        if kernel == 3:
                            out[row, col] = xp[ch, i, j0]
                            out[row, col + 1] = xp[ch, i, j0 + 1]
                            out[row, col + 2] = xp[ch, i, j0 + 2]
                        else:
                            for kj in range(kernel):
                                out[row, col + kj] = xp[ch, i, j0 + kj]


@njit(cache=True)
def col2im_kernel(cols, kernel, stride, padding, padded):
    """padded (N, C, H + 2 padding, W + 2 padding), zeros on entry, += every patch entry of cols
    (``im2col_kernel``'s layout); each pixel's entries in ascending (kernel row, kernel column)."""
    n, c, hp, wp = padded.shape
    ho = (hp - kernel) // stride + 1
    wo = (wp - kernel) // stride + 1
    kk = kernel * kernel
    for b in range(n):
        for oi in range(ho - 1, -1, -1):
            for oj in range(wo - 1, -1, -1):
                row = (b * ho + oi) * wo + oj
                j0 = oj * stride
                for ch in range(c):
                    for ki in range(kernel):
                        i = oi * stride + ki
                        col = ch * kk + ki * kernel
                        if kernel == 3:
                            padded[b, ch, i, j0] += cols[row, col]
                            padded[b, ch, i, j0 + 1] += cols[row, col + 1]
                            padded[b, ch, i, j0 + 2] += cols[row, col + 2]
                        else:
                            for kj in range(kernel):
                                padded[b, ch, i, j0 + kj] += cols[row, col + kj]
