"""Tables (CSV), the measured rates (YAML) and a short text summary of a training study."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from hicsim.atomic import write_atomic
from hicsim.train.drift import TIMES
from hicsim.train.run import RunConfig
from hicsim.train.size import FP32_BITS, multilevel_baseline_bits, representation_bits, size_table
from hicsim.workload.rates import RatesFile, load_rates

YEAR_LABEL = "1 year"


@dataclass
class RunResult:
    config: RunConfig
    history: list[dict]
    steps: int
    weights: int
    drift: pd.DataFrame
    wear: pd.DataFrame | None
    wear_histogram: pd.DataFrame | None
    rates: RatesFile | None
    most_written: dict | None = None  # wear_map.most_written: the device closest to endurance

    @property
    def final_accuracy(self) -> float:
        return self.history[-1]["test_accuracy"]

    def drift_accuracy(self, label: str, compensation: bool) -> float:
        d = self.drift
        return float(d[(d.time == label) & (d.compensation == compensation)].accuracy.iloc[0])


def _tagged(result: RunResult, table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(rule=result.config.rule, width=result.config.width)[
        ["rule", "width", *table.columns]]


def write_rates(path: Path, rates: RatesFile) -> None:
    body = yaml.safe_dump(rates.model_dump(exclude_none=True), sort_keys=False)
    write_atomic(path, "# measured by hicsim train (per step = one batch)\n" + body)
    load_rates(path)  # the engine must be able to read what we wrote


def write_results(study, results: list[RunResult]) -> None:
    out = study.out
    out.mkdir(parents=True, exist_ok=True)
    accuracy = pd.concat([_tagged(r, pd.DataFrame(r.history)) for r in results])
    drift = pd.concat([_tagged(r, r.drift) for r in results])
    widths = {r.config.width: r.weights for r in results}
    sizes = size_table(study.arch, widths)
    finals = pd.DataFrame([_final_row(study.arch, r) for r in results])
    tables = {"accuracy.csv": accuracy, "drift.csv": drift, "model_size.csv": sizes,
              "final.csv": finals}
    device_runs = [r for r in results if r.wear is not None]
    if device_runs:
        tables["wear.csv"] = pd.concat([_tagged(r, r.wear) for r in device_runs])
        tables["wear_histogram.csv"] = pd.concat([_tagged(r, r.wear_histogram) for r in device_runs])
    for name, table in tables.items():
        write_atomic(out / name, table.to_csv(index=False))
    for r in device_runs:
        write_rates(out / "runs" / r.config.tag / "rates.yaml", r.rates)
    if device_runs:
        write_rates(out / "rates.yaml", device_runs[0].rates)
    write_atomic(out / "summary.txt", summary_text(study, results, finals))


def _final_row(arch, r: RunResult) -> dict:
    bits = FP32_BITS if r.config.rule == "fp32" else representation_bits(arch)[2]
    row = dict(rule=r.config.rule, width=r.config.width, weights=r.weights, bits_per_weight=bits,
               megabits=r.weights * bits / 1e6, test_accuracy=r.final_accuracy, steps=r.steps)
    for comp in (False, True):
        row[f"accuracy_1y_{'compensated' if comp else 'raw'}"] = r.drift_accuracy(YEAR_LABEL, comp)
    if r.wear is not None and len(r.wear):
        peak = r.wear.loc[r.wear.endurance_fraction.idxmax()]
        row.update(max_cycles=int(peak.max_cycles), max_cycles_device=peak.device,
                   endurance_fraction=float(peak.endurance_fraction),
                   runs_survived=float(peak.runs_survived))
    if r.most_written is not None:
        m = r.most_written
        row.update(most_written_layer=m["layer"], most_written_slot=m["slot"],
                   most_written_row=m["row"], most_written_column=m["column"],
                   lifetime_steps=m["lifetime_steps"],
                   lifetime_epochs=m["lifetime_steps"] * r.config.epochs / max(r.steps, 1),
                   lifetime_chip_s=m["lifetime_steps"] * r.config.step_time)
    return row


def summary_text(study, results: list[RunResult], finals: pd.DataFrame) -> str:
    c = study.config
    name, devices, bits = representation_bits(study.arch)
    _, ml_devices, ml_bits = multilevel_baseline_bits(study.arch)
    lines = [f"hicsim train: {c.model} on {c.dataset}, {c.epochs} epochs, batch {c.batch}, "
             f"lr {c.lr}, momentum {c.momentum}, seed {c.seed}",
             f"command: {study.command}",
             "chip time per training step (device clock): " + ", ".join(
                 f"{r.config.tag} {r.config.step_time:.4g} s" for r in results), "",
             "final test accuracy (inference model programmed on fresh devices in drift.csv):"]
    for r in results:
        f = finals[(finals.rule == r.config.rule) & (finals.width == r.config.width)].iloc[0]
        lines.append(f"  {r.config.rule:<16} width {r.config.width:<5g} {r.final_accuracy:.4f}   "
                     f"{f.weights:>8,d} weights, {f.megabits:.4f} Mb at {f.bits_per_weight:g} b/weight")
    lines += ["", f"model size: {name} {bits:g} bits/weight ({devices} devices), all-multi-level "
              f"baseline {ml_bits:g} bits/weight ({ml_devices} devices), fp32 {FP32_BITS} bits: "
              f"{name} / fp32 = {bits / FP32_BITS:.3f}, {name} / multi-level = {bits / ml_bits:.3f}",
              "", "test accuracy after drift (mean of programmings; raw -> compensated):"]
    for r in results:
        cells = ", ".join(f"{label} {r.drift_accuracy(label, False):.3f}->{r.drift_accuracy(label, True):.3f}"
                          for label, _ in TIMES)
        lines.append(f"  {r.config.rule:<16} width {r.config.width:<5g} {cells}")
    wear_rows = finals.dropna(subset=["max_cycles"]) if "max_cycles" in finals else finals.iloc[:0]
    if len(wear_rows):
        lines += ["", "write-erase cycles of the most-cycled device in one training run:"]
        for _, f in wear_rows.iterrows():
            lines.append(f"  {f.rule:<16} width {f.width:<5g} {int(f.max_cycles)} cycles "
                         f"({f.max_cycles_device}), {f.endurance_fraction:.3g} of endurance, "
                         f"{f.runs_survived:.3g} runs survived")
            if "lifetime_steps" in f and pd.notna(f.lifetime_steps):
                chip = (f", {f.lifetime_chip_s:.3g} s of chip time" if f.lifetime_chip_s > 0
                        else "")
                lines.append(f"  {'':<16} {'':<11} most-written device: {f.most_written_layer} "
                             f"slot {int(f.most_written_slot)} row {int(f.most_written_row)} column "
                             f"{int(f.most_written_column)}; at this run's rate it reaches its "
                             f"endurance after {f.lifetime_steps:.3g} steps = "
                             f"{f.lifetime_epochs:.3g} epochs{chip}")
    lines += ["", "tables: accuracy.csv final.csv model_size.csv drift.csv wear.csv "
              "wear_histogram.csv; rates: rates.yaml (runs/<rule>_w<width>/rates.yaml per run); "
              "per-device wear: runs/<rule>_w<width>/wear_map.npz (hicsim plot DIR --kind wear_map)"]
    return "\n".join(lines) + "\n"
