"""Serial twins of the parallel kernels, for calls too small to pay for a parallel region.

Starting a parallel region costs far more than a small kernel's work: on this 2-core machine an
empty ``prange`` loop took 90 us per call under numba's workqueue layer (``threads.py``), and a
32 x 64 x 10 noisy MVM 200 us with its two parallel loops against 6 us serially. A converted
ResNet-32 makes some 200 such calls per training step. ``serial_twin`` compiles the same Python
function a second time without ``parallel=True`` (``prange`` then runs as ``range``): one source,
two machine codes. The kernels split their work into tasks fixed by the shapes alone (never by
the thread count), so the twin computes the same products in the same order and returns the same
bits; ``tests/test_kernels_serial_twin.py`` compares them.

``TwinKernel.pick(work)`` chooses: the serial twin when numba runs one thread or when ``work`` (the
kernel's own measure, about the multiply-adds or device reads of the call) is below
``min_parallel_work``, the parallel kernel otherwise.
"""

from __future__ import annotations

import types

import numba
from numba import njit


def serial_twin(kernel):
    """``kernel``'s Python function compiled again without ``parallel=True`` (``cache=True``).
    The twin gets its own name (``<name>_serial``), so numba caches it in files of its own
    instead of overwriting the parallel kernel's cache entry (numba keys the cache by the
    function's qualified name and bytecode, not by its compile options)."""
    py = kernel.py_func
    fn = types.FunctionType(py.__code__, py.__globals__, py.__name__ + "_serial", py.__defaults__,
                            py.__closure__)
    fn.__qualname__ = py.__qualname__ + "_serial"
    fn.__module__, fn.__doc__ = py.__module__, py.__doc__
    return njit(cache=True)(fn)


class TwinKernel:
    """A parallel kernel and its serial twin; ``min_parallel_work``: the smallest call (in the
    kernel's work measure) that runs in parallel."""

    def __init__(self, kernel, min_parallel_work: float):
        self.parallel = kernel
        self.serial = serial_twin(kernel)
        self.min_parallel_work = min_parallel_work

    def pick(self, work: float):
        if work < self.min_parallel_work or numba.get_num_threads() == 1:
            return self.serial
        return self.parallel
