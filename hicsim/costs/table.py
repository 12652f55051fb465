"""The per-action cost table: energy of one count of each (component, action), from the spec.

Energy is counts x this table, applied after the engine has run; a new cost model changes this
file and never the engine. Actions that carry no energy of their own (bytes crossing the
interconnect are priced per bit-hop; ``devices_written`` is a tally) are listed with zero so that
every action the engine can count has an entry (a test checks it).
"""

from __future__ import annotations

from hicsim.costs.adc import adc_conversion_energy
from hicsim.spec.arch import Arch

# What each component's energy is spent on, for breakdowns.
CATEGORY = {
    "dac": "analog compute", "adc": "conversion", "shift_add": "digital",
    "vector_unit": "digital", "matrix_unit": "digital", "local_buffer": "memory", "global_buffer": "memory",
    "dram": "memory", "interconnect": "interconnect", "generation_unit": "generation",
    "basis_buffer": "memory", "gradient_unit": "digital", "accumulator": "digital",
}


def cost_table(arch: Arch) -> dict[tuple[str, str], float]:
    t, c = arch.tile, arch.chip
    table = {
        ("dac", "convert"): t.dac.energy,
        ("adc", "convert"): adc_conversion_energy(t.adc),
        ("shift_add", "op"): t.shift_add.energy,
        ("shift_add", "partial_sum_add"): t.shift_add.energy,
        ("vector_unit", "op"): c.vector_unit.energy_per_op,
        ("vector_unit", "mac"): c.vector_unit.mac_energy,
        **{("vector_unit", f): c.vector_unit.functions.fmas(f) * c.vector_unit.fma_energy
           for f in type(c.vector_unit.functions).model_fields},
        ("interconnect", "bit_hops"): c.interconnect.energy / 8,  # spec holds J per byte-hop
        ("interconnect", "transfer_bytes"): 0.0,
    }
    for level, mem in (("local_buffer", t.local_buffer), ("global_buffer", c.global_buffer)):
        table[(level, "read_bytes")] = mem.read_energy
        table[(level, "write_bytes")] = mem.write_energy
    table[("dram", "read_bytes")] = c.dram.energy
    table[("dram", "write_bytes")] = c.dram.energy
    if c.activation_matmul.matrix_unit is not None:
        table[("matrix_unit", "mac")] = c.activation_matmul.matrix_unit.energy_per_mac
    table[("gradient_unit", "mac")] = arch.training.gradient_unit.energy_per_mac
    if t.accumulator is not None:  # an adder's energy grows with its width (32-bit: shift_add's)
        table[("accumulator", "add")] = t.shift_add.energy * t.accumulator.bits / 32
    if arch.generation is not None:
        gen = arch.generation
        table[("generation_unit", "mac")] = gen.energy_per_mac
        table[("basis_buffer", "read_bytes")] = gen.basis_buffer.read_energy
        table[("basis_buffer", "write_bytes")] = gen.basis_buffer.write_energy
    for name, dev in arch.devices.items():
        table[(name, "read")] = dev.read_energy
        table[(name, "set_pulse")] = dev.set_pulse.energy
        table[(name, "reset_pulse")] = dev.reset_pulse.energy
        table[(name, "devices_written")] = 0.0
        table[(name, "write_erase")] = 0.0  # a tally of cycles; the pulses carry the energy
    return table


def category_of(component: str, action: str, phase: str, devices: dict) -> str:
    """Breakdown category: device pulses and verify reads while programming are programming;
    device reads otherwise are the analog compute itself."""
    if component in devices:
        writing = phase in ("program", "update") or action in ("set_pulse", "reset_pulse")
        return "programming" if writing else "analog compute"
    return CATEGORY.get(component, "other")

