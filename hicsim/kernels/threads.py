"""One parallel runtime at a time.

On two cores, OpenBLAS worker threads that have just finished a multi-threaded product keep
spinning for a while; a numba parallel region started meanwhile fights them for the cores, and one
training step ran 11x slower. hicsim's kernels therefore let numba own the threads: every product
inside a kernel is a single-threaded BLAS call made from one numba thread (``np.dot`` in numba calls
BLAS), or a loop in numba itself (the update's gradient). ``blas_single_threaded`` pins BLAS to one
thread around each kernel call, so no BLAS worker is ever woken by hicsim.

Code that runs its own multi-threaded numpy products between kernel calls (a digital layer, a
loss) can wrap its whole loop in ``blas_single_threaded()`` too, so that BLAS workers are not left
spinning when the next kernel starts. Without threadpoolctl (an optional dependency) the guard
does nothing, and the caller should set OPENBLAS_NUM_THREADS=1.
"""

from __future__ import annotations

from contextlib import contextmanager

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - threadpoolctl is optional
    ThreadpoolController = None

# numba's np.dot calls the BLAS bundled with scipy, a second OpenBLAS beside numpy's: load it now
# so that the controller below sees (and limits) both.
import scipy.linalg.cython_blas  # noqa: E402,F401


class BlasGuard:
    """Limits BLAS to one thread while in a ``with`` block (cheap to enter: one controller, made
    once, sets the thread count of the already-loaded BLAS libraries)."""

    def __init__(self):
        self._controller = ThreadpoolController() if ThreadpoolController is not None else None

    @contextmanager
    def single_threaded(self):
        if self._controller is None:
            yield
            return
        with self._controller.limit(limits=1, user_api="blas"):
            yield


@contextmanager
def blas_single_threaded():
    with BlasGuard().single_threaded():
        yield
