"""Static power by component: leakage of the buffers (spec or SRAM model) and the power of the
parts hicsim counts no actions for (``arch.fixed``: routers, registers, chip I/O). Static
energy is this power times the simulated time, booked as its own category."""

from __future__ import annotations

from hicsim.costs.memory import level_leakage
from hicsim.hardware.memory import memory_hierarchy
from hicsim.spec.arch import Arch


def static_power(arch: Arch) -> tuple[dict[str, float], dict[str, str]]:
    """(chip static power by component in watts, the source of each)."""
    n, tech = arch.chip.tiles, arch.technology
    power: dict[str, float] = {}
    source: dict[str, str] = {}
    memory = memory_hierarchy(arch)
    for level in memory:  # every on-chip level, each instance
        leak = level_leakage(level, tech)
        if leak is not None:
            power[level.name], source[level.name] = leak[0] * memory.count(level), leak[1]
    for name, part in arch.fixed.items():
        power[name] = part.power * part.count * (n if part.per == "tile" else 1)
        source[name] = part.source
    return power, source
