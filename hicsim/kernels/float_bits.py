"""An int32 bit pattern read as a float32 inside numba kernels (one LLVM bitcast, free), for loops
that work on float bits as integers because integer operations vectorise where float comparisons
with NaN checks do not (``quantize.dac_row``). The numpy twin is ``array.view(np.float32)``."""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def float32_from_bits(typingctx, bits):
    """The float32 whose IEEE bit pattern is the int32 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen
