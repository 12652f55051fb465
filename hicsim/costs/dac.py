"""The tile's row DACs from their spec: energy per conversion and area, as the spec gives them
at their rated resolution (scaled to ``bits`` by the model's 2^(N - 1)) or from the model alone
(``components.dac``: ISAAC's 1-bit DAC scaled by bits and node)."""

from __future__ import annotations

from hicsim.components import dac_area, dac_energy
from hicsim.costs.converter import at_bits
from hicsim.spec.arch import Dac
from hicsim.spec.physical import Technology

MODEL_ENERGY = "model: ISAAC Table I 1-bit DAC x 2^(bits-1), node-scaled"
MODEL_AREA = "model: ISAAC Table I 1-bit DAC area x 2^(bits-1), node^2-scaled"


def dac_conversion_energy(dac: Dac, tech: Technology) -> tuple[float, str]:
    """(joules per conversion, source)."""
    return at_bits(dac.energy, lambda b: dac_energy(b, tech.node, tech.vdd), dac.bits, dac.rating_bits,
                   MODEL_ENERGY)


def dac_area_each(dac: Dac, tech: Technology) -> tuple[float, str]:
    """(square metres per DAC, source)."""
    return at_bits(dac.area, lambda b: dac_area(b, tech.node), dac.bits, dac.rating_bits, MODEL_AREA)
