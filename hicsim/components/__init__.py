"""Physical component models: energy per action, conversion time, static power and area as
functions of physical parameters (bits, rates, voltages, conductances, capacities, technology
node). Pure functions of numbers in SI units; they import nothing from the spec, engine, costs
or report, so the engine can take a conversion time from here and the costs can fill the cost
table from here. Each model cites its source in its docstring.
"""

from hicsim.components.adc import (adc_area, murmann_energy, sar_conversion_time,
                                   sar_sample_rate)
from hicsim.components.dac import dac_area, dac_energy
from hicsim.components.crossbar import (device_read_energy, mean_share,
                                        wire_charge_energy)
from hicsim.components.digital import int_add_energy, node_scale
from hicsim.components.dram import dram_energy_per_byte
from hicsim.components.interconnect import link_energy_per_bit
from hicsim.components.memory import Sram, sram

__all__ = ["adc_area", "murmann_energy", "sar_conversion_time", "sar_sample_rate", "dac_area",
           "dac_energy",
           "device_read_energy", "mean_share", "wire_charge_energy",
           "int_add_energy", "node_scale", "Sram", "sram", "dram_energy_per_byte",
           "link_energy_per_bit"]
