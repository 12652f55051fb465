"""A BLAS sgemm callable from numba on sub-blocks of row-major arrays, transposed or not.

numba's ``np.dot`` only multiplies whole contiguous arrays (it copies anything else) and calls the
sgemm of scipy's bundled OpenBLAS. ``sgemm`` here multiplies blocks in place, transposed in place
where asked (numpy's transposing copy of a 64 x 512 batch took ~90 us, a quarter of an update's
budget), and calls the CBLAS sgemm of numpy's own OpenBLAS when it can find it: at 512 x 512,
batch 64, one thread, that library ran 34 GMAC/s against 25 for scipy's (OpenBLAS 0.3.31 against
0.3.30 in the wheels measured). Otherwise it falls back to numba's entry point. ``threads.py``
limits every BLAS library of the process, so either one runs single-threaded inside the kernels.
"""

from __future__ import annotations

import ctypes

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.linalg import ensure_blas, make_constant_slot
from threadpoolctl import ThreadpoolController

_SYMBOL = "hicsim_cblas_sgemm"  # the name the kernels link against
# CBLAS sgemm entry points and the width of their integers (ILP64 builds take 64-bit ones)
_CANDIDATES = (("scipy_cblas_sgemm64_", 64), ("cblas_sgemm64_", 64), ("scipy_cblas_sgemm", 32),
               ("cblas_sgemm", 32))
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS enum values


def _register_cblas() -> tuple[int, str]:
    """Find a CBLAS sgemm in the process's BLAS libraries (numpy's first), register it for the JIT
    as ``_SYMBOL``; returns (integer width, library path), or (0, "") if there is none."""
    libs = ThreadpoolController().select(user_api="blas").lib_controllers
    libs = sorted(libs, key=lambda lib: "numpy" not in lib.filepath)
    for lib in libs:
        handle = ctypes.CDLL(lib.filepath)
        for name, bits in _CANDIDATES:
            fn = getattr(handle, name, None)
            if fn is not None:
                binding.add_symbol(_SYMBOL, ctypes.cast(fn, ctypes.c_void_p).value)
                return bits, lib.filepath
    return 0, ""


import scipy.linalg.cython_blas  # noqa: E402,F401  (numba's fallback BLAS: load it before looking)

INT_BITS, LIBRARY = _register_cblas()


@intrinsic
def sgemm(typingctx, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc):
    """Row-major float32 C[m, n] = op(A) . op(B), op(A) = A [m, k] or A^T (A stored [k, m]),
    op(B) = B [k, n] or B^T (B stored [n, k]). a, b, c: views starting at the block's first
    element; lda, ldb, ldc: their row strides in elements."""
    if not INT_BITS:
        ensure_blas()
    sig = types.void(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)

    def codegen(context, builder, signature, args):
        trans_a_v, trans_b_v, m_v, n_v, k_v, a_v, lda_v, b_v, ldb_v, c_v, ldc_v = args
        sa = signature.args
        voidp = cgutils.voidptr_t
        alpha = builder.bitcast(make_constant_slot(context, builder, types.float32, 1.0), voidp)
        beta = builder.bitcast(make_constant_slot(context, builder, types.float32, 0.0), voidp)

        def data(ty, val):
            return builder.bitcast(context.make_array(ty)(context, builder, val).data, voidp)

        def whole(ty, val, llty):
            return builder.trunc(context.cast(builder, val, ty, types.int64), llty) \
                if llty.width < 64 else context.cast(builder, val, ty, types.int64)

        def flag(ty, val, yes, no, llty):
            return builder.select(context.cast(builder, val, ty, types.boolean),
                                  ir.Constant(llty, yes), ir.Constant(llty, no))

        if INT_BITS:  # CBLAS, row-major as it is
            i32, blasint = ir.IntType(32), ir.IntType(INT_BITS)
            fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, blasint, blasint, blasint, ir.FloatType(),
                                                   voidp, blasint, voidp, blasint, ir.FloatType(),
                                                   voidp, blasint])
            fn = cgutils.get_or_insert_function(builder.module, fnty, _SYMBOL)
            builder.call(fn, (ir.Constant(i32, _ROW_MAJOR),
                              flag(sa[0], trans_a_v, _TRANS, _NO_TRANS, i32),
                              flag(sa[1], trans_b_v, _TRANS, _NO_TRANS, i32),
                              whole(sa[2], m_v, blasint), whole(sa[3], n_v, blasint),
                              whole(sa[4], k_v, blasint), ir.Constant(ir.FloatType(), 1.0),
                              data(sa[5], a_v), whole(sa[6], lda_v, blasint), data(sa[7], b_v),
                              whole(sa[8], ldb_v, blasint), ir.Constant(ir.FloatType(), 0.0),
                              data(sa[9], c_v), whole(sa[10], ldc_v, blasint)))
            return context.get_dummy_value()
        # numba's Fortran-style entry point: column-major, where row-major C is C^T:
        # C^T[n, m] = op(B)^T[n, k] . op(A)^T[k, m]
        ll_char = ir.IntType(8)
        intp_t = context.get_value_type(types.intp)
        fnty = ir.FunctionType(ir.IntType(32), [ll_char, ll_char, ll_char, intp_t, intp_t, intp_t,
                                                voidp, voidp, intp_t, voidp, intp_t, voidp, voidp,
                                                intp_t])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "numba_xxgemm")
        t, nt = ord("t"), ord("n")
        builder.call(fn, (ir.Constant(ll_char, ord("s")), flag(sa[1], trans_b_v, t, nt, ll_char),
                          flag(sa[0], trans_a_v, t, nt, ll_char), whole(sa[3], n_v, intp_t),
                          whole(sa[2], m_v, intp_t), whole(sa[4], k_v, intp_t), alpha,
                          data(sa[7], b_v), whole(sa[8], ldb_v, intp_t), data(sa[5], a_v),
                          whole(sa[6], lda_v, intp_t), beta, data(sa[9], c_v),
                          whole(sa[10], ldc_v, intp_t)))
        return context.get_dummy_value()
    return sig, codegen
