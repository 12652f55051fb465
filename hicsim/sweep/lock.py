"""One writer per results file: an exclusive lock held for the whole sweep.

Two sweeps appending to one file (two ``--resume`` runs, say) each see the other's points as
missing and simulate them again: 34 rows for a 20-point sweep. The lock is ``flock`` on a file
beside the results (``.NAME.lock``): the results file itself is truncated and replaced by
``--force``, and a lock must outlive that. The kernel drops the lock when its holder dies, even
by SIGKILL, so a killed sweep never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from hicsim.atomic import write_error
from hicsim.spec.errors import single


class ResultsLock:
    """``with ResultsLock(path):`` holds the lock, or raises InputError naming the file."""

    def __init__(self, results: str | Path):
        self.results = Path(results)
        self.path = self.results.with_name(f".{self.results.name}.lock")
        self._fd: int | None = None

    def __enter__(self) -> "ResultsLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise write_error(self.results, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise single(str(self.results), "another hicsim sweep is writing to this results "
                         f"file{f' (process {holder})' if holder else ''}; wait for it to finish "
                         "or choose another output file") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock; the file stays (removing it would race)
            self._fd = None


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
