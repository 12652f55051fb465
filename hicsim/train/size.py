"""Inference model size. Definition: bits per weight = devices per weight x the bits each device
stores, a binary device 1 bit and a multi-level device log2(levels) bits; a differential pair
counts both sides (its devices exist on chip whichever side holds the weight). FP32 is 32 bits.
The all-multi-level baseline is one multi-level device of the same spec per sign side (the
representation of arch_specs/pcm_multilevel.yaml)."""

from __future__ import annotations

import math

import pandas as pd

from hicsim.devices.layout import build_layout

FP32_BITS = 32


def representation_bits(arch) -> tuple[str, int, float]:
    """(representation, devices per weight, bits per weight) of ``arch.tile.weights``."""
    layout, ml, _ = build_layout(arch, 1.0)
    per_side = sum(1.0 if b else math.log2(layout.cell_levels) for b in layout.slot_binary)
    return arch.tile.weights.representation, layout.devices, layout.sides * per_side


def multilevel_baseline_bits(arch) -> tuple[str, int, float]:
    layout, ml, _ = build_layout(arch, 1.0)
    return "multilevel (baseline)", layout.sides, layout.sides * math.log2(ml.levels)


def size_table(arch, weights_by_width: dict[float, int]) -> pd.DataFrame:
    reps = [representation_bits(arch), multilevel_baseline_bits(arch), ("fp32", 1, FP32_BITS)]
    rows = [dict(width=w, representation=name, devices_per_weight=devices, bits_per_weight=bits,
                 weights=n, megabits=n * bits / 1e6)
            for w, n in weights_by_width.items() for name, devices, bits in reps]
    return pd.DataFrame(rows)
