"""im2col / col2im kernels (``hicsim.kernels.patches``) against their numpy references, bit for
bit, and col2im as im2col's adjoint."""

import numpy as np
import pytest

from hicsim.train.im2col import col2im, col2im_reference, im2col, im2col_reference

SHAPES = [((2, 3, 8, 8), 3, 1, 1), ((2, 4, 7, 5), 3, 2, 1), ((1, 2, 6, 6), 1, 2, 0),
          ((3, 1, 5, 9), 5, 1, 2), ((2, 2, 8, 8), 2, 2, 0), ((1, 3, 4, 4), 3, 3, 2)]


@pytest.mark.parametrize("shape,kernel,stride,padding", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_the_numpy_references_bit_for_bit(shape, kernel, stride, padding, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    patches = im2col(x, kernel, stride, padding)
    ref = im2col_reference(x, kernel, stride, padding)
    assert patches.dtype == ref.dtype and np.array_equal(patches, ref)
    # errors with many overlapping contributions per pixel, whose float sums depend on the order
    cols = rng.standard_normal(ref.shape).astype(dtype) * 10.0 ** rng.integers(-3, 4, ref.shape)
    out, out_ref = col2im(cols, shape, kernel, stride, padding), col2im_reference(
        cols, shape, kernel, stride, padding)
    assert out.shape == shape and out.dtype == out_ref.dtype
    assert np.array_equal(out, out_ref)
    # a cropped view of a padded batch made torch's next elementwise ops strided and 8x slower
    assert out.flags.c_contiguous


@pytest.mark.parametrize("shape,kernel,stride,padding", SHAPES)
def test_col2im_is_the_adjoint_of_im2col(shape, kernel, stride, padding):
    """<im2col(x), c> = <x, col2im(c)> (each patch entry is one pixel or padding)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    patches = im2col(x, kernel, stride, padding)
    c = rng.standard_normal(patches.shape)
    assert np.sum(patches * c) == pytest.approx(np.sum(x * col2im(c, shape, kernel, stride, padding)),
                                                rel=1e-12)


def test_a_hand_example():
    """One 3x3 image, a 2x2 kernel, stride 1, padding 0: four patches."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    assert im2col(x, 2, 1, 0).tolist() == [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    back = col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 1, 0)
    assert back[0, 0].tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
