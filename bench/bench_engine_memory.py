"""Engine memory per (layer, sample): `python bench/bench_engine_memory.py [WORKLOAD] [BATCH...]`.

``hicsim.budget`` refuses, before a run, a workload whose engine would not fit in memory; its
figure of bytes per engine event (one SimPy process per layer and sample) is what this prints:
each batch runs in a fresh process (so peak RSS is that run's), and the slope of peak RSS against
batch x layers is the cost per event. A plain script: it prints figures and asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCH = ROOT / "arch_specs" / "hic_pcm.yaml"
RUN = ("import resource, sys; from hicsim import simulate; "
       "simulate(sys.argv[1], sys.argv[2], workload_overrides={'batch': int(sys.argv[3])}); "
       "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)")


def peak_bytes(workload: Path, batch: int) -> int:
    done = subprocess.run([sys.executable, "-c", RUN, str(ARCH), str(workload), str(batch)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def main() -> None:
    workload = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "workloads" / "resnet32_cifar10.yaml"
    batches = [int(b) for b in sys.argv[2:]] or [1, 64, 256]
    from hicsim.budget import ENGINE_BYTES_PER_EVENT, engine_events
    from hicsim.workload import load_workload
    layers = len(load_workload(workload).layers)
    peaks = [peak_bytes(workload, b) for b in batches]
    for b, p in zip(batches, peaks):
        print(f"batch {b:>5}: peak RSS {p / 2**20:8.1f} MiB, {engine_events(layers, b):,} events")
    slope = (peaks[-1] - peaks[0]) / (engine_events(layers, batches[-1]) - engine_events(layers, batches[0]))
    print(f"{workload.name}, {layers} layers: {slope / 1024:.2f} KiB per engine event "
          f"(hicsim.budget plans {ENGINE_BYTES_PER_EVENT / 1024:.0f} KiB), base {peaks[0] / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
