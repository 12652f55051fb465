"""One thread per BLAS, OpenMP and numba runtime in a sweep's worker processes, and only there.

N workers on N cores must not each start N threads. The runtimes read their thread counts from the
environment when they load, so ``SINGLE_THREAD_ENV`` must be set in a worker before numpy and
numba load there. The sweep's own process must never see them, not even while its pool runs: a
numba compile reloads numba's configuration from the environment, so with NUMBA_NUM_THREADS=1
there it failed once numba's threads had started ("Cannot set NUMBA_NUM_THREADS to a different
value once the threads have been launched"; sweeps once set them there for the pool's lifetime).

So they are set in the workers' own processes: a pool's fork server imports ``FORK_SERVER_MODULE``
before anything else (``sweep.runners``), which sets them there before it loads the simulator,
and every worker forks from the fork server; each worker's initializer sets them again
(``set_single_thread_env``), which covers the spawn start method for the runtimes loaded after
it. A variable the user has set keeps its value. This module imports nothing that loads a
runtime (``hicsim``'s package imports nothing on its own).
"""

from __future__ import annotations

import os

SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
FORK_SERVER_MODULE = "hicsim.worker_threads_fork_server"


def set_single_thread_env() -> None:
    """In this process (a worker's, never the sweep's): one thread for every runtime whose
    variable the user has not set."""
    for name in SINGLE_THREAD_ENV:
        os.environ.setdefault(name, "1")
