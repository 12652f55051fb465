"""The per-action cost table: energy of one count of each (component, action), and where each
figure comes from (the spec, or a component model named by its source).

Energy is counts x this table, applied after the engine has run; a new cost model changes the
costs and never the engine. Actions that carry no energy of their own (bytes crossing the
interconnect are priced per bit-hop; ``devices_written`` is a tally) are listed with zero so that
every action the engine can count has an entry (a test checks it).
"""

from __future__ import annotations

import math

from hicsim.components import int_add_energy, link_energy_per_bit
from hicsim.costs.adc import adc_conversion_energy
from hicsim.costs.area import chip_area
from hicsim.costs.dac import dac_conversion_energy
from hicsim.costs.memory import level_energy
from hicsim.costs.reads import MODEL_WIRE, device_read, line_charges
from hicsim.hardware.memory import memory_hierarchy
from hicsim.spec.arch import Arch, DigitalUnit

# What each component's energy is spent on, for breakdowns (memory levels: "memory").
CATEGORY = {
    "dac": "analog compute", "crossbar": "analog compute", "sample_hold": "conversion",
    "adc": "conversion", "shift_add": "digital", "vector_unit": "digital", "matrix_unit": "digital",
    "interconnect": "interconnect", "generation_unit": "generation",
    "gradient_unit": "digital", "accumulator": "digital",
}
MEMORY = "memory"
MODEL_ADDER = "model: Horowitz ISSCC 2014 adder, node-scaled"
MODEL_LINK = "model: wire C' L V^2 / 4, L a tile's (mesh) or the chip's (bus) side"


def adder(unit: DigitalUnit, bits: int, arch: Arch) -> tuple[float, str]:
    """A digital unit's energy per op: as given, else an adder of ``bits`` at the spec's node."""
    if unit.energy is not None:
        return unit.energy, "spec"
    return int_add_energy(bits, arch.technology.node, arch.technology.vdd), MODEL_ADDER


def link_energy(arch: Arch) -> tuple[float, str]:
    """Joules per bit per hop: as given (the spec holds J per byte-hop), else the wire of one hop:
    a tile's side on a mesh (tiles tiling the chip's area), the chip's side on a bus."""
    ic = arch.chip.interconnect
    if ic.energy is not None:
        return ic.energy / 8, "spec"
    area, _ = chip_area(arch)
    length = math.sqrt(area / (arch.chip.tiles if ic.kind == "mesh" else 1))
    return link_energy_per_bit(length, arch.technology.vdd), MODEL_LINK


def costed_actions(arch: Arch) -> dict[tuple[str, str], tuple[float, str]]:
    """(component, action) -> (joules per count, source)."""
    t, c = arch.tile, arch.chip
    shift_add = adder(t.shift_add, t.partial_sum_bits, arch)
    table = {
        ("dac", "convert"): dac_conversion_energy(t.dac, arch.technology),
        ("adc", "convert"): adc_conversion_energy(t.adc),
        ("sample_hold", "sample"): (t.sample_hold.energy, "spec" if "energy" in t.sample_hold.model_fields_set
                                    else "ISAAC Table I (default)"),
        ("shift_add", "op"): shift_add,
        ("shift_add", "partial_sum_add"): shift_add,
        ("vector_unit", "op"): (c.vector_unit.energy_per_op, "spec"),
        ("vector_unit", "mac"): (c.vector_unit.mac_energy, "spec"),
        **{("vector_unit", f): (c.vector_unit.functions.fmas(f) * c.vector_unit.fma_energy, "spec")
           for f in type(c.vector_unit.functions).model_fields},
        ("interconnect", "bit_hops"): link_energy(arch),
        ("interconnect", "transfer_bytes"): (0.0, "tally"),
        ("gradient_unit", "mac"): (arch.training.gradient_unit.energy_per_mac, "spec"),
    }
    if c.activation_matmul.matrix_unit is not None:
        table[("matrix_unit", "mac")] = (c.activation_matmul.matrix_unit.energy_per_mac, "spec")
    for action, energy in line_charges(arch).items():
        table[("crossbar", action)] = (energy, MODEL_WIRE)
    for level in memory_hierarchy(arch):  # every level, the generation unit's buffer too
        for action, cost in level_energy(level, arch.technology).items():
            table[(level.name, action)] = cost
    if t.accumulator is not None:  # an adder of the accumulator's width
        table[("accumulator", "add")] = adder(DigitalUnit(), t.accumulator.bits, arch)
    if arch.generation is not None:
        gen = arch.generation
        table[("generation_unit", "mac")] = (gen.energy_per_mac, "spec")
    for name, dev in arch.devices.items():
        table[(name, "read")] = device_read(arch, name)
        table[(name, "set_pulse")] = (dev.set_pulse.energy, "spec")
        table[(name, "reset_pulse")] = (dev.reset_pulse.energy, "spec")
        table[(name, "devices_written")] = (0.0, "tally")
        table[(name, "write_erase")] = (0.0, "tally")  # a tally of cycles; the pulses carry the energy
    return table


def cost_table(arch: Arch) -> dict[tuple[str, str], float]:
    """(component, action) -> joules per count."""
    return {key: energy for key, (energy, _) in costed_actions(arch).items()}


def category_of(component: str, action: str, phase: str, devices, levels) -> str:
    """Breakdown category: device pulses and verify reads while programming are programming;
    device reads otherwise are the analog compute itself; memory levels are memory; leakage is
    static. ``devices``, ``levels``: the names of the spec's devices and memory levels."""
    if phase == "static":
        return "static"
    if component in devices:
        writing = phase in ("program", "update") or action in ("set_pulse", "reset_pulse")
        return "programming" if writing else "analog compute"
    if component in levels:
        return MEMORY
    return CATEGORY.get(component, "other")


def memory_names(arch: Arch) -> set[str]:
    """Names of every memory level (the generation unit's buffer included)."""
    return {level.name for level in memory_hierarchy(arch)}
