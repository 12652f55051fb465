"""Sweep throughput: ResNet-18 inference over the hic_pcm design space.

Runs the same random sample of design points (tiles, ADC bits, square crossbar size, DRAM
bandwidth) with ``--jobs 1``, ``--jobs 2``, and on a local Dask cluster with 1 and 2 workers, and
prints points per second and the projected time of a 1,000-point sweep. Wall time includes
starting the worker processes (and the Dask cluster's workers), as a user would see it.

    .venv/bin/python bench/bench_sweep.py [--points 200] [--skip-dask]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from hicsim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def write_sweep(directory: Path, points: int) -> Path:
    sweep = {
        "version": 1, "name": "bench_resnet18", "arch": str(ROOT / "arch_specs" / "hic_pcm.yaml"),
        "workloads": [str(ROOT / "workloads" / "resnet18_imagenet.yaml")],
        "random": {"samples": points, "seed": 7, "params": {
            "chip.tiles": {"low": 16, "high": 512, "integer": True, "log": True},
            "tile.adc.bits": {"choices": [4, 5, 6, 7, 8]},
            "tile.crossbar.rows": {"choices": [128, 256, 512]},
            "memory.dram.channel_bandwidth": {"low": 12.8, "high": 102.4, "unit": "GB/s", "log": True}}},
    }
    path = directory / "bench.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def timed(label: str, sweep: Path, out: Path, **where) -> float:
    start = time.perf_counter()
    df = run_sweep(sweep, out, force=True, progress=False, **where)
    wall = time.perf_counter() - start
    rate = len(df) / wall
    failed = int((df["status"] != "ok").sum())
    print(f"{label:<22} {len(df):>5} points  {wall:7.1f} s  {rate:6.2f} points/s  "
          f"1,000 points: {1000 / rate / 60:5.1f} min  ({failed} failed)", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="sample points per configuration")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        sweep = write_sweep(d, args.points)
        print(f"ResNet-18 inference on hic_pcm, {args.points} random design points")
        timed("--jobs 1", sweep, d / "j1.jsonl", jobs=1)
        timed("--jobs 2", sweep, d / "j2.jsonl", jobs=2)
        if args.skip_dask:
            return
        from distributed import Client, LocalCluster
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                timed(f"dask, {workers} worker{'s' if workers > 1 else ''}", sweep,
                      d / f"dask{workers}.jsonl", dask=client)


if __name__ == "__main__":
    main()
