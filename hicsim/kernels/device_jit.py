"""``device_jit``: how the per-device functions of the programming path are compiled.

They read and write the planes of a ``DeviceState`` (a tuple of ten arrays) and allocate nothing.
Compiled with numba's runtime (NRT), every access to a plane of the tuple took and released a
reference with two atomic operations, which the reference-count pruning could not remove across
their branches: ``count_reset`` alone cost 18 ns where its three loads and stores cost 2.5, and
these atomics were a third of programming one weight. Without NRT there are no reference counts;
the arrays stay owned by their caller (an NRT-compiled kernel or Python) for the whole call, so
nothing is freed early. A function compiled so cannot allocate arrays: kernels that do
(``update._update_rows``) keep the default.

``inline=True``: numba inlines the function into its callers. A call that LLVM leaves in place
passes every field of its arguments one by one (the device state's ten arrays, the device
parameters, the layout: some two hundred values) and LLVM inlines numba's functions only below its
size threshold, which the programming steps are above. Inlining the steps a programmed weight goes
through (``update.program_weight`` down to ``write_ml_set_towards``) took a converted ResNet-32's
hic update kernel from 1.06x to 0.71-0.75x the time of its version before (decode prefix and
all; one core, the two kernels alternating on the same layers). Inlining the per-row functions
too made it slower again (1.0x): they run once per row and bloat the kernel.
"""

from __future__ import annotations

from numba import njit


def device_jit(fn=None, *, inline=False):
    """``njit(cache=True)`` without numba's reference counting; ``inline``: inlined into its
    callers by numba (module docstring)."""
    if fn is None:
        return lambda f: device_jit(f, inline=inline)
    return njit(cache=True, _nrt=False, inline="always" if inline else "never")(fn)
