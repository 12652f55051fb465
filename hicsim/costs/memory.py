"""A memory level's energy per byte, leakage and area, by its kind. SRAM: as the spec gives them,
else the SRAM model (``components.memory``: Horowitz's cache energies, a 45 nm cell area,
node-scaled). DRAM: the spec's energy per byte; it is off chip, so no leakage or area on the
chip's account. A new kind of level adds its case here."""

from __future__ import annotations

from typing import Optional

from hicsim.components import sram_area, sram_energy_per_bit, sram_leakage
from hicsim.hardware.memory import MemoryLevel
from hicsim.spec.memory import DramLevel, Memory
from hicsim.spec.physical import Technology

MODEL_ENERGY = "model: SRAM sqrt(capacity) fit to Horowitz ISSCC 2014"
MODEL_AREA = "model: SRAM 6T cell area (Mistry IEDM 2007) / 0.7 array efficiency"
MODEL_LEAK = "model: SRAM 50 pW/bit at 45 nm (assumption)"


def _given(value, model: float, label: str) -> tuple[float, str]:
    return (model, label) if value is None else (value, "spec")


def buffer_energy(mem: Memory, tech: Technology) -> dict[str, tuple[float, str]]:
    """Joules per byte read and written, with their sources."""
    per_byte = 8 * sram_energy_per_bit(mem.capacity, tech.node, tech.vdd)
    return {"read_bytes": _given(mem.read_energy, per_byte, MODEL_ENERGY),
            "write_bytes": _given(mem.write_energy, per_byte, MODEL_ENERGY)}


def buffer_leakage(mem: Memory, tech: Technology) -> tuple[float, str]:
    return _given(mem.leakage, sram_leakage(mem.capacity, tech.node, tech.vdd), MODEL_LEAK)


def buffer_area(mem: Memory, tech: Technology) -> tuple[float, str]:
    return _given(mem.area, sram_area(mem.capacity, tech.node), MODEL_AREA)


def level_energy(level: MemoryLevel, tech: Technology) -> dict[str, tuple[float, str]]:
    """Joules per byte read and written at ``level``, with their sources."""
    if isinstance(level.spec, DramLevel):
        return {"read_bytes": (level.spec.energy, "spec"), "write_bytes": (level.spec.energy, "spec")}
    return buffer_energy(level.spec, tech)


def level_leakage(level: MemoryLevel, tech: Technology) -> Optional[tuple[float, str]]:
    """Static power of one instance of ``level`` on the chip (None: not on the chip)."""
    if level.off_chip:
        return None
    return buffer_leakage(level.spec, tech)


def level_area(level: MemoryLevel, tech: Technology) -> Optional[tuple[float, str]]:
    """Chip area of one instance of ``level`` (None: not on the chip)."""
    if level.off_chip:
        return None
    return buffer_area(level.spec, tech)
