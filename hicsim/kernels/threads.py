"""One parallel runtime at a time, and one that waits without spinning.

On two cores, OpenBLAS worker threads that have just finished a multi-threaded product keep
spinning for a while; a numba parallel region started meanwhile fights them for the cores, and one
training step ran 11x slower. hicsim's kernels therefore let numba own the threads: every product
inside a kernel is a single-threaded BLAS call made from one numba thread (``blas.sgemm``).
``BlasGuard`` pins every BLAS library of the process to one thread around each kernel call, so no
BLAS worker is ever woken by hicsim.

Code that runs its own multi-threaded numpy products between kernel calls (a digital layer, a
loss) can wrap its whole loop in ``blas_single_threaded()`` too, so that BLAS workers are not left
spinning when the next kernel starts.

numba's threading layer: ``workqueue`` (numba's own pool, whose idle threads sleep on a condition
variable), chosen at import unless ``NUMBA_THREADING_LAYER`` names one. The default it replaces,
OpenMP (libgomp), spins its idle threads at every barrier; when another process shares the two
cores, a spinning thread takes the core the thread with the work needs, and in
``bench/bench_threads.py`` the noisy MVM on two threads fell to 0.37 GMAC/s and the HIC update to
0.007 G/s where ``workqueue`` kept 2.0 and 0.08 (and OpenMP with ``OMP_WAIT_POLICY=passive``, which
must be set before libgomp loads and then also slows torch's own OpenMP, 1.9 and 0.05). The
workqueue layer runs one parallel region at a time: call hicsim's kernels from one Python thread
(its training and sweeps do; sweeps parallelise over processes).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numba
from threadpoolctl import ThreadpoolController

# numba's BLAS (``blas.sgemm``'s fallback, and np.dot in numba) is the one bundled with scipy, a
# second OpenBLAS beside numpy's: load it now so that the controller below sees (and limits) both.
import scipy.linalg.cython_blas  # noqa: E402,F401


THREADING_LAYER = "workqueue"


def choose_threading_layer() -> None:
    """Use ``THREADING_LAYER`` unless the environment names one (module docstring). Must run before
    the first parallel kernel: numba fixes its layer then."""
    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = THREADING_LAYER


class BlasGuard:
    """Limits BLAS to one thread while in a ``with`` block. Entering costs two direct calls per
    BLAS library (``threadpoolctl``'s own ``limit()`` re-inspects the libraries each time, which
    took 20-40 us per kernel call)."""

    def __init__(self):
        self._libraries = ThreadpoolController().select(user_api="blas").lib_controllers

    def single_threaded(self) -> _SingleThreaded:
        return _SingleThreaded(self._libraries)


class _SingleThreaded:
    """One ``with`` block of ``BlasGuard.single_threaded`` (an object per block, so blocks nest).
    A class rather than a ``contextmanager`` generator: that took 1 us more per kernel call."""

    __slots__ = ("_libraries", "_previous")

    def __init__(self, libraries):
        self._libraries = libraries

    def __enter__(self) -> None:
        self._previous = [lib.get_num_threads() for lib in self._libraries]
        for lib, n in zip(self._libraries, self._previous):
            if n != 1:
                lib.set_num_threads(1)

    def __exit__(self, *exc) -> None:
        for lib, n in zip(self._libraries, self._previous):
            if n != 1:
                lib.set_num_threads(n)


@contextmanager
def blas_single_threaded():
    with BlasGuard().single_threaded():
        yield
