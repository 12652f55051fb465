"""``prefetch(arr, index)``: ask the CPU to bring ``arr[index]`` (``index`` a tuple of integers,
one per dimension) into its caches without waiting for it (LLVM's prefetch intrinsic; no effect on results).

The update kernel programs a few scattered weights per row, and each reads its devices' planes of
a ``DeviceState`` (devices x rows x cols, tens of MB on a 512 x 512 layer): one cache miss per
plane and device, taken one after another. Prefetching all of a row's programmed weights before
programming them lets those misses overlap.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, arr, index):
    """Prefetch arr[index] (a C-contiguous array, a full tuple of indices) for reading, into all
    cache levels."""
    if not (isinstance(arr, types.Array) and isinstance(index, types.BaseTuple)
            and len(index) == arr.ndim and all(isinstance(t, types.Integer) for t in index)):
        return None
    sig = types.void(arr, index)

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        values = cgutils.unpack_tuple(builder, args[1], len(idxty))
        indices = [context.cast(builder, v, t, types.intp) for v, t in zip(values, idxty)]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, indices, wraparound=False)
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read (0), high temporal locality (3), data cache (1)
        builder.call(fn, [builder.bitcast(ptr, cgutils.voidptr_t), ir.Constant(i32, 0),
                          ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return sig, codegen
