"""On-chip training of ResNet-32 on CIFAR-10 (one epoch of 50,000 images): what it costs on the
HIC chip, on the all-multi-level chip, and on the HIC chip with a high-precision accumulator.

    python examples/training_study.py [-o runs/training_study.png] [--batch 64] [--rates DIR]

Programming rates come from one `hicsim train` run per design (see the README), each on the same
spec: the HIC rule on hic_pcm, the mixed-precision rule on pcm_multilevel, and the HIC devices
with a high-precision accumulator (32 bits, 16 of them below a device step: +-32,768 steps).
By default they are the ones measured on ResNet-32 itself (``workloads/rates/resnet32/``: width 1
on the 8x8 digits, per layer by the zoo's layer names, so only the data differ from CIFAR-10);
``--rates workloads/rates`` takes the older ones measured on the digits CNN, which transfer here
per weight (``hicsim.workload.rates``, a modelling assumption). The printed table names the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from hicsim import simulate  # noqa: E402
from hicsim.report.text import si  # noqa: E402
from hicsim.report.training import PHASES  # noqa: E402
from hicsim.spec import load_arch  # noqa: E402
from hicsim.workload import zoo  # noqa: E402
from hicsim.workload.rates import load_rates, with_rates  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RATES = ROOT / "workloads" / "rates" / "resnet32"
DESIGNS = (  # label, spec, overrides, rate file (measured by `hicsim train` on that design)
    ("HIC (8-bit accumulator)", "hic_pcm.yaml", {}, "hic_pcm.yaml"),
    ("multi-level only", "pcm_multilevel.yaml", {}, "pcm_multilevel.yaml"),
    ("HIC, 32-bit accumulator", "hic_pcm.yaml",
     {"tile.accumulator.bits": 32, "tile.accumulator.fraction_bits": 16}, "hic_pcm_acc32.yaml"),
)


def study(batch: int, rates_dir: Path) -> list[dict]:
    base = zoo.build("resnet32_cifar10", batch=batch, dataset_size=50_000)
    rows = []
    for label, spec, overrides, rate_file in DESIGNS:
        rates = rates_dir / rate_file
        workload = with_rates(base, load_rates(rates), str(rates))
        r = simulate(load_arch(ROOT / "arch_specs" / spec, overrides), workload)
        t = r.summary["training"]
        steps = t["steps_per_epoch"]
        shown = rates.relative_to(ROOT) if rates.is_relative_to(ROOT) else rates
        rows.append(dict(design=label, rates=str(shown), step_ms=r.latency_s * 1e3,
                         epoch_s=t["epoch_latency_s"], epoch_J=t["epoch_energy_J"],
                         phase_J={p: e * steps for p, e in t["phase_energy_J"].items()},
                         phase_ms={p: c / r.clock_hz * 1e3 for p, c in t["phase_span_cycles"].items()},
                         pulses=t["programming_pulses_per_epoch"],
                         lifetime_epochs=t["lifetime_epochs"], basis=t["lifetime_basis"]))
    return rows


def plot(rows: list[dict], out: Path) -> None:
    fig, (energy, latency) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    x = range(len(rows))
    names = [r["design"] for r in rows]
    bottom = [0.0] * len(rows)
    for phase in PHASES:
        values = [r["phase_J"].get(phase, 0.0) for r in rows]
        energy.bar(x, values, 0.6, bottom=bottom, label=phase)
        bottom = [b + v for b, v in zip(bottom, values)]
    energy.set_ylabel("energy per epoch (J)")
    energy.set_title("energy by phase (stacked)")
    width = 0.8 / len(PHASES)
    for k, phase in enumerate(PHASES):
        latency.bar([i - 0.4 + (k + 0.5) * width for i in x],
                    [r["phase_ms"].get(phase, 0.0) for r in rows], width, label=phase)
    latency.set_ylabel("span within one step (ms)")
    latency.set_title("phase spans per step (backward and gradient overlap)")
    for ax in (energy, latency):
        ax.set_xticks(list(x), names, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = energy.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(PHASES), frameon=False)
    fig.suptitle("ResNet-32 / CIFAR-10, one epoch of 50,000 images")
    fig.savefig(out, dpi=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=Path("runs") / "training_study.png",
                        help="the plot (default: runs/training_study.png under the current "
                             "directory; its directory is made)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rates", type=Path, default=RATES,
                        help="directory of rate files named as in DESIGNS")
    args = parser.parse_args(argv)
    rows = study(args.batch, args.rates)
    print(f"{'design':<26}{'step ms':>9}{'epoch s':>9}{'epoch J':>9}{'pulses/epoch':>16}"
          f"{'lifetime (epochs)':>24}  rates")
    for r in rows:
        life = f"{r['lifetime_epochs']:.3g} ({r['basis']})" if r["lifetime_epochs"] else "-"
        print(f"{r['design']:<26}{r['step_ms']:>9.2f}{r['epoch_s']:>9.1f}{r['epoch_J']:>9.2f}"
              f"{r['pulses']:>16,.0f}{life:>24}  {r['rates']}")
    print("energy per epoch by phase:")
    for r in rows:
        print(f"  {r['design']:<26}" + ", ".join(f"{p} {si(e, 'J')}" for p, e in r["phase_J"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot(rows, args.out)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
