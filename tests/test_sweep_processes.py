"""Sweep processes and the results file: workers die with a killed sweep, one writer per results
file, a Dask address checked and an unreachable scheduler a quick clear error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hicsim.cli import main
from hicsim.spec.errors import InputError
from hicsim.sweep import run_sweep
from hicsim.sweep.lock import ResultsLock
from hicsim.sweep.orphans import alive
from test_sweep import write_sweep

HICSIM = [sys.executable, "-m", "hicsim"]


def session_members(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``: a sweep and everything it started."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
                pids.append(int(entry.name))
    return pids


def wait_until(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_sweep_leaves_no_child_process(tmp_path, sig):
    path = write_sweep(tmp_path, grid={"tile.adc.bits": [3, 4, 5, 6, 7, 8],
                                       "workload.batch": [64, 128, 192, 256]})
    out = tmp_path / "r.jsonl"
    proc = subprocess.Popen(HICSIM + ["sweep", str(path), "-o", str(out), "-j", "2",
                                      "--no-progress"], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sid = proc.pid
    try:
        # the sweep, its fork server and two workers (and a resource tracker) are up
        assert wait_until(lambda: len(session_members(sid)) >= 4, 300), session_members(sid)
        assert wait_until(lambda: out.exists() and out.stat().st_size > 0, 300)
        os.kill(proc.pid, sig)
        code = proc.wait(timeout=60)
        assert wait_until(lambda: session_members(sid) == [], 30), session_members(sid)
        assert code == (-9 if sig == signal.SIGKILL else 143)
        if sig == signal.SIGTERM:
            assert "Traceback" not in proc.stderr.read().decode()
    finally:
        for pid in session_members(sid):
            os.kill(pid, signal.SIGKILL)


def test_a_second_writer_is_refused(tmp_path, capsys):
    path = write_sweep(tmp_path)
    out = tmp_path / "r.jsonl"
    with ResultsLock(out):
        with pytest.raises(InputError, match=f"another hicsim sweep is writing to this results "
                                             f"file \\(process {os.getpid()}\\)"):
            run_sweep(path, out, jobs=1, resume=True, progress=False)
        assert main(["sweep", str(path), "-o", str(out), "-j", "1", "--resume",
                     "--no-progress"]) == 2
        assert "another hicsim sweep" in capsys.readouterr().err
    assert not out.exists()  # nothing ran, and no empty results file was left
    assert len(run_sweep(path, out, jobs=1, progress=False)) == 6  # the lock is released


@pytest.mark.parametrize("address", ["not a url", "tcp://", "http://host:8786", "tcp://h:99999",
                                     "tcp://host"])
def test_malformed_dask_address_is_refused(tmp_path, capsys, address):
    path = write_sweep(tmp_path)
    out = tmp_path / "r.jsonl"
    assert main(["sweep", str(path), "-o", str(out), "--dask", address, "--no-progress"]) == 2
    assert "is not a scheduler address" in capsys.readouterr().err and not out.exists()


def test_unreachable_scheduler_is_a_quick_error_with_no_results_file(tmp_path, capsys, monkeypatch):
    """The connection is given up after DASK_CONNECT_TIMEOUT_S (10 s; 1 s here, so that the test
    does not wait 10 s), with a clear error and no results file."""
    pytest.importorskip("distributed")
    from hicsim.sweep import runners
    assert runners.DASK_CONNECT_TIMEOUT_S == 10
    monkeypatch.setattr(runners, "DASK_CONNECT_TIMEOUT_S", 1)
    path = write_sweep(tmp_path)
    out = tmp_path / "r.jsonl"
    assert main(["sweep", str(path), "-o", str(out), "--dask", "tcp://127.0.0.1:9",
                 "--no-progress"]) == 2
    assert "cannot reach the scheduler at tcp://127.0.0.1:9 within 1 s" in capsys.readouterr().err
    assert not out.exists()


def test_parent_watch_sees_zombies_as_gone():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    assert wait_until(lambda: not alive(child.pid), 30)  # exited, not yet reaped: a zombie
    child.wait()
    assert alive(os.getpid())
