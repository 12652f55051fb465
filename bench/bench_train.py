"""One training epoch of the small CNN on the 8x8 digits: HIC on simulated crossbars against the
same network in FP32 through the same code (target: HIC at most 3x FP32).

    python bench/bench_train.py [--threads N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numba

from hicsim.kernels import blas_single_threaded
from hicsim.spec import load_arch
from hicsim.train.data import Dataset, load_dataset
from hicsim.train.run import RunConfig, TrainingRun

ROOT = Path(__file__).resolve().parents[1]


def epoch_seconds(config: RunConfig, arch, data, repeats: int) -> float:
    """Best of ``repeats`` epochs (each on a fresh run: the same work every time)."""
    best = float("inf")
    for _ in range(repeats):
        run = TrainingRun(config, arch, data)
        started = time.perf_counter()
        run.train_epoch(progress=False)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="numba threads (default: numba's)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    arch = load_arch(ROOT / "arch_specs" / "hic_pcm.yaml")
    data = load_dataset("digits")
    config = RunConfig(model="cnn", dataset="digits", rule="hic", width=1.0, epochs=1, seed=0,
                       batch=32, lr=0.1, momentum=0.0)
    warm = Dataset("digits", data.x_train[:64], data.y_train[:64], data.x_test[:8], data.y_test[:8], 10)
    with blas_single_threaded():
        for rule in ("hic", "fp32"):  # compile the kernels before timing
            TrainingRun(replace(config, rule=rule), arch, warm).train_epoch(progress=False)
        hic = epoch_seconds(config, arch, data, args.repeats)
        fp32 = epoch_seconds(replace(config, rule="fp32"), arch, data, args.repeats)
    print(f"small CNN, digits ({len(data.x_train)} training images, batch {config.batch}), "
          f"numba threads {numba.get_num_threads()}, epoch incl. test evaluation, best of {args.repeats}")
    print(f"  hic  epoch {hic:.3f} s")
    print(f"  fp32 epoch {fp32:.3f} s")
    print(f"  ratio {hic / fp32:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
