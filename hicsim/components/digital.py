"""Digital arithmetic: Horowitz's 45 nm energies (ISSCC 2014, "Computing's energy problem"),
scaled to another technology node.

Scaling rule: dynamic energy is C V^2, and under constant-field (Dennard) scaling a gate's
capacitance is proportional to its feature size (Dennard et al., IEEE JSSC 9(5), 1974), so
E(node, V) = E_45 * (node / 45 nm) * (V / 0.9 V)^2, with Horowitz's figures taken at 45 nm and
0.9 V. Past 22 nm, supply voltages stopped scaling, which the explicit V keeps.
"""

from __future__ import annotations

HOROWITZ_NODE_M = 45e-9
HOROWITZ_VDD = 0.9
# Horowitz ISSCC 2014, 45 nm: integer adders of 8 and 32 bits.
INT_ADD_8_J = 0.03e-12
INT_ADD_32_J = 0.1e-12


def node_scale(node_m: float, vdd: float) -> float:
    """Factor from a 45 nm, 0.9 V energy to ``node_m`` at ``vdd`` (C ~ feature size, E ~ C V^2)."""
    return (node_m / HOROWITZ_NODE_M) * (vdd / HOROWITZ_VDD) ** 2


def int_add_energy(bits: int, node_m: float = HOROWITZ_NODE_M, vdd: float = HOROWITZ_VDD) -> float:
    """Joules of one integer addition of ``bits`` bits: linear through Horowitz's 8- and 32-bit
    points (and proportional to width below 8 bits), scaled to the node."""
    if bits <= 8:
        e45 = INT_ADD_8_J * bits / 8
    else:
        e45 = INT_ADD_8_J + (INT_ADD_32_J - INT_ADD_8_J) * (bits - 8) / 24
    return e45 * node_scale(node_m, vdd)
