"""An SRAM buffer's spec: capacity, port bandwidth, per-byte access energies, leakage and area
(each omitted one from the CACTI-style SRAM model in ``hicsim.components.memory``)."""

from __future__ import annotations

from typing import Optional

from hicsim.spec.quantities import AreaOrZero, Bandwidth, Bytes, EnergyPerByte, PowerOrZero, Strict


class Memory(Strict):
    """An SRAM buffer: capacity, port bandwidth and per-byte access energies."""

    capacity: Bytes
    bandwidth: Bandwidth
    read_energy: Optional[EnergyPerByte] = None
    write_energy: Optional[EnergyPerByte] = None
    leakage: Optional[PowerOrZero] = None
    area: Optional[AreaOrZero] = None
