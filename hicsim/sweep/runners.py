"""Where points run: in this process, in a pool of worker processes, or on a Dask cluster.

Every runner calls the same ``run_task`` on the same tasks and yields rows as they finish (in
any order), so a sweep gives identical rows whichever way it runs.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Iterable, Iterator

from hicsim.spec.errors import single
from hicsim.sweep.point import Task, run_task

# One thread per worker for every BLAS/OpenMP runtime: N workers on N cores must not each start
# N threads. Set before the workers start, which is when those runtimes read them.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def run_in_process(tasks: Iterable[Task]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield run_task(task)


def run_in_pool(tasks: list[Task], jobs: int) -> Iterator[dict[str, Any]]:
    """Worker processes started by forkserver (or spawn): no forked copies of threads or locks
    held by the parent (numba, BLAS, tqdm's monitor)."""
    for name in SINGLE_THREAD_ENV:
        os.environ.setdefault(name, "1")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The fork server imports the simulator once; every worker forks from it ready to run,
        # instead of each paying a second of imports.
        context.set_forkserver_preload([run_task.__module__])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        # A bounded window of submitted tasks: an interrupt cancels little work in flight.
        pending, queue = set(), iter(tasks)
        while True:
            while len(pending) < 4 * jobs and (task := next(queue, None)) is not None:
                pending.add(pool.submit(run_task, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_on_dask(tasks: list[Task], cluster: Any) -> Iterator[dict[str, Any]]:
    """``cluster`` is a scheduler address (``tcp://host:8786``) or a ``distributed.Client``.
    Dask's nanny already starts workers with one BLAS/OpenMP thread each."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise single("--dask", "needs the optional dependency: pip install 'hicsim[dask]'") from None
    own = not isinstance(cluster, Client)
    try:
        client = Client(cluster) if own else cluster
    except OSError as exc:
        raise single("--dask", f"cannot reach the scheduler at {cluster}: {exc}") from None
    try:
        futures = client.map(run_task, tasks, pure=False)
        for future, row in as_completed(futures, with_results=True):
            future.release()
            yield row
    finally:
        if own:
            client.close()


def run_tasks(tasks: list[Task], jobs: int | None = None, dask: Any = None) -> Iterator[dict[str, Any]]:
    """Rows of ``tasks`` as they finish: on Dask when ``dask`` is given, else ``jobs`` processes
    (default: all cores; 1 runs in this process)."""
    if dask is not None:
        return run_on_dask(tasks, dask)
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) <= 1:
        return run_in_process(tasks)
    return run_in_pool(tasks, min(jobs, len(tasks)))
