"""Off-chip DRAM: energy per bit moved, by memory standard, as published (device access plus
interface), for a spec that names its DRAM's kind instead of an energy.

The figures are those Accelergy's CACTI plug-in (Accelergy-Project/hwcomponents-cacti, ``DRAM``
model) tabulates with their sources: DDR3 70 pJ/bit (Chatterjee et al., MICRO 2017), LPDDR
40 pJ/bit (Malladi et al., ISCA 2012), LPDDR4 8 pJ/bit (vendor data, as given there), GDDR5
14 pJ/bit and HBM2 3.9 pJ/bit (O'Connor et al., MICRO 2017), HMC 4.2 pJ/bit (ASPLOS 2017, as cited
there). Horowitz (ISSCC 2014) gives 1.3-2.6 nJ per 64-bit DDR access, 20-40 pJ/bit.
"""

from __future__ import annotations

PJ_PER_BIT = {"ddr3": 70.0, "lpddr": 40.0, "lpddr4": 8.0, "gddr5": 14.0, "hbm2": 3.9, "hmc": 4.2}


def dram_energy_per_byte(kind: str) -> float:
    """Joules per byte read or written from a DRAM of ``kind``."""
    return PJ_PER_BIT[kind] * 8e-12
