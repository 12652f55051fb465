"""Costs: per-action energies, static power and area from the spec and the component models
(``hicsim.components``); energy = counts x costs; peak throughput and power."""

from hicsim.costs.adc import adc_conversion_energy
from hicsim.hardware.model import adc_conversion_time  # one function for engine and costs
from hicsim.costs.area import area_breakdown, chip_area
from hicsim.costs.peak import Peak, peak, peak_rates
from hicsim.costs.reads import layer_device_reads
from hicsim.costs.static import static_power
from hicsim.costs.table import category_of, cost_table, costed_actions, memory_names

__all__ = ["adc_conversion_energy", "adc_conversion_time", "area_breakdown", "chip_area", "Peak",
           "peak", "peak_rates", "static_power", "category_of", "cost_table", "costed_actions",
           "memory_names", "layer_device_reads"]
