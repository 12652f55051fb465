"""Digital-to-analog converters driving crossbar rows: energy per conversion and area as
functions of resolution and technology node.

Anchor: ISAAC's 1-bit DAC (Shafiee et al., ISCA 2016, Table I, 32 nm): 8 x 128 DACs per IMA draw
4 mW together and take 0.00017 mm^2, one conversion per 100 ns each, so one conversion costs
4 mW / 1024 x 100 ns = 0.390625 pJ and one DAC takes 0.166 um^2.

Resolution: an N-bit DAC is a binary-weighted array (capacitive or current-steering) whose
switched capacitance and unit elements double with each bit, so energy and area scale as
2^(N - 1) from the 1-bit point. This is the resolution rule CiMLoop's component library applies
to ISAAC's DAC (Andrulis et al., ISPASS 2024; Accelergy-Project/hwcomponents-library, IsaacDAC:
``pow_base(2)`` on resolution for energy and area).

Node: energy as ``digital.node_scale`` (C ~ feature size, E ~ C V^2) relative to ISAAC's 32 nm
at 0.9 V (ISAAC does not state its supply: 0.9 V is an assumption); area as the square of the
feature size.
"""

from __future__ import annotations

from hicsim.components.digital import node_scale

ISAAC_NODE_M = 32e-9
ISAAC_VDD = 0.9  # assumption: ISAAC states no supply voltage
ISAAC_DAC_1BIT_J = 4e-3 / 1024 * 100e-9  # Table I: 4 mW for 8 x 128 DACs, one conversion per 100 ns
ISAAC_DAC_1BIT_M2 = 0.00017e-6 / 1024  # Table I: 0.00017 mm^2 for 8 x 128 DACs


def dac_energy(bits: int, node_m: float, vdd: float) -> float:
    """Joules per conversion of one ``bits``-bit row DAC at ``node_m`` and ``vdd``."""
    scale = node_scale(node_m, vdd) / node_scale(ISAAC_NODE_M, ISAAC_VDD)
    return ISAAC_DAC_1BIT_J * 2.0 ** (bits - 1) * scale


def dac_area(bits: int, node_m: float) -> float:
    """Square metres of one ``bits``-bit row DAC at ``node_m``."""
    return ISAAC_DAC_1BIT_M2 * 2.0 ** (bits - 1) * (node_m / ISAAC_NODE_M) ** 2
