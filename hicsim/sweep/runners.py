"""Where points run: in this process, in a pool of worker processes, or on a Dask cluster.

Every runner calls the same ``run_task`` on the same tasks and yields rows as they finish (in
any order), so a sweep gives identical rows whichever way it runs. Pool workers die with the
sweep (``orphans``); a Dask scheduler is reached, or refused, before the results file is touched.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator

from hicsim.spec.errors import OptionError
from hicsim.sweep.orphans import worker_start
from hicsim.sweep.point import Task, run_task
from hicsim.worker_threads import FORK_SERVER_MODULE

# How long to try to reach a Dask scheduler before saying it cannot be reached.
DASK_CONNECT_TIMEOUT_S = 10
DASK_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)"
                          r":(\d{1,5})$")


def run_in_process(tasks: Iterable[Task]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield run_task(task)


def run_in_pool(tasks: list[Task], jobs: int) -> Iterator[dict[str, Any]]:
    """Worker processes started by forkserver (or spawn): no forked copies of threads or locks
    held by the parent (numba, BLAS, tqdm's monitor). The workers run one thread per runtime;
    this process's environment is not touched (``hicsim.worker_threads``)."""
    yield from _pooled(run_task, tasks, jobs)


def _pooled(run: Callable, items: list, jobs: int) -> Iterator[Any]:
    """``run(item)`` of every item in ``jobs`` worker processes, yielded as they finish."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The fork server sets the workers' thread counts, then imports the simulator once; every
        # worker forks from it ready to run, instead of each paying a second of imports.
        context.set_forkserver_preload([FORK_SERVER_MODULE, run.__module__])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=worker_start,
                               initargs=(os.getpid(),))
    try:
        # A bounded window of submitted tasks: an interrupt cancels little work in flight.
        pending, queue = set(), iter(items)
        while True:
            while len(pending) < 4 * jobs and (item := next(queue, None)) is not None:
                pending.add(pool.submit(run, item))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BaseException:  # an interrupt, SIGTERM, or the consumer gone: stop the workers now,
        _kill_workers(pool)  # rather than wait for the points they are running
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


def dask_client(cluster: Any):
    """A connected ``distributed.Client`` for ``cluster`` (an address such as
    ``tcp://host:8786``, or a Client, returned as is); an InputError if the address is malformed
    or the scheduler cannot be reached within DASK_CONNECT_TIMEOUT_S."""
    try:
        from distributed import Client
    except ImportError:
        raise OptionError("cluster", "needs the optional dependency: pip install 'hicsim[dask]'") from None
    if isinstance(cluster, Client):
        return cluster
    text = str(cluster)
    match = DASK_ADDRESS.match(text)
    if match is None or not 1 <= int(match.group(4)) <= 65535:
        raise OptionError("cluster", f"{text!r} is not a scheduler address: expected "
                                     "tcp://HOST:PORT (or tls://HOST:PORT), e.g. tcp://127.0.0.1:8786")
    try:
        return Client(text, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise OptionError("cluster", f"cannot reach the scheduler at {text} within "
                                     f"{DASK_CONNECT_TIMEOUT_S} s ({type(exc).__name__}: {exc})") from None


def run_on_dask(tasks: list[Task], client: Any) -> Iterator[dict[str, Any]]:
    """Run on a connected ``distributed.Client`` (see ``dask_client``). Dask's nanny already
    starts workers with one BLAS/OpenMP thread each."""
    from distributed import as_completed

    futures = client.map(run_task, tasks, pure=False)
    for future, row in as_completed(futures, with_results=True):
        future.release()
        yield row


def run_tasks(tasks: list[Task], jobs: int | None = None, dask: Any = None) -> Iterator[dict[str, Any]]:
    """Rows of ``tasks`` as they finish: on Dask when ``dask`` (a connected client) is given,
    else ``jobs`` processes (default: all cores; 1 runs in this process)."""
    if dask is not None:
        return run_on_dask(tasks, dask)
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) <= 1:
        return run_in_process(tasks)
    return run_in_pool(tasks, min(jobs, len(tasks)))
