"""On-chip links: energy per bit per hop from the wire a hop drives.

A full-swing wire of capacitance C draws C V^2 from the supply on each 0 -> 1 transition; on
uncorrelated, equally likely bits a wire makes such a transition on a quarter of the bits
(switching activity 1/4: Rabaey, Chandrakasan and Nikolic, Digital Integrated Circuits, 2nd ed.,
ch. 5), so one bit over one hop costs C' L V^2 / 4 with C' the wire's capacitance per length and
L the hop's length. C' = 0.2 fF/um (assumption: the order of a repeated intermediate-layer wire
across nodes 90 to 14 nm; no source in REFERENCE.md). Routers and repeaters are not in it: a
spec whose routers draw power lists them as fixed parts.
"""

from __future__ import annotations

WIRE_F_PER_M = 0.2e-15 / 1e-6  # assumption, see the module docstring
ACTIVITY = 0.25


def link_energy_per_bit(length_m: float, vdd: float) -> float:
    """Joules per bit over one hop of ``length_m`` at ``vdd``."""
    return ACTIVITY * WIRE_F_PER_M * length_m * vdd * vdd
