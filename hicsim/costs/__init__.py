"""Costs: per-action energies from the spec; energy = counts x costs; area."""

from hicsim.costs.adc import adc_conversion_energy, murmann_energy
from hicsim.costs.area import chip_area
from hicsim.costs.table import category_of, cost_table

__all__ = ["adc_conversion_energy", "murmann_energy", "chip_area", "category_of", "cost_table"]
