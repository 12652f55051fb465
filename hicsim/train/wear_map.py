"""Per-device wear maps of a training run, in one compressed ``.npz``.

For each weight layer (in network order, names in ``layers``), the counters of training alone
(the initial programming subtracted, as ``wear.training_wear``), each uint32 of shape
(device slot, row, column) — the kernels' layout: slot d = side * slots + s of the weight at
(row, column) of the layer's (inputs, outputs) matrix:

    <layer>/set_pulses, <layer>/reset_pulses, <layer>/write_erase_cycles
    <layer>/binary       (slots,) bool: the slot holds a binary device (else multi-level)
    <layer>/endurance    (slots,) float64: that device's endurance (write-erase cycles)
    steps                the run's training steps

The per-device counters are the devices' own (``CrossbarArray.wear()``); an fp32 run has no
devices and no map.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from hicsim.atomic import write_atomic
from hicsim.train.wear import device_kinds, endurance, training_wear

COUNTERS = ("set_pulses", "reset_pulses", "write_erase_cycles")
FILE = "wear_map.npz"  # in each device run's directory, runs/<rule>_w<width>/


def wear_map(run) -> dict[str, np.ndarray]:
    """The arrays of the file (flat keys, as written)."""
    arrays = {"layers": np.array([l.name for l in run.weight_layers]),
              "steps": np.array(run.steps, np.int64)}
    initial = run.initial_wear
    for layer in run.weight_layers:
        now = layer.store.wear()
        kinds = device_kinds(layer.store)
        for counter in COUNTERS:
            before = np.empty_like(now[counter])
            for kind, mask in (("binary", kinds), ("multilevel", ~kinds)):
                before[mask] = initial[layer.name][f"{kind}.{counter}"]
            arrays[f"{layer.name}/{counter}"] = (now[counter] - before).astype(np.uint32)
        arrays[f"{layer.name}/binary"] = kinds
        arrays[f"{layer.name}/endurance"] = np.array([endurance(layer.store, bool(b)) for b in kinds])
    return arrays


def write_wear_map(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    write_atomic(path, buffer.getvalue())


def read_wear_map(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def layer_maps(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """{layer: {counter: array, 'binary': ..., 'endurance': ...}} in network order."""
    return {str(name): {k: arrays[f"{name}/{k}"] for k in (*COUNTERS, "binary", "endurance")}
            for name in arrays["layers"]}


def most_written(arrays: dict[str, np.ndarray]) -> dict:
    """The device closest to its endurance: layer, (slot, row, column), cycles, endurance, and
    its lifetime at the run's rate of write-erase cycles (steps; ``inf`` if never cycled)."""
    steps, best = int(arrays["steps"]), None
    for name, m in layer_maps(arrays).items():
        fraction = m["write_erase_cycles"] / m["endurance"][:, None, None]
        idx = np.unravel_index(int(np.argmax(fraction)), fraction.shape)
        if best is None or fraction[idx] > best["fraction"]:
            best = dict(layer=name, slot=int(idx[0]), row=int(idx[1]), column=int(idx[2]),
                        cycles=int(m["write_erase_cycles"][idx]),
                        endurance=float(m["endurance"][idx[0]]), fraction=float(fraction[idx]),
                        binary=bool(m["binary"][idx[0]]))
    best["lifetime_steps"] = (best["endurance"] * steps / best["cycles"] if best["cycles"]
                              else float("inf"))
    return best
