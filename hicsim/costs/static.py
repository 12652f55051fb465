"""Static power by component: leakage of the buffers (spec or SRAM model) and the power of the
parts hicsim counts no actions for (``arch.fixed``: routers, registers, chip I/O). Static
energy is this power times the simulated time, booked as its own category."""

from __future__ import annotations

from hicsim.costs.memory import buffer_leakage
from hicsim.spec.arch import Arch


def static_power(arch: Arch) -> tuple[dict[str, float], dict[str, str]]:
    """(chip static power by component in watts, the source of each)."""
    n, tech = arch.chip.tiles, arch.technology
    power: dict[str, float] = {}
    source: dict[str, str] = {}
    buffers = [("local_buffer", arch.tile.local_buffer, n), ("global_buffer", arch.chip.global_buffer, 1)]
    if arch.generation is not None:
        buffers.append(("basis_buffer", arch.generation.basis_buffer, 1))
    for name, mem, count in buffers:
        watts, src = buffer_leakage(mem, tech)
        power[name], source[name] = watts * count, src
    for name, part in arch.fixed.items():
        power[name] = part.power * part.count * (n if part.per == "tile" else 1)
        source[name] = part.source
    return power, source
