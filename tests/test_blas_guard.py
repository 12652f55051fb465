"""``BlasGuard.single_threaded``: every BLAS library of the process at one thread inside the block,
its own count again after it, through nested blocks and exceptions."""

import pytest
from threadpoolctl import ThreadpoolController

from hicsim.kernels.threads import BlasGuard


def _counts(libraries):
    return [lib.get_num_threads() for lib in libraries]


def test_blocks_pin_blas_to_one_thread_and_restore_it():
    guard = BlasGuard()
    libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    assert libraries
    before = _counts(libraries)
    try:
        for lib in libraries:
            lib.set_num_threads(2)
        with guard.single_threaded():
            assert _counts(libraries) == [1] * len(libraries)
            with guard.single_threaded():  # nested: restores the outer block's one thread
                pass
            assert _counts(libraries) == [1] * len(libraries)
        assert _counts(libraries) == [2] * len(libraries)
        with pytest.raises(RuntimeError), guard.single_threaded():
            raise RuntimeError
        assert _counts(libraries) == [2] * len(libraries)
    finally:
        for lib, n in zip(libraries, before):
            lib.set_num_threads(n)
