"""Sweeps: expansion, pre-run checks vs failed rows, resume after a kill, identical rows whichever
way the points run (in process, worker processes, a local Dask cluster), and the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from hicsim.cli import main
from hicsim.spec.errors import InputError
from hicsim.sweep import NONDETERMINISTIC_COLUMNS, expand, load_sweep, read_results, run_sweep
from conftest import ROOT, SMALL_NET

SHIPPED_SWEEPS = sorted((ROOT / "sweeps").glob("*.yaml"))


def write_sweep(tmp_path: Path, **changes) -> Path:
    """A 6-point sweep of the small network on hic_pcm; ``changes`` replace top-level keys."""
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(SMALL_NET))
    sweep = {"version": 1, "name": "t", "arch": str(ROOT / "arch_specs" / "hic_pcm.yaml"),
             "workloads": ["small.yaml"], "fixed": {"chip.tiles": 8},
             "grid": {"tile.adc.bits": [4, 8],
                      "crossbar": {"tile.crossbar.rows": [64, 128, 256],
                                   "tile.crossbar.cols": [64, 128, 256]}}}
    sweep.update(changes)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def deterministic(df):
    return df.drop(columns=list(NONDETERMINISTIC_COLUMNS)).sort_values("point", ignore_index=True)


def test_grid_expands_to_tidy_rows(tmp_path):
    df = run_sweep(write_sweep(tmp_path), tmp_path / "r.jsonl", jobs=1, progress=False)
    assert len(df) == 6 and (df["status"] == "ok").all()
    assert list(df["tile.adc.bits"]) == [4, 4, 4, 8, 8, 8]
    assert list(df["tile.crossbar.rows"]) == list(df["tile.crossbar.cols"]) == [64, 128, 256] * 2
    assert df["point_id"].is_unique
    for metric in ("latency_cycles", "energy_J", "throughput_samples_per_s", "energy_by_component_J.adc"):
        assert metric in df.columns and df[metric].notna().all()
    # More ADC bits cost more conversion energy at every crossbar size; nothing else changes.
    adc = df.pivot(index="tile.crossbar.rows", columns="tile.adc.bits", values="energy_by_component_J.adc")
    assert (adc[8] > adc[4]).all()
    lat = df.pivot(index="tile.crossbar.rows", columns="tile.adc.bits", values="latency_cycles")
    # 8 columns per ADC convert in 8 x (bits + 1) / 9 ns, under the 100 ns read: the read limits
    # every slice and conversion enters only through each operation's pipeline fill, which is
    # longer at 8 bits (tests/test_components.py covers the case where conversion limits).
    assert (lat[8] > lat[4]).all()


def test_random_samples_are_seeded_and_crossed_with_the_grid(tmp_path):
    random = {"samples": 4, "seed": 3, "params": {
        "memory.dram.channel_bandwidth": {"low": 10, "high": 40, "unit": "GB/s", "log": True},
        "workload.batch": {"choices": [1, 2, 4]}}}
    path = write_sweep(tmp_path, grid={"tile.adc.bits": [4, 8]}, random=random)
    a, b = expand(load_sweep(path)), expand(load_sweep(path))
    assert [p.params for p in a] == [p.params for p in b] and 2 <= len(a) <= 8
    for p in a:
        bw = float(p.params["memory.dram.channel_bandwidth"].split()[0])
        assert 10 <= bw <= 40 and p.params["memory.dram.channel_bandwidth"].endswith("GB/s")
    df = run_sweep(path, tmp_path / "r.jsonl", jobs=1, progress=False)
    assert (df["status"] == "ok").all()
    assert (df["batch"] == df["workload.batch"]).all()  # the workload override reached the run


def test_invalid_combination_becomes_a_failed_row(tmp_path):
    # 8 columns are too few for one HIC weight (4 binary + 1 multi-level, differential = 10
    # columns): valid on its own, invalid for this spec. The sweep goes on.
    path = write_sweep(tmp_path, grid={"tile.crossbar.cols": [8, 256]})
    df = run_sweep(path, tmp_path / "r.jsonl", jobs=1, progress=False)
    assert list(df["status"]) == ["failed", "ok"]
    assert "one weight needs 10 columns" in df.loc[0, "error"]
    assert df.loc[1, "error"] == "" and df.loc[1, "energy_J"] > 0


@pytest.mark.parametrize("grid, expected", [
    ({"tile.adc.bitz": [4]}, "tile.adc.bitz: unknown key"),
    ({"tile.nothing.bits": [4]}, "tile.nothing: unknown key"),
    ({"tile.adc.bits": [4, "six"]}, "valid integer"),
    ({"tile.adc.bits": [4, 40]}, "less than or equal to 32"),
    ({"tile.crossbar.read_latency": ["100 ns", "5 pJ"]}, "wrong dimension"),
    ({"tile.crossbar.read_latency": [100]}, "has no unit"),
    ({"tile.adc.bits": []}, "empty list"),
    ({"workload.batchh": [1]}, "batchh: unknown key"),
])
def test_bad_sweep_is_an_error_before_any_point_runs(tmp_path, grid, expected):
    out = tmp_path / "r.jsonl"
    with pytest.raises(InputError) as exc:
        run_sweep(write_sweep(tmp_path, grid=grid), out, jobs=1, progress=False)
    assert expected in str(exc.value) and "sweep.yaml" in str(exc.value)
    assert not out.exists()


def test_cli_bad_sweep_exits_2_without_traceback(tmp_path, capsys):
    path = write_sweep(tmp_path, grid={"tile.adc.bitz": [4]})
    assert main(["sweep", str(path), "-o", str(tmp_path / "r.jsonl"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "unknown key" in err and "Traceback" not in err
    bad_key = write_sweep(tmp_path, grdi={"tile.adc.bits": [4]})
    assert main(["sweep", str(bad_key), "--no-progress"]) == 2
    assert "grdi: unknown key" in capsys.readouterr().err


def test_resume_after_kill_runs_only_missing_points(tmp_path):
    path = write_sweep(tmp_path)
    full = run_sweep(path, tmp_path / "full.jsonl", jobs=1, progress=False)
    # A killed sweep: two complete rows in completion order, then half of a third line.
    lines = (tmp_path / "full.jsonl").read_text().splitlines(keepends=True)
    partial = tmp_path / "partial.jsonl"
    partial.write_text(lines[4] + lines[1] + lines[2][: len(lines[2]) // 2])
    with pytest.raises(InputError, match=r"resume it \(resume\)"):
        run_sweep(path, partial, jobs=1, progress=False)
    resumed = run_sweep(path, partial, jobs=1, resume=True, progress=False)
    assert len(partial.read_text().splitlines()) == 6  # the torn line was cut, not kept
    assert resumed["point_id"].is_unique and len(resumed) == 6
    assert deterministic(resumed).equals(deterministic(full))
    rows = [json.loads(l) for l in partial.read_text().splitlines()]
    assert [r["point"] for r in rows[:2]] == [json.loads(lines[4])["point"], json.loads(lines[1])["point"]]
    # Resuming a finished sweep runs nothing and changes nothing.
    before = partial.read_bytes()
    run_sweep(path, partial, jobs=1, resume=True, progress=False)
    assert partial.read_bytes() == before


def test_resume_refuses_another_sweeps_results(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "r.jsonl"
    run_sweep(path, out, jobs=1, progress=False)
    other = write_sweep(tmp_path, grid={"tile.adc.bits": [5]})
    with pytest.raises(InputError, match="another sweep"):
        run_sweep(other, out, jobs=1, resume=True, progress=False)


def test_identical_rows_in_process_worker_processes_and_dask(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_sweep(tmp_path, grid={"tile.adc.bits": [4, 8], "tile.crossbar.cols": [8, 128, 256]})
    serial = run_sweep(path, tmp_path / "serial.jsonl", jobs=1, progress=False)
    pooled = run_sweep(path, tmp_path / "pool.jsonl", jobs=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run_sweep(path, tmp_path / "dask.jsonl", dask=client, progress=False)
        by_address = run_sweep(path, tmp_path / "dask2.jsonl", dask=cluster.scheduler_address,
                               progress=False)
    assert (serial["status"] == "failed").sum() == 2  # the 8-column points, whichever the runner
    for other in (pooled, on_dask, by_address):
        assert deterministic(other).equals(deterministic(serial))


def test_a_pool_leaves_this_process_environment_as_it_was(tmp_path, monkeypatch):
    """Workers start with one thread per runtime, but this process's environment is not touched:
    NUMBA_NUM_THREADS=1 left behind made this process's next numba compile fail once numba's
    threads had started (tests that ran after a pooled sweep failed). A value the user set stays."""
    from hicsim.worker_threads import SINGLE_THREAD_ENV
    for name in SINGLE_THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    path = write_sweep(tmp_path, grid={"tile.adc.bits": [4, 8]})
    rows = run_sweep(path, tmp_path / "pool.jsonl", jobs=2, progress=False)
    assert list(rows["status"]) == ["ok", "ok"]
    assert {name: os.environ.get(name) for name in SINGLE_THREAD_ENV} == {
        name: ("3" if name == "OMP_NUM_THREADS" else None) for name in SINGLE_THREAD_ENV}


def test_while_a_pool_runs_this_process_compiles_with_its_own_thread_count(tmp_path, monkeypatch):
    """The pool's single-thread settings never reach this process, not even while it yields
    rows: they used to be in its environment for the pool's lifetime, and a numba compile there
    meanwhile (another thread's, or the consumer's between rows) failed: 'Cannot set
    NUMBA_NUM_THREADS to a different value once the threads have been launched'."""
    import numba
    from hicsim.sweep.run import _task
    from hicsim.sweep.runners import run_in_pool
    from hicsim.worker_threads import SINGLE_THREAD_ENV
    for name in SINGLE_THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    threads = numba.get_num_threads()  # numba's threads run from here on
    sweep = load_sweep(write_sweep(tmp_path, grid={"tile.adc.bits": [4, 8]}))
    rows = 0
    for row in run_in_pool([_task(sweep, p) for p in expand(sweep)], 2):
        assert row["status"] == "ok"
        assert [name for name in SINGLE_THREAD_ENV if name in os.environ] == []
        assert numba.njit(lambda v: v + 1)(rows) == rows + 1  # a fresh function: a compile
        rows += 1
    assert rows == 2 and numba.get_num_threads() == threads


def _runtime_threads(_):
    """In a worker: numba's thread count and those of the BLAS/OpenMP libraries it has loaded."""
    import numba
    from threadpoolctl import threadpool_info
    return numba.config.NUMBA_NUM_THREADS, sorted({i["num_threads"] for i in threadpool_info()})


def test_pool_workers_run_one_thread_per_runtime(monkeypatch):
    """Each worker runs one thread for every runtime (its environment is set in the fork server
    before it loads numpy and numba, and by each worker's initializer), while this process has
    none of the variables. The runtimes' own counts are checked, not only the environment: the
    initializer alone sets the variables after OpenBLAS has read them (it then runs 2 threads)."""
    from hicsim.sweep.runners import _pooled
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    for name in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        assert list(_pooled(os.getenv, [name, name], 2)) == ["1", "1"]
        assert name not in os.environ
    assert list(_pooled(_runtime_threads, [0, 1], 2)) == [(1, [1]), (1, [1])]


def test_cli_sweep_and_resume(tmp_path, capsys):
    path = write_sweep(tmp_path)
    out = tmp_path / "r.jsonl"
    assert main(["sweep", str(path), "-o", str(out), "-j", "1", "--no-progress"]) == 0
    assert "6 points" in capsys.readouterr().out
    assert main(["sweep", str(path), "-o", str(out), "-j", "1", "--no-progress"]) == 2
    assert main(["sweep", str(path), "-o", str(out), "-j", "1", "--resume", "--no-progress"]) == 0
    assert len(read_results(out)) == 6


@pytest.mark.parametrize("path", SHIPPED_SWEEPS, ids=lambda p: p.stem)
def test_shipped_sweeps_are_valid_design_studies(path):
    from hicsim.sweep import check_sweep
    sweep = load_sweep(path)
    check_sweep(sweep)
    points = expand(sweep)
    assert len(points) >= 12 and len({p.id for p in points}) == len(points)
    assert len(sweep.file.grid) >= 2  # two parameters crossed: a study, not a scan


def test_shipped_sweeps_exist():
    assert len(SHIPPED_SWEEPS) >= 2


def test_a_sweep_planned_over_max_hours_is_refused_before_any_point(tmp_path, capsys):
    from hicsim.budget import POINT_BASE_S, SECONDS_PER_EVENT
    path, out = write_sweep(tmp_path), tmp_path / "r.jsonl"
    layers, batch = len(SMALL_NET["layers"]), SMALL_NET.get("batch", 1)
    planned = 6 * (POINT_BASE_S + SECONDS_PER_EVENT * layers * batch)  # 6 points, one worker
    hours = planned / 3600
    code = main(["sweep", str(path), "-o", str(out), "-j", "1", "--max-hours", f"{hours * 0.99!r}"])
    err = capsys.readouterr().err
    assert code == 2 and "--max-hours" in err and "Traceback" not in err
    assert f"6 point(s) on 1 worker(s): at most about {planned:.1f} s" in err
    assert not out.exists()
    code = main(["sweep", str(path), "-o", str(out), "-j", "1", "--max-hours", f"{hours * 1.01!r}"])
    err = capsys.readouterr().err
    assert code == 0 and f"t: 6 point(s) on 1 worker(s): at most about {planned:.1f} s" in err
    assert len(read_results(out)) == 6
    with pytest.raises(SystemExit) as exit_:  # argparse refuses the option itself
        main(["sweep", str(path), "--max-hours", "nan"])
    assert exit_.value.code == 2 and "--max-hours: must be in (0, 8760]" in capsys.readouterr().err
