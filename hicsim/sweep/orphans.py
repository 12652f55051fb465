"""Worker processes that die with the sweep that started them.

A pool worker blocks reading its task queue, and nothing tells it that the parent is gone: after
``kill -9`` of ``hicsim sweep -j 2`` the workers, the fork server and the resource tracker ran on.
Each worker now (1) asks the kernel for SIGKILL when its own parent, the fork server, dies
(``PR_SET_PDEATHSIG``; the fork server exits when the sweep's end of its pipe closes), and (2)
watches the sweep's process from a thread and exits when it is gone or a zombie, which also covers
the spawn start method and platforms without ``prctl``. Ctrl-C reaches the whole process group:
workers ignore it and the sweep stops them. SIGTERM becomes a clean stop in the sweep
(``terminate_cleanly``): workers killed, results file closed, exit status 143.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time
from typing import Iterator

from hicsim.worker_threads import set_single_thread_env

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_INTERVAL_S = 0.2


def worker_start(sweep_pid: int) -> None:
    """Pool initializer: run in each worker before its first task."""
    set_single_thread_env()  # the fork server has (hicsim.worker_threads); spawn's workers not yet
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _kill_me_with_my_parent()
    threading.Thread(target=_exit_when_gone, args=(sweep_pid,), daemon=True,
                     name="hicsim-parent-watch").start()


def _kill_me_with_my_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watch thread alone
        pass


def _exit_when_gone(pid: int) -> None:
    while alive(pid):
        time.sleep(WATCH_INTERVAL_S)
    os._exit(1)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class Terminated(SystemExit):
    """SIGTERM received: unwinds like an exception (so cleanup runs), exits 128 + 15."""

    def __init__(self):
        super().__init__(128 + signal.SIGTERM)


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (Python's default would end the process
    at once, skipping every ``finally``). Only the main thread can install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
