"""Per-device wear of a training run, and the programming rates the engine reads.

Counters come from the devices (``CrossbarArray.wear()``, per device slot); this module splits
them by device kind (binary / multi-level), subtracts the initial programming (not part of
training), and derives per-layer statistics and per-step rates (``ProgrammingRates``):
set_pulses / reset_pulses count multi-level devices, binary_* count binary ones, and
max_device_write_erase (binary_max_device_write_erase) is the most-cycled multi-level (binary)
device's write-erase cycles per step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hicsim.workload.layers import PEAK_RATES, ProgrammingRates
from hicsim.workload.rates import RatesFile

QUANTILES = (0.5, 0.9, 0.99, 0.999)
HISTOGRAM_BINS = 12
KINDS = ("binary", "multilevel")


def device_kinds(store) -> np.ndarray:
    """Per device slot d (side * slots + s): True where it is a binary device."""
    layout = store.layout
    return np.tile(layout.slot_binary.astype(bool), layout.sides)


def endurance(store, binary: bool) -> float:
    return store.bp.endurance if binary else store.ml.endurance


def wear_counts(store) -> dict[str, np.ndarray]:
    """{'binary.set_pulses': (devices, rows, cols) int64, ...}; empty for a store without devices."""
    if not hasattr(store, "wear"):
        return {}
    kinds = device_kinds(store)
    out = {}
    for counter, arr in store.wear().items():
        for kind, mask in (("binary", kinds), ("multilevel", ~kinds)):
            out[f"{kind}.{counter}"] = arr[mask].astype(np.int64)
    return out


def training_wear(run) -> dict[str, dict[str, np.ndarray]]:
    """Per layer, the counters since the initial programming."""
    return {l.name: {k: v - run.initial_wear[l.name][k] for k, v in wear_counts(l.store).items()}
            for l in run.weight_layers}


def wear_tables(run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(statistics per layer and device kind, histogram of write-erase cycles per device)."""
    stats, hist = [], []
    for layer in run.weight_layers:
        counts = training_wear(run)[layer.name]
        for kind in KINDS:
            cycles = counts.get(f"{kind}.write_erase_cycles")
            if cycles is None or cycles.size == 0:
                continue
            limit = endurance(layer.store, kind == "binary")
            peak = int(cycles.max())
            stats.append(dict(layer=layer.name, device=kind, devices=cycles.size,
                              max_cycles=peak, mean_cycles=float(cycles.mean()),
                              **{f"q{q * 100:g}_cycles": float(np.quantile(cycles, q)) for q in QUANTILES},
                              set_pulses=int(counts[f"{kind}.set_pulses"].sum()),
                              reset_pulses=int(counts[f"{kind}.reset_pulses"].sum()),
                              endurance=limit, endurance_fraction=peak / limit,
                              runs_survived=limit / peak if peak else float("inf")))
            edges = np.unique(np.linspace(0, peak + 1, HISTOGRAM_BINS + 1).astype(np.int64))
            numbers, _ = np.histogram(cycles, bins=edges)
            hist += [dict(layer=layer.name, device=kind, cycles_from=int(lo), cycles_to=int(hi) - 1,
                          devices=int(n)) for lo, hi, n in zip(edges[:-1], edges[1:], numbers)]
    return pd.DataFrame(stats), pd.DataFrame(hist)


def layer_rates(counts: dict[str, np.ndarray], steps: int) -> dict[str, float]:
    total = {k: float(v.sum()) for k, v in counts.items()}
    peak = {k: int(counts[f"{k}.write_erase_cycles"].max(initial=0)) for k in KINDS}
    return dict(set_pulses=total["multilevel.set_pulses"] / steps,
                reset_pulses=total["multilevel.reset_pulses"] / steps,
                binary_set_pulses=total["binary.set_pulses"] / steps,
                binary_reset_pulses=total["binary.reset_pulses"] / steps,
                max_device_write_erase=peak["multilevel"] / steps,
                binary_max_device_write_erase=peak["binary"] / steps)


def rates_file(run, source: str) -> RatesFile:
    """Measured per-step rates of a finished device run, per layer and per weight."""
    wear = training_wear(run)
    steps = max(run.steps, 1)
    per_layer = {name: layer_rates(counts, steps) for name, counts in wear.items()}
    weights = sum(l.weight_count for l in run.weight_layers)
    per_weight = {k: sum(r[k] for r in per_layer.values()) / weights
                  for k in ("set_pulses", "reset_pulses", "binary_set_pulses", "binary_reset_pulses")}
    for key in PEAK_RATES:
        per_weight[key] = max(r[key] for r in per_layer.values())
    return RatesFile(version=1, source=source, batch=run.config.batch,
                     per_weight=ProgrammingRates(**per_weight),
                     per_layer={k: ProgrammingRates(**v) for k, v in per_layer.items()})
