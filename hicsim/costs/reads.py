"""Energy of one device read and of charging a crossbar's lines, from the spec's physics.

A device read costs V_read^2 x G x t_read (``components.crossbar``) with G the mean conductance
the weight encoding gives a device of that kind: the stored magnitude's mean share of the range
(``tile.crossbar.weight_mean_fraction``, a stated default distribution) over [g_min, g_max]
(multi-level) or [g_off, g_on] (binary), halved above the low state for a differential pair,
whose second device idles at the low state. t_read is the device's ``read_latency``.
"""

from __future__ import annotations

from hicsim.components import device_read_energy, encoded_mean_conductance, wire_charge_energy
from hicsim.hardware.kinds import technology_of
from hicsim.spec.arch import Arch

MODEL_READ = "model: V^2 G t, G from the encoding"
MODEL_WIRE = "model: C V^2, C = cells x wire capacitance per cell"


def device_read(arch: Arch, name: str) -> tuple[float, str]:
    """(joules per read of a device of kind ``name``, source)."""
    dev = arch.devices[name]
    if dev.read_energy is not None:
        return dev.read_energy, "spec"
    xb = arch.tile.crossbar
    low, high = technology_of(name, dev).conductance_range()
    g = encoded_mean_conductance(low, high, xb.weight_mean_fraction,
                                 arch.tile.weights.sign == "differential")
    return device_read_energy(xb.read_voltage, g, dev.read_latency), MODEL_READ


def line_charges(arch: Arch) -> dict[str, float]:
    """Joules to charge one word line (a row across every column) and one bit line."""
    xb = arch.tile.crossbar
    return {"wordline_charge": wire_charge_energy(xb.wire_capacitance, xb.cols, xb.read_voltage),
            "bitline_charge": wire_charge_energy(xb.wire_capacitance, xb.rows, xb.read_voltage)}
