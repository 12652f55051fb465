"""What ``hicsim train --step-time`` adds to a training step: moving every crossbar's clock
(``set_time``: a decode of every weight at the new time, since every weight drifts) against the
step itself (forward, backward, update), on the converted ResNet-32 (width 1, 464,144 weights) on
the digits with hic_pcm.

    python bench/bench_step_time.py [--threads 1] [--steps 6]

Prints, per figure, the median over the steps after the first (which compiles) of the wall time,
this thread's CPU time (steadier on a shared machine; with one numba thread all the work runs in
this thread) and the process's (which also counts BLAS worker threads left spinning: it showed
the step's gradient products running on OpenBLAS's default threads, 248-313 ms against 107-113).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numba

from hicsim.spec import load_arch
from hicsim.train.data import load_dataset
from hicsim.train.run import RunConfig, TrainingRun

ROOT = Path(__file__).resolve().parents[1]
STEP_TIME = 1e-3  # seconds of chip time per step (any positive value: every weight then drifts)


def timed(fn) -> tuple[float, float, float]:
    wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
    fn()
    return (time.perf_counter() - wall, time.thread_time() - cpu,
            time.process_time() - process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="numba threads (default 1)")
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    data = load_dataset("digits")
    config = RunConfig(model="resnet32", dataset="digits", rule="hic", width=1.0, epochs=1, seed=0,
                       batch=32, lr=0.05, momentum=0.9, step_time=STEP_TIME)
    run = TrainingRun(config, load_arch(ROOT / "arch_specs" / "hic_pcm.yaml"), data)
    weights = sum(layer.weight_count for layer in run.weight_layers)
    steps, clocks = [], []
    for k in range(args.steps):
        x, y = data.x_train[32 * k:32 * k + 32], data.y_train[32 * k:32 * k + 32]
        steps.append(timed(lambda: run.step(x, y)))
        run.steps += 1
        clocks.append(timed(run._advance_clock))
    print(f"ResNet-32 width 1 on hic_pcm, {weights:,} weights, batch 32, {args.threads} numba "
          f"thread(s); median of steps 2-{args.steps}, wall / CPU of this thread / CPU of the "
          "process (with BLAS's and numba's worker threads):")
    for name, times in (("training step (forward, backward, update)", steps),
                        ("clock move (set_time of every store)", clocks)):
        wall = statistics.median(t[0] for t in times[1:])
        cpu = statistics.median(t[1] for t in times[1:])
        process = statistics.median(t[2] for t in times[1:])
        print(f"  {name:<44}{1e3 * wall:8.1f} ms {1e3 * cpu:8.1f} ms {1e3 * process:8.1f} ms")
        if times is clocks:
            print(f"  {'per weight':<44}{1e9 * wall / weights:8.0f} ns {1e9 * cpu / weights:8.0f} ns")


if __name__ == "__main__":
    main()
