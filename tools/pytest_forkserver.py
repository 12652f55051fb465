"""A pytest fork server for tools/mutation.sh: one pytest run per mutant, without paying the
third-party imports (numpy, pandas, pint, numba, pytest, ...) in every run.

    python tools/pytest_forkserver.py serve SOCKET    # imports what `import hicsim` needs, but
                                                      # never hicsim itself, then waits
    python tools/pytest_forkserver.py run SOCKET ARGS # one pytest run in a fresh fork; exits 0 if
                                                      # the tests passed, 1 otherwise

Each run is a fork of the server, so it starts from the same untouched interpreter every time and
imports the (mutated) hicsim and the tests afresh: what a run sees is what a new interpreter would
see, minus the wait. If the client is killed (mutmut's time-out), its run is killed too.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys


def serve(path: str) -> None:
    preload = subprocess.run(
        [sys.executable, "-c", "import sys, hicsim, hicsim.cli, pytest, _pytest.config;"
         "print('\\n'.join(sys.modules))"], capture_output=True, text=True, check=True).stdout
    for name in preload.split():
        if name.split(".")[0] not in ("hicsim", "tests", "conftest", "__main__"):
            try:
                __import__(name)
            except Exception:  # a module only importable as a side effect of another: harmless
                pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile("r").readline())
            conn.sendall(bytes([_one_run(conn, request["cwd"], request["args"])]))


def _one_run(conn: socket.socket, cwd: str, args: list[str]) -> int:
    pid = os.fork()
    if pid == 0:  # the run: a fresh copy of the preloaded interpreter
        conn.close()
        os.chdir(cwd)
        sys.path.insert(0, cwd)  # as `python -m pytest` run from cwd would have it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        import pytest
        code = 1
        try:
            code = 0 if pytest.main(args) == 0 else 1
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return 0 if os.waitstatus_to_exitcode(status) == 0 else 1
        readable, _, _ = select.select([conn], [], [], 0.05)
        if readable and not conn.recv(1):  # the client is gone (timed out): stop its run
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 1


def run(path: str, args: list[str]) -> int:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    client.sendall((json.dumps({"cwd": os.getcwd(), "args": args}) + "\n").encode())
    reply = client.recv(1)
    return reply[0] if reply else 1


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(run(sys.argv[2], sys.argv[3:]))
