"""Simulation speed of a training step against inference of the same network and batch.

    python bench/bench_training.py [--spec arch_specs/pcm_multilevel.yaml] [--batch 64]

Target (issue: training in the engine): a ResNet-18 ImageNet training step at batch 64 simulates
within 3x the wall time of the same network's inference at batch 64. Training needs the network
resident, so the default spec is pcm_multilevel (hic_pcm streams ResNet-18). The programming
rates are set by hand: they change counts, not the number of engine events, so they do not
matter for this speed figure.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from hicsim import simulate
from hicsim.spec import load_arch
from hicsim.workload import load_workload
from hicsim.workload.rates import RatesFile, with_rates

ROOT = Path(__file__).resolve().parents[1]


def timed(arch, workload, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = simulate(arch, workload)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default=str(ROOT / "arch_specs" / "pcm_multilevel.yaml"))
    parser.add_argument("--workload", default=str(ROOT / "workloads" / "resnet18_imagenet.yaml"))
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    arch = load_arch(args.spec)
    inference = load_workload(args.workload, {"batch": args.batch})
    rates = RatesFile(version=1, source="hand-set (speed benchmark only)", batch=args.batch,
                      per_weight={"set_pulses": 0.01, "reset_pulses": 0.001})
    training = with_rates(inference, rates)
    simulate(arch, load_workload(args.workload))  # warm-up: imports, caches
    t_inf, r_inf = timed(arch, inference, args.repeats)
    t_train, r_train = timed(arch, training, args.repeats)
    print(f"{inference.name} on {arch.name}, batch {args.batch}, median of {args.repeats}")
    print(f"{'run':<12}{'wall s':>10}{'events':>12}{'cycles':>16}")
    print(f"{'inference':<12}{t_inf:>10.2f}{r_inf.events:>12,}{r_inf.cycles:>16,}")
    print(f"{'training':<12}{t_train:>10.2f}{r_train.events:>12,}{r_train.cycles:>16,}")
    print(f"training / inference wall time: {t_train / t_inf:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
