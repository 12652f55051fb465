"""Chip area by component: as the spec gives it, else a component model; what neither covers
is listed (so a reader knows the total is a lower bound)."""

from __future__ import annotations

from hicsim.costs.adc import adc_area_each, adc_count
from hicsim.costs.dac import dac_area_each
from hicsim.costs.memory import level_area
from hicsim.hardware.memory import memory_hierarchy
from hicsim.spec.arch import Arch


def area_breakdown(arch: Arch) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """(chip area by component in m^2, the source of each, components with no area)."""
    t, c, n = arch.tile, arch.chip, arch.chip.tiles
    area: dict[str, float] = {}
    source: dict[str, str] = {}
    missing: list[str] = []

    def put(name: str, each, count: float, src: str = "spec") -> None:
        if each is None:
            missing.append(name)
        else:
            area[name] = area.get(name, 0.0) + each * count
            source[name] = src

    xbar = t.crossbar.area
    if xbar is None:
        cells = [arch.devices[d].area for d in set(t.weights.device_names())]
        xbar = None if None in cells else max(cells) * t.crossbar.rows * t.crossbar.cols
    put("crossbar", xbar, n * t.crossbars)
    dacs = t.dac.count or t.crossbar.rows
    each, src = dac_area_each(t.dac, arch.technology)
    put("dac", each, n * t.crossbars * dacs, src)
    adcs = adc_count(arch)
    each, src = adc_area_each(t.adc, arch.technology.node)
    put("adc", each, adcs, src)
    converted = t.crossbars * t.crossbar.cols * n  # one S&H per column
    put("sample_hold", t.sample_hold.area, converted)
    put("shift_add", t.shift_add.area, n * t.crossbars)
    memory = memory_hierarchy(arch)
    for level in memory.levels:  # on-chip levels, each instance
        on_chip = level_area(level, arch.technology)
        if on_chip is not None:
            put(level.name, on_chip[0], memory.count(level), on_chip[1])
    put("vector_unit", c.vector_unit.area, 1)
    attention = c.activation_matmul  # a matrix unit, or crossbars written at run time (arrays)
    if attention.unit == "matrix_unit":
        put("matrix_unit", attention.matrix_unit.area, 1)
    elif attention.unit == "crossbars":
        put("runtime_crossbars", xbar, attention.crossbars.crossbars)
    if t.area is not None:
        put("tile_logic", t.area, n)
    if arch.generation is not None:
        put("generation_unit", arch.generation.area, 1)
        for level in memory.private:  # the unit's basis buffer
            each, src = level_area(level, arch.technology)
            put(level.name, each, 1, src)
    for name, part in arch.fixed.items():
        put(name, part.area, part.count * (n if part.per == "tile" else 1), part.source)
    return area, source, missing


def chip_area(arch: Arch) -> tuple[float, list[str]]:
    """(area in m^2, components without an area)."""
    area, _, missing = area_breakdown(arch)
    return sum(area.values()), missing
