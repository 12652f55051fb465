"""Each device's mean conductance under the spec's weight representation, for a layer's weight
distribution (``workload.weight_stats``): the exact share of its conductance range above the low
state, averaged over the layer's weights and over both devices of a differential pair.

The codes of the distribution are encoded with the functional model's own encoding
(``devices.encode.slot_targets``: HIC binary bits and multi-level remainder, bit-sliced digits,
one multi-level cell; sign as a differential pair or an offset) at w_max = max|w|: the
devices' target conductances, without programming noise. A differential
pair holds each magnitude on one side and leaves the other at the low state; an offset scheme
holds w + w_max on its single side.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from hicsim.devices.encode import slot_targets
from hicsim.devices.layout import build_layout
from hicsim.hardware.weights import weight_representation
from hicsim.spec.arch import Arch
from hicsim.workload.weight_stats import WeightStats


def device_shares(arch: Arch, stats: WeightStats) -> dict[str, float]:
    """Device name -> mean share of its conductance range above the low state, over every
    device of that name holding the layer's weights."""
    layout, ml, bp = build_layout(arch, 1.0)
    counts = np.asarray(stats.histogram, dtype=np.float64)
    held = counts > 0
    _, _, targets = slot_targets(layout, ml, bp, stats.values()[held][None, :])
    weights = counts[held] / counts.sum()
    span = np.where(layout.slot_binary == 1, bp.g_on - bp.g_off, ml.g_range)
    per_slot = ((targets[:, 0, :] - layout.slot_g_zero[:, None]) / span[:, None]) @ weights
    per_slot /= layout.sides  # the idle side of a differential pair sits at the low state
    by_name: dict[str, list[float]] = defaultdict(list)
    for name, share in zip(weight_representation(arch.tile.weights).device_names, per_slot):
        by_name[name].append(float(share))
    return {name: sum(shares) / len(shares) for name, shares in by_name.items()}
