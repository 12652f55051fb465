"""An SRAM buffer's spec: capacity, port bandwidth, per-byte access energies (and area)."""

from __future__ import annotations

from typing import Optional

from hicsim.spec.quantities import Area, Bandwidth, Bytes, EnergyPerByte, Strict


class Memory(Strict):
    """An SRAM buffer: capacity, port bandwidth and per-byte access energies."""

    capacity: Bytes
    bandwidth: Bandwidth
    read_energy: EnergyPerByte
    write_energy: EnergyPerByte
    area: Optional[Area] = None
