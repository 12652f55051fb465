"""The in-kernel sgemm on sub-blocks, transposed or not, against numpy."""

import numpy as np
import pytest
from numba import njit

from hicsim.kernels import blas


def _block_product(trans_a, trans_b, a, b, r0, c0, m, n, k):
    """C = op(A) . op(B) for the block of op(A) starting at row r0 and of op(B) at column c0."""
    c = np.empty((m, n), np.float32)
    a_view = a[:, r0:] if trans_a else a[r0:]
    b_view = b[c0:] if trans_b else b[:, c0:]
    blas.sgemm(trans_a, trans_b, m, n, k, a_view, a.shape[1], b_view, b.shape[1], c, n)
    return c


@pytest.mark.parametrize("cblas", [True, False])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_sgemm_blocks_match_numpy(trans_a, trans_b, cblas, monkeypatch):
    """Both entry points: the CBLAS found in the process, and numba's own (the fallback)."""
    if cblas and not blas.INT_BITS:
        pytest.skip("no CBLAS sgemm in this process's BLAS libraries")
    if not cblas:
        monkeypatch.setattr(blas, "INT_BITS", 0)  # read when the function below is compiled
    product = njit(_block_product)  # a fresh compilation per case
    rng = np.random.default_rng(0)
    m, n, k, r0, c0 = 5, 7, 11, 3, 2
    a = rng.standard_normal((k, m + r0 + 4) if trans_a else (m + r0 + 4, k)).astype(np.float32)
    b = rng.standard_normal((n + c0 + 3, k) if trans_b else (k, n + c0 + 3)).astype(np.float32)
    op_a = a.T[r0:r0 + m] if trans_a else a[r0:r0 + m]
    op_b = b[c0:c0 + n].T if trans_b else b[:, c0:c0 + n]
    expected = op_a.astype(np.float64) @ op_b.astype(np.float64)
    got = product(trans_a, trans_b, a, b, r0, c0, m, n, k)
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_sgemm_uses_a_cblas_when_there_is_one():
    # numpy's wheels bundle OpenBLAS with a CBLAS interface; the fallback is numba's entry point
    assert blas.INT_BITS in (0, 32, 64)
    assert (blas.INT_BITS == 0) == (blas.LIBRARY == "")
