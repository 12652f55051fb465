"""Chip area from the areas a spec gives, and the list of what it leaves out."""

from __future__ import annotations

import math

from hicsim.spec.arch import Arch


def chip_area(arch: Arch) -> tuple[float | None, list[str]]:
    """(area in m^2, components without an area). None when the spec gives no area at all."""
    t, c = arch.tile, arch.chip
    missing: list[str] = []

    def part(value, count, label):
        if value is None:
            missing.append(label)
            return 0.0
        return value * count

    xbar = t.crossbar.area
    if xbar is None:
        cells = [arch.devices[n].area for n in set(t.weights.device_names())]
        xbar = None if None in cells else max(cells) * t.crossbar.rows * t.crossbar.cols
    adcs = t.adc.count if t.adc.count else t.crossbars * math.ceil(t.crossbar.cols / t.adc.columns_per_adc)
    dacs = t.dac.count or t.crossbar.rows
    tile = (part(xbar, t.crossbars, "crossbar") + part(t.dac.area, t.crossbars * dacs, "dac")
            + part(t.adc.area, adcs, "adc") + part(t.shift_add.area, t.crossbars, "shift_add")
            + part(t.local_buffer.area, 1, "local_buffer") + part(t.area, 1, "tile logic"))
    total = (tile * c.tiles + part(c.global_buffer.area, 1, "global_buffer")
             + part(c.vector_unit.area, 1, "vector_unit"))
    everything = ["crossbar", "dac", "adc", "shift_add", "local_buffer", "tile logic",
                  "global_buffer", "vector_unit"]
    if len(missing) == len(everything):
        return None, missing
    return total, missing
