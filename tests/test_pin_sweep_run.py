"""The sweep runner's bookkeeping, pinned exactly: which points run on a fresh, resumed, forced or
empty output; where the results go; the progress bar's counts; what is closed and what is removed.
Points run through a stand-in for ``run_tasks`` (instant rows) except in one end-to-end check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import hicsim.sweep.run as sweep_run
from hicsim.cli.flags import worded
from hicsim.spec.errors import InputError
from hicsim.sweep import expand, load_sweep, read_results, run_sweep
from hicsim.sweep.run import _task, default_results_path
from test_sweep import write_sweep


class Runner:
    """Stands in for ``run_tasks``: records its calls, yields one instant row per task."""

    def __init__(self, statuses=None, fail_before_rows=False):
        self.calls, self.statuses, self.fail = [], statuses, fail_before_rows

    def __call__(self, tasks, jobs=None, dask=None):
        self.calls.append(([t.point_id for t in tasks], jobs, dask))
        if self.fail:
            raise RuntimeError("runner broke")
        for i, task in enumerate(tasks):
            status = self.statuses[i] if self.statuses else "ok"
            yield {"point": task.index, "point_id": task.point_id, "status": status}


@pytest.fixture
def runner(monkeypatch):
    fake = Runner()
    monkeypatch.setattr(sweep_run, "run_tasks", fake)
    return fake


def ids(path) -> list[str]:
    return [p.id for p in expand(load_sweep(path))]


def test_default_results_path_is_the_sweep_stem_in_the_working_directory():
    assert default_results_path("some/dir/adc.sweep.yaml") == Path("adc.sweep.results.jsonl")


def test_a_path_sweep_without_out_writes_next_to_the_working_directory(tmp_path, monkeypatch, runner):
    path = write_sweep(tmp_path)
    monkeypatch.chdir(tmp_path)
    df = run_sweep(path, jobs=1, progress=False)
    assert len(df) == 6 and (tmp_path / "sweep.results.jsonl").is_file()
    assert runner.calls == [(ids(path), 1, None)]


def test_a_model_sweep_needs_out(tmp_path, runner):
    with pytest.raises(ValueError) as exc:
        run_sweep(load_sweep(write_sweep(tmp_path)), progress=False)
    assert str(exc.value) == "out: a results file is needed when the sweep is given as a model"
    df = run_sweep(load_sweep(write_sweep(tmp_path)), tmp_path / "r.jsonl", progress=False)
    assert list(df["point"]) == list(range(6))


def test_an_unwritable_out_is_refused_naming_the_option(tmp_path, runner):
    with pytest.raises(InputError) as exc:
        run_sweep(write_sweep(tmp_path), tmp_path, progress=False)
    assert exc.value.problems == [("out", "is a directory, expected a file name")]
    assert worded(exc.value) == f"{tmp_path}: --out: is a directory, expected a file name"
    assert runner.calls == []


def test_an_existing_output_needs_resume_or_force(tmp_path, runner):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    run_sweep(path, out, progress=False)
    before = out.read_bytes()
    with pytest.raises(InputError) as exc:
        run_sweep(path, out, progress=False)
    assert exc.value.source == str(out)
    assert exc.value.problems == [("", "results file exists: resume it (resume) to run only its "
                                       "missing points, or start over (force)")]
    assert worded(exc.value).endswith("resume it (--resume) to run only its missing points, or "
                                      "start over (--force)")
    assert out.read_bytes() == before and len(runner.calls) == 1
    df = run_sweep(path, out, force=True, progress=False)  # starts over: six rows, not twelve
    assert len(out.read_text().splitlines()) == 6 and len(df) == 6
    assert runner.calls[-1][0] == ids(path)


def test_an_empty_existing_output_is_accepted_without_resume(tmp_path, runner):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    out.write_bytes(b"")
    df = run_sweep(path, out, progress=False)
    assert len(df) == 6 and runner.calls[0][0] == ids(path)


def test_resume_runs_only_the_missing_points_after_cutting_the_torn_line(tmp_path, runner):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    run_sweep(path, out, progress=False)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text(lines[3] + lines[0] + lines[5][:9])
    df = run_sweep(path, out, resume=True, progress=False)
    every = ids(path)
    assert runner.calls[-1][0] == [every[i] for i in (1, 2, 4, 5)]
    assert out.read_text().splitlines(keepends=True)[:2] == [lines[3], lines[0]]
    assert [json.loads(l)["point"] for l in out.read_text().splitlines()] == [3, 0, 1, 2, 4, 5]
    assert list(df["point"]) == list(range(6))


def test_resume_refuses_rows_of_another_sweep_counting_them(tmp_path, runner):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    out.write_text('{"point": 0, "point_id": "x"}\n{"point": 1, "point_id": "y"}\n')
    with pytest.raises(InputError) as exc:
        run_sweep(path, out, resume=True, progress=False)
    assert exc.value.problems == [("", "holds 2 point(s) that this sweep does not have: it belongs "
                                       "to another sweep (or the sweep file changed)")]


def test_no_empty_results_file_is_left_behind(tmp_path, monkeypatch):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    monkeypatch.setattr(sweep_run, "run_tasks", Runner(fail_before_rows=True))
    with pytest.raises(RuntimeError, match="runner broke"):
        run_sweep(path, out, progress=False)
    assert not out.exists()


def last_refresh(err: str) -> str:
    return re.split(r"[\r\n]+", err.strip())[-1]


def test_progress_bar_counts_points_and_failures(tmp_path, monkeypatch, capsys):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    monkeypatch.setattr(sweep_run, "run_tasks", Runner(["ok", "failed", "failed", "ok", "ok", "ok"]))
    run_sweep(path, out, jobs=1)  # progress is on by default
    err = capsys.readouterr().err
    bar = last_refresh(err)
    assert bar.startswith("t: 100%") and "| 6/6 [" in bar and bar.endswith(", failed=2]")
    assert re.search(r"(point/s|s/point), failed=2\]$", bar)
    assert "failed=3" not in err and "failed=True" not in err


def test_progress_bar_of_a_resumed_sweep_starts_at_the_points_already_done(tmp_path, monkeypatch,
                                                                          capsys):
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    monkeypatch.setattr(sweep_run, "run_tasks", Runner())
    run_sweep(path, out, progress=False)
    out.write_text("".join(out.read_text().splitlines(keepends=True)[:2]))
    capsys.readouterr()
    run_sweep(path, out, resume=True)
    err = capsys.readouterr().err
    counts = re.findall(r"\| (\d+)/6 \[", err)
    assert counts[0] == "2" and counts[-1] == "6" and "failed" not in err


class Client:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


def test_a_client_made_here_is_closed_and_one_given_is_not(tmp_path, monkeypatch, runner):
    made = []
    def dask_client(dask):
        made.append(dask)
        return dask if isinstance(dask, Client) else Client()
    monkeypatch.setattr(sweep_run, "dask_client", dask_client)
    path = write_sweep(tmp_path)
    run_sweep(path, tmp_path / "a.jsonl", progress=False)
    assert made == [] and runner.calls[-1][2] is None  # no scheduler asked for, none reached
    run_sweep(path, tmp_path / "b.jsonl", dask="tcp://host:1", progress=False)
    client = runner.calls[-1][2]
    assert made == ["tcp://host:1"] and isinstance(client, Client) and client.closed
    given = Client()
    run_sweep(path, tmp_path / "c.jsonl", dask=given, progress=False)
    assert runner.calls[-1][2] is given and not given.closed


def test_task_overrides_are_the_fixed_values_and_the_points(tmp_path):
    path = write_sweep(tmp_path, fixed={"chip.tiles": 8, "workload.batch": 3},
                       grid={"tile.adc.bits": [4], "workload.input_bits": [6]})
    sweep = load_sweep(path)
    task = _task(sweep, expand(sweep)[0])
    assert task.arch_overrides == {"chip.tiles": 8, "tile.adc.bits": 4}
    assert task.workload_overrides == {"batch": 3, "input_bits": 6}
    assert task.params == {"tile.adc.bits": 4, "workload.input_bits": 6}
    assert (task.index, task.workload_name, task.arch_source) == (0, "small", str(sweep.arch_path))
    assert task.workload_source == str(tmp_path / "small.yaml")


def test_two_real_points_end_to_end(tmp_path):
    path = write_sweep(tmp_path, grid={"tile.crossbar.cols": [8, 256]})
    df = run_sweep(path, tmp_path / "r.jsonl", jobs=1, progress=False)
    assert list(df["status"]) == ["failed", "ok"] and list(df["point_id"]) == ids(path)
    assert read_results(tmp_path / "r.jsonl").equals(df)
