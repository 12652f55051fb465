"""``device_jit``: how the per-device functions of the programming path are compiled.

They read and write the planes of a ``DeviceState`` (a tuple of ten arrays) and allocate nothing.
Compiled with numba's runtime (NRT), every access to a plane of the tuple took and released a
reference with two atomic operations, which the reference-count pruning could not remove across
their branches: ``count_reset`` alone cost 18 ns where its three loads and stores cost 2.5, and
these atomics were a third of programming one weight. Without NRT there are no reference counts;
the arrays stay owned by their caller (an NRT-compiled kernel or Python) for the whole call, so
nothing is freed early. A function compiled so cannot allocate arrays: kernels that do
(``update._update_rows``) keep the default.
"""

from __future__ import annotations

from numba import njit


def device_jit(fn):
    """``njit(cache=True)`` without numba's reference counting (module docstring)."""
    return njit(cache=True, _nrt=False)(fn)
