"""Analog matrix-vector multiplication on a crossbar, fast closed-form path (numba + BLAS).

Reference: ``mvm_reference.mvm_reference``. Three parallel loops per call:
1. DAC: quantise each input vector (``quantize.dac_row``), one task per sample;
2. the products, one single-threaded BLAS sgemm per task (see ``threads.py``): the noiseless
   product DAC(x) . W with the effective weights (which already combine the differential pair /
   HIC columns with their shift-and-add coefficients, since that combination is linear) and, with
   read noise, q . var, the variance of the output noise (below). Tasks are (product, batch chunk,
   block of output columns): a 64-sample batch on a 512-output layer is 4 tasks of 64 x 256
   outputs, so that each thread packs only its share of each matrix (OpenBLAS copies the whole
   weight operand it is given before multiplying; with few samples per call that copy costs as
   much as the product) and every product covers the whole batch. The tasks depend on the shapes
   only, never on the thread count, so results do not either;
3. read noise in closed form: independent Gaussian noise on each device and each slice read sums to
   one Gaussian per output with variance sum_i q_i var_ij (q from the DAC, var_ij the weight's
   summed device variance, cached on the array and refreshed by every update and clock move).
   Exact for independent Gaussian noise, and it costs one extra product instead of one draw per
   device per read. Then the ADC on each output, and the digital input scale is re-applied.

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
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.linalg import ensure_blas, make_constant_slot

from hicsim.kernels.fast_normal import normal_row_into
from hicsim.kernels.quantize import dac_row
from hicsim.kernels.rng import mix_key

COL_BLOCK = 256  # outputs per product task (at most); blocks are equal to within one column


@intrinsic
def _sgemm(typingctx, trans_b, m, n, k, a, lda, b, ldb, c, ldc):
    """Row-major float32 C[m, n] = A[m, k] . B[k, n] (or . B^T if ``trans_b``, B stored [n, k])
    through numba's BLAS entry point (the sgemm of scipy's OpenBLAS that ``np.dot`` also calls).
    a, b, c: views starting at the block's first element; lda, ldb, ldc their row strides in
    elements. With whole matrices it makes exactly the call ``np.dot`` makes."""
    ensure_blas()
    sig = types.int32(trans_b, m, n, k, a, lda, b, ldb, c, ldc)

    def codegen(context, builder, signature, args):
        trans_b_v, m_v, n_v, k_v, a_v, lda_v, b_v, ldb_v, c_v, ldc_v = args
        ll_char = ir.IntType(8)
        intp_t = context.get_value_type(types.intp)
        voidp = cgutils.voidptr_t
        fnty = ir.FunctionType(ir.IntType(32), [ll_char, ll_char, ll_char, intp_t, intp_t, intp_t,
                                                voidp, voidp, intp_t, voidp, intp_t, voidp, voidp,
                                                intp_t])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "numba_xxgemm")

        def data(ty, val):
            return builder.bitcast(context.make_array(ty)(context, builder, val).data, voidp)

        def as_intp(ty, val):
            return context.cast(builder, val, ty, types.intp)

        alpha = make_constant_slot(context, builder, types.float32, 1.0)
        beta = make_constant_slot(context, builder, types.float32, 0.0)
        # column-major view: C^T[n, m] = op(B)^T[n, k] . A^T[k, m]
        trans_a_fortran = builder.select(context.cast(builder, trans_b_v, signature.args[0],
                                                      types.boolean),
                                         ir.Constant(ll_char, ord("t")), ir.Constant(ll_char, ord("n")))
        sa = signature.args
        return builder.call(fn, (ir.Constant(ll_char, ord("s")), trans_a_fortran,
                                 ir.Constant(ll_char, ord("n")), as_intp(sa[2], n_v),
                                 as_intp(sa[1], m_v), as_intp(sa[3], k_v),
                                 builder.bitcast(alpha, voidp), data(sa[6], b_v), as_intp(sa[7], ldb_v),
                                 data(sa[4], a_v), as_intp(sa[5], lda_v),
                                 builder.bitcast(beta, voidp), data(sa[8], c_v), as_intp(sa[9], ldc_v)))
    return sig, codegen


@njit(cache=True)
def col_blocks(outputs):
    return max(1, -(-outputs // COL_BLOCK))


@njit(cache=True)
def _product_block(src, matrix, transpose, b0, b1, j0, j1, dst):
    """dst[b0:b1, j0:j1] = src[b0:b1] . M[:, j0:j1], M = matrix or matrix.T (one sgemm)."""
    inputs = src.shape[1]
    outputs = dst.shape[1]
    if transpose:
        _sgemm(True, b1 - b0, j1 - j0, inputs, src[b0:], inputs, matrix[j0:], inputs,
               dst[b0:, j0:], outputs)
    else:
        _sgemm(False, b1 - b0, j1 - j0, inputs, src[b0:], inputs, matrix[:, j0:], outputs,
               dst[b0:, j0:], outputs)


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
    """out (batch, outputs) = ADC(DAC(x) . W + noise), W = weights or weights.T; ``chunks``: batch
    chunks of the products (one sgemm covers one chunk of samples and one block of outputs). The
    noise of output j of sample b is normal number j of stream mix_key(noise_key, b)."""
    batch, inputs = x.shape
    outputs = out.shape[1]
    xq = np.empty((batch, inputs), np.float32)
    q = np.empty((batch, inputs), np.float32)
    scale = np.empty(batch, np.float64)
    for r in prange(batch):
        scale[r] = dac_row(x[r], qmax, noise_weights, xq[r], q[r])
    y = np.empty((batch, outputs), np.float32)
    v = np.empty((batch, outputs), np.float32)  # (unconditional: numba's parallel loops ran
    # 2x slower with this allocation or the loops below under a branch)
    blocks = col_blocks(outputs)
    per_product = chunks * blocks
    for task in prange(2 * per_product):  # (a task count computed under a branch ran slower)
        product, rest = task % 2, task // 2  # interleaved: without noise, half the tasks are
        c = rest // blocks                   # empty and the threads still share the products
        blk = rest % blocks
        b0 = c * batch // chunks
        b1 = (c + 1) * batch // chunks
        j0 = blk * outputs // blocks
        j1 = (blk + 1) * outputs // blocks
        if product == 0:
            _product_block(xq, weights, transpose, b0, b1, j0, j1, y)
        elif noise_on:
            _product_block(q, variance, transpose, b0, b1, j0, j1, v)
    for r in prange(batch):
        z = np.empty(outputs, np.float64)
        if noise_on:
            normal_row_into(mix_key(noise_key, r), z, np.empty(outputs, np.float64))
        _finish_row(y[r], v[r], z, noise_on, full_scale, amax, scale[r] / qmax, out[r])
