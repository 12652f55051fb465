"""im2col / col2im as numba kernels: a convolution's patches for the crossbar's MVM, and the sum of
patch errors back onto the pixels. References: ``hicsim.train.im2col`` (numpy; the tests compare
them bit for bit).

numpy's im2col (pad, a strided window view, a transposing copy) and col2im (one strided add per
kernel position) cost 1-1.5 ms per call on ResNet-32's first stage at batch 32, more than the
layer's noisy MVM; these loops write each element once. ``col2im_kernel`` adds a pixel's patch
entries in the reference's order (kernel row, then kernel column, from zero), so its float sums
are the reference's to the bit.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def im2col_kernel(x, kernel, stride, padding, out):
    """out (N * Ho * Wo, C * kernel^2) = the patches of x (N, C, H, W): rows (image, output row,
    output column), columns (channel, kernel row, kernel column), zeros where a patch reaches into
    the padding. Every element of out is written."""
    n, c, h, w = x.shape
    ho = (h + 2 * padding - kernel) // stride + 1
    wo = (w + 2 * padding - kernel) // stride + 1
    kk = kernel * kernel
    for b in range(n):
        for oi in range(ho):
            for oj in range(wo):
                row = (b * ho + oi) * wo + oj
                for ch in range(c):
                    for ki in range(kernel):
                        i = oi * stride + ki - padding
                        inside_row = 0 <= i < h
                        for kj in range(kernel):
                            j = oj * stride + kj - padding
                            col = ch * kk + ki * kernel + kj
                            if inside_row and 0 <= j < w:
                                out[row, col] = x[b, ch, i, j]
                            else:
                                out[row, col] = 0.0


@njit(cache=True)
def col2im_kernel(cols, kernel, stride, padding, padded):
    """padded (N, C, H + 2 padding, W + 2 padding), zeros on entry, += every patch entry of cols
    (``im2col_kernel``'s layout), kernel row by kernel row, then kernel column by kernel column."""
    n, c, hp, wp = padded.shape
    ho = (hp - kernel) // stride + 1
    wo = (wp - kernel) // stride + 1
    kk = kernel * kernel
    for ki in range(kernel):
        for kj in range(kernel):
            for b in range(n):
                for ch in range(c):
                    col = ch * kk + ki * kernel + kj
                    for oi in range(ho):
                        row0 = (b * ho + oi) * wo
                        i = oi * stride + ki
                        for oj in range(wo):
                            padded[b, ch, i, oj * stride + kj] += cols[row0 + oj, col]
