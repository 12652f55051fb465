"""SRAM buffers: energy per bit accessed, leakage and area as functions of capacity and node.

Energy: Horowitz (ISSCC 2014, 45 nm) gives a 64-bit cache access at 10 pJ for 8 KB, 20 pJ for
32 KB and 100 pJ for 1 MB: energy per access grows as the square root of capacity (the wires of
a square array grow with its side), E_bit = 0.156 pJ * sqrt(capacity / 8 KiB) at 45 nm, which
matches the 8 KB and 32 KB points exactly and the 1 MB point within 13 %. Scaled to other nodes
by ``digital.node_scale``.

Area: a 6T cell of 0.346 um^2 at 45 nm (Intel's 45 nm process, Mistry et al., IEDM 2007), i.e.
171 F^2, over an array efficiency of 0.7 (assumption: decoders, sense amplifiers and wiring take
the remaining 30 %).

Leakage: 50 pW per bit at 45 nm and 0.9 V, scaled with the node like energy (assumption: no
source in REFERENCE.md gives SRAM leakage; it grows with the number of cells, which is the
property the model guarantees).
"""

from __future__ import annotations

import math

from hicsim.components.digital import node_scale

_HOROWITZ_BIT_J = 10e-12 / 64  # 8 KB, 64-bit access, 45 nm
_HOROWITZ_BYTES = 8 * 1024
_CELL_F2 = 0.346e-12 / (45e-9) ** 2  # Mistry IEDM 2007: 0.346 um^2 at 45 nm
ARRAY_EFFICIENCY = 0.7  # assumption
LEAKAGE_PER_BIT_45NM_W = 50e-12  # assumption


def sram_energy_per_bit(capacity_bytes: float, node_m: float, vdd: float) -> float:
    """Joules per bit read or written."""
    return _HOROWITZ_BIT_J * math.sqrt(capacity_bytes / _HOROWITZ_BYTES) * node_scale(node_m, vdd)


def sram_area(capacity_bytes: float, node_m: float) -> float:
    """Square metres of an SRAM of ``capacity_bytes``."""
    return capacity_bytes * 8 * _CELL_F2 * node_m ** 2 / ARRAY_EFFICIENCY


def sram_leakage(capacity_bytes: float, node_m: float, vdd: float) -> float:
    """Watts of leakage of an SRAM of ``capacity_bytes``."""
    return capacity_bytes * 8 * LEAKAGE_PER_BIT_45NM_W * node_scale(node_m, vdd)
