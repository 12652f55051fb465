"""A memory level's energy per byte, leakage and area, by its kind. SRAM: as the spec gives them,
else the CACTI 7.0 SRAM table (``components.memory``) at the level's capacity, its port width
(bytes per cycle per port) and the spec's technology node. DRAM: the spec's energy per byte, or
the published figure of its ``standard`` (``components.dram``); it is off chip, so no leakage or
area on the chip's account. A new kind of level adds its case here."""

from __future__ import annotations

from typing import Optional

from hicsim.components import Sram, dram_energy_per_byte, sram
from hicsim.hardware.memory import MemoryLevel
from hicsim.spec.memory import DramLevel
from hicsim.spec.physical import Technology

MODEL = "model: CACTI 7.0 SRAM table (itrs-lstp), capacity x port width x node"


def _given(value, model: float) -> tuple[float, str]:
    return (model, MODEL) if value is None else (value, "spec")


def _sram(level: MemoryLevel, tech: Technology) -> Sram:
    return sram(level.capacity, round(level.bytes_per_cycle * 8, 6), tech.node)


def buffer_energy(level: MemoryLevel, tech: Technology) -> dict[str, tuple[float, str]]:
    """Joules per byte read and written at an SRAM level, with their sources."""
    s, mem = _sram(level, tech), level.spec
    return {"read_bytes": _given(mem.read_energy, 8 * s.read_J_per_bit),
            "write_bytes": _given(mem.write_energy, 8 * s.write_J_per_bit)}


def dram_energy(dram: DramLevel) -> tuple[float, str]:
    """Joules per byte: as given, else the published figure of the DRAM's standard."""
    if dram.energy is not None:
        return dram.energy, "spec"
    return dram_energy_per_byte(dram.standard), f"model: {dram.standard} published pJ/bit (components.dram)"


def level_energy(level: MemoryLevel, tech: Technology) -> dict[str, tuple[float, str]]:
    """Joules per byte read and written at ``level``, with their sources."""
    if isinstance(level.spec, DramLevel):
        return {"read_bytes": dram_energy(level.spec), "write_bytes": dram_energy(level.spec)}
    return buffer_energy(level, tech)


def level_leakage(level: MemoryLevel, tech: Technology) -> Optional[tuple[float, str]]:
    """Static power of one instance of ``level`` on the chip (None: not on the chip)."""
    if level.off_chip:
        return None
    return _given(level.spec.leakage, _sram(level, tech).leakage_W)


def level_area(level: MemoryLevel, tech: Technology) -> Optional[tuple[float, str]]:
    """Chip area of one instance of ``level`` (None: not on the chip)."""
    if level.off_chip:
        return None
    return _given(level.spec.area, _sram(level, tech).area_m2)
