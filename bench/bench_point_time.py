"""Wall time of one simulation per engine event, the figure ``hicsim.budget.SECONDS_PER_EVENT``
plans sweeps with: `python bench/bench_point_time.py`. Each run is ``simulate`` from the YAML
files (as a sweep point is), at batch 1 and 16; "per event" divides by ``budget.engine_events``
(layers x batch for inference). A plain script: it prints figures and asserts nothing."""

from __future__ import annotations

import time
from pathlib import Path

from hicsim import simulate
from hicsim.budget import engine_events
from hicsim.workload import load_workload

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ("resnet18_imagenet", "vgg8_cifar10", "mobilenetv2_cifar10")
SPECS = ("hermes_core", "hic_pcm", "pcm_multilevel")


def main() -> None:
    print(f"{'workload':22}{'spec':16}{'batch':>6}{'time':>11}{'per event':>12}")
    for name in WORKLOADS:
        path = ROOT / "workloads" / f"{name}.yaml"
        layers = len(load_workload(path).layers)
        for spec in SPECS:
            for batch in (1, 16):
                t = time.perf_counter()
                simulate(ROOT / "arch_specs" / f"{spec}.yaml", path, workload_overrides={"batch": batch})
                dt = time.perf_counter() - t
                per = dt / engine_events(layers, batch)
                print(f"{name:22}{spec:16}{batch:>6}{dt * 1e3:9.1f}ms{per * 1e3:10.2f}ms")


if __name__ == "__main__":
    main()
