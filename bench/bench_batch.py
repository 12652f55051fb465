"""Engine cost against the batch: `python bench/bench_batch.py [--batches B ...] [--waves N|null]`.

ResNet-152 ImageNet (60 M weights) on hic_pcm: inference (streamed: the network does not fit 64
tiles) and a training step (resident, with ``chip.tiles=1248``), at batch 1, 16 and 256. Each run
is a fresh process, so its peak RSS is its own; it prints the engine's events, the engine's wall
and CPU time (``run_engine`` alone: the spec, workload and mapping are built before the clock
starts) and the process's peak RSS. With ``--waves 16`` (this bench's default; the spec's
default, null, is sample by sample) a batch runs as at most 16 flow-line waves, so events stop
growing with the batch beyond 16 samples; ``--waves null`` runs every sample on its own (events
linear in the batch). Each waves row prints the conflicts the engine counted
(``hicsim/engine/waves.py``: none means the cycles are those of samples on their own); with
``--per-sample training`` (the default) or ``all`` the same row also runs sample by sample in a
process of its own and prints the waves' deviation in cycles from it (the batch-256 training
step sample by sample takes about 150 s of CPU). A plain script: timings depend on the machine
and its load, so it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCH = ROOT / "arch_specs" / "hic_pcm.yaml"
WORKLOAD = ROOT / "workloads" / "resnet152_imagenet.yaml"
RATES = ROOT / "workloads" / "rates" / "hic_pcm.yaml"
TRAINING_TILES = 1248  # enough tiles to hold ResNet-152's weights (training needs them resident)

RUN = """
import resource, sys, time
from hicsim.engine.run import run_engine
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.spec import load_arch
from hicsim.workload import load_workload
from hicsim.workload.rates import load_rates, with_rates
arch, workload, rates, batch, tiles, waves = sys.argv[1:7]
overrides = {"mapping.waves": None if waves == "null" else int(waves)}
if tiles != "0":
    overrides["chip.tiles"] = int(tiles)
hw = build_hardware(load_arch(arch, overrides))
wl = load_workload(workload, {"batch": int(batch)})
if rates != "-":
    wl = with_rates(wl, load_rates(rates), rates)
mapping = map_workload(hw, wl)
wall, cpu = time.perf_counter(), time.process_time()
r = run_engine(hw, wl, mapping)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(r.events, r.cycles, wall, cpu, peak, mapping.mode, r.conflicts)
"""


def run(batch: int, training: bool, waves: str) -> list[str]:
    argv = [sys.executable, "-c", RUN, str(ARCH), str(WORKLOAD), str(RATES) if training else "-",
            str(batch), str(TRAINING_TILES if training else 0), waves]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 256])
    parser.add_argument("--waves", default="16", help="mapping.waves (null: one per sample)")
    parser.add_argument("--per-sample", choices=["none", "training", "all"], default="training",
                        help="which rows also run sample by sample, for the waves' deviation")
    args = parser.parse_args()
    print(f"== ResNet-152 ImageNet on hic_pcm, mapping.waves {args.waves}; one process per row")
    print(f"{'phase':10}{'batch':>6}{'mode':>10}{'events':>12}{'cycles':>17}{'engine wall':>13}"
          f"{'engine CPU':>12}{'peak RSS':>11}{'conflicts':>11}  vs sample by sample")
    for training in (False, True):
        phase = "training" if training else "inference"
        for batch in args.batches:
            rows = [run(batch, training, args.waves)]
            if args.waves != "null" and args.per_sample in ("all", phase):
                rows.append(run(batch, training, "null"))
            for k, (events, cycles, wall, cpu, peak, mode, conflicts) in enumerate(rows):
                label = phase if k == 0 else "  alone"
                versus = ""
                if k == 0 and len(rows) > 1:
                    exact = int(rows[1][1])
                    versus = f"  {(int(cycles) - exact) / exact:+.2%} cycles"
                print(f"{label:10}{batch:>6}{mode:>10}{int(events):>12,}{int(cycles):>17,}"
                      f"{float(wall):>12.2f}s{float(cpu):>11.2f}s{int(peak) / 2**20:>8.0f} MiB"
                      f"{int(conflicts):>11,}{versus}")
    print(f"training: chip.tiles={TRAINING_TILES}, rates {RATES.relative_to(ROOT)}; "
          "engine = run_engine alone; peak RSS = the whole process (imports included); "
          "alone: the same row sample by sample (mapping.waves=null)")


if __name__ == "__main__":
    main()
