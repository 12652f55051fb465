"""Weight generation on ResNet-18, DenseNet-121 and MobileNetV2: memory reduction, and what it does
to DRAM traffic, energy and latency on the hic_pcm chip (which must stream these networks' weights).

    python examples/generation_study.py [-o generation_study.png]

Each network gets the factorisation that suits its layers (see SETTINGS): DenseNet's 3x3 convs have
only 32 output channels, so Bo = 32 would not factorise them; MobileNetV2 is mostly 1x1 and
depthwise convolutions, so pointwise layers must be generated for generation to matter at all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from hicsim import simulate  # noqa: E402
from hicsim.generation.memory import network_memory  # noqa: E402
from hicsim.hardware.model import build_hardware  # noqa: E402
from hicsim.mapping import map_workload  # noqa: E402
from hicsim.spec import load_arch  # noqa: E402
from hicsim.workload import load_workload  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "arch_specs" / "hic_pcm_generation.yaml"
SETTINGS = {
    "resnet18_imagenet": {},
    "densenet121_imagenet": {"generation.factorisation.bo": 8, "generation.direct": ["classifier"]},
    "mobilenetv2_imagenet": {"generation.factorisation.bo": 16,
                             "generation.direct": ["depthwise", "classifier"]},
}


def study(name: str, overrides: dict) -> dict:
    workload = load_workload(ROOT / "workloads" / f"{name}.yaml")
    arch = load_arch(SPEC, {**overrides, "chip.weight_residency": "streamed"})
    plans = map_workload(build_hardware(arch), workload).generation
    mem = network_memory(plans, workload.weight_bits)
    with_unit = simulate(arch, workload)
    without = simulate(load_arch(SPEC, {**overrides, "chip.weight_residency": "streamed",
                                        "generation.enabled": False}), workload)
    dram = lambda r: r.summary["bytes_by_level"].get("dram.read", 0)  # noqa: E731
    return dict(network=name, weights_MB=mem.crossbar_bytes / 1e6, stored_MB=mem.stored_bytes / 1e6,
                vs_8bit=mem.crossbar_ratio, vs_fp32=mem.fp32_ratio,
                generated=sum(not p.direct for p in plans.values()), layers=len(plans),
                dram_MB=(dram(without) / 1e6, dram(with_unit) / 1e6),
                energy_mJ=(without.energy_J * 1e3, with_unit.energy_J * 1e3),
                latency_ms=(without.latency_s * 1e3, with_unit.latency_s * 1e3))


def plot(rows: list[dict], out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), constrained_layout=True)
    names = [r["network"].replace("_imagenet", "") for r in rows]
    x = range(len(rows))
    for ax, key, label in zip(axes, ("dram_MB", "energy_mJ", "latency_ms"),
                              ("DRAM reads per inference (MB)", "energy per inference (mJ)",
                               "latency per inference (ms)")):
        ax.bar([i - 0.2 for i in x], [r[key][0] for r in rows], 0.4, label="weights from DRAM")
        ax.bar([i + 0.2 for i in x], [r[key][1] for r in rows], 0.4, label="generated on chip")
        ax.set_xticks(list(x), names)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    fig.suptitle("hic_pcm, weights streamed per inference: with and without the generation unit")
    fig.savefig(out, dpi=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default="generation_study.png")
    args = parser.parse_args(argv)
    rows = [study(name, overrides) for name, overrides in SETTINGS.items()]
    print(f"{'network':<22}{'generated':>10}{'8-bit MB':>10}{'stored MB':>10}{'vs 8-bit':>9}"
          f"{'vs FP32':>9}{'DRAM MB':>16}{'energy mJ':>16}{'latency ms':>16}")
    for r in rows:
        pair = lambda v: f"{v[0]:.2f} -> {v[1]:.2f}"  # noqa: E731
        print(f"{r['network']:<22}{r['generated']:>5}/{r['layers']:<4}{r['weights_MB']:>10.2f}"
              f"{r['stored_MB']:>10.2f}{r['vs_8bit']:>8.1f}x{r['vs_fp32']:>8.1f}x"
              f"{pair(r['dram_MB']):>16}{pair(r['energy_mJ']):>16}{pair(r['latency_ms']):>16}")
    plot(rows, Path(args.out))
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
