"""Outputs: checked before any work, written whole (old result or new, never a mix), a reader that
leaves the pipe early never skips the tables."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hicsim import atomic
from hicsim.cli import main
from hicsim.spec.errors import InputError
from conftest import ROOT

SPEC = str(ROOT / "arch_specs" / "hic_pcm.yaml")
SMALL = str(ROOT / "workloads" / "vgg8_cifar10.yaml")
HICSIM = [sys.executable, "-m", "hicsim"]


def _mount_tmpfs(where: Path, *options: str) -> bool:
    """A small tmpfs at ``where`` (a real full or read-only file system), if this user may mount."""
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


def _unmount(where: Path) -> None:
    subprocess.run(["umount", str(where)], capture_output=True)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_files_are_replaced_whole_and_leave_no_temporaries(tmp_path):
    target = tmp_path / "t.txt"
    atomic.write_atomic(target, "old\n")
    atomic.write_files_atomic(tmp_path / "d", {"a.csv": "1\n", "b.csv": "2\n"})
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["a.csv", "b.csv"]
    assert list(atomic.temporaries(tmp_path)) == [] and list(atomic.temporaries(tmp_path / "d")) == []


def test_a_failure_midway_leaves_the_old_tables(tmp_path, monkeypatch):
    out = tmp_path / "run"
    atomic.write_files_atomic(out, {"a.csv": "old a\n", "b.csv": "old b\n", "keep.txt": "mine\n"})
    real = atomic._write_replace
    calls = []

    def full_disk_on_second(target, data):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(target, data)

    monkeypatch.setattr(atomic, "_write_replace", full_disk_on_second)
    with pytest.raises(InputError, match="no space left on the device; nothing was written"):
        atomic.write_files_atomic(out, {"a.csv": "new a\n", "b.csv": "new b\n"})
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "a.csv": "old a\n", "b.csv": "old b\n", "keep.txt": "mine\n"}
    calls.clear()
    with pytest.raises(InputError):
        atomic.write_files_atomic(tmp_path / "new", {"a.csv": "a\n", "b.csv": "b\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no partial directory


@pytest.mark.parametrize("make, option, message", [
    (lambda d: (d / "file").write_text("x"), "file", "exists and is not a directory"),
    (lambda d: None, "x" * 250, "longer than this file system allows"),
    (lambda d: (d / "f").write_text("x"), "f/sub", "is not a directory"),
])
def test_run_refuses_an_unwritable_out_before_simulating(tmp_path, capsys, monkeypatch, make,
                                                        option, message):
    make(tmp_path)
    monkeypatch.setattr("hicsim.cli.run.simulate", lambda *a, **k: pytest.fail("simulated"))
    code, out, err = run_cli(capsys, "run", SPEC, SMALL, "--out", str(tmp_path / option))
    assert code == 2 and message in err and "Traceback" not in err and out == ""


def test_read_only_and_full_locations_leave_no_partial_directory(tmp_path, capsys):
    ro, full = tmp_path / "ro", tmp_path / "full"
    if not (_mount_tmpfs(ro, "ro", "size=1m") and _mount_tmpfs(full, "size=16k")):
        _unmount(ro)
        pytest.skip("cannot mount a tmpfs here (the simulated ENOSPC test above still runs)")
    try:
        code, _, err = run_cli(capsys, "run", SPEC, SMALL, "--out", str(ro / "r"))
        assert code == 2 and "read-only file system" in err and list(ro.iterdir()) == []
        code, _, err = run_cli(capsys, "run", SPEC, SMALL, "--out", str(full / "r"))
        assert code == 2 and "no space left on the device" in err, err
        assert list(full.iterdir()) == []  # neither the directory nor a staging copy
    finally:
        _unmount(ro)
        _unmount(full)


def test_export_and_plot_check_their_output_first(tmp_path, capsys):
    (tmp_path / "d").mkdir()
    code, _, err = run_cli(capsys, "export", "--model", "vgg8_cifar10", "-o", str(tmp_path / "d"))
    assert code == 2 and "is a directory, expected a file name" in err
    code, _, err = run_cli(capsys, "plot", str(tmp_path), "-o", str(tmp_path / "d"))
    assert code == 2 and "is a directory" in err


def test_a_reader_that_leaves_never_skips_the_tables(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(HICSIM + ["run", SPEC, SMALL, "--out", str(out)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(1)
    proc.stdout.close()  # as `| head -c 1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=600) == 0, err
    assert err == "" and (out / "summary.json").is_file() and (out / "layers.csv").is_file()
