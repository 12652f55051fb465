"""Energy of one device read and of charging a crossbar's lines, from the spec's physics.

A device read costs V_read^2 x G x t_read (``components.crossbar``) with G the mean conductance
the weight encoding gives a device of that kind: the stored magnitude's mean share of the range
(``tile.crossbar.weight_mean_fraction``, a stated default distribution) over [g_min, g_max]
(multi-level) or [g_off, g_on] (binary), halved above the low state for a differential pair,
whose second device idles at the low state. t_read is the device's ``read_latency``.

A layer whose operand statistics carry ``weight_fraction`` (mean |w| / max |w| of its real
weights, recorded by the exporters) has its reads priced at that share instead. It is exact for
a representation in which one device per sign holds the whole magnitude; for sliced ones (HIC,
bit-sliced) every device is taken at the same share, an approximation: a slice's mean share
depends on the weights' distribution within each slice, which the statistic does not carry.
"""

from __future__ import annotations

from hicsim.components import device_read_energy, encoded_mean_conductance, wire_charge_energy
from hicsim.hardware.kinds import technology_of
from hicsim.spec.arch import Arch
from hicsim.workload.model import Workload

MODEL_READ = "model: V^2 G t, G from the encoding"
MODEL_READ_STATS = "model: V^2 G t, G from the layer's weight statistics"
MODEL_WIRE = "model: C V^2, C = cells x wire capacitance per cell"


def device_read(arch: Arch, name: str, weight_fraction: float | None = None) -> tuple[float, str]:
    """(joules per read of a device of kind ``name``, source): at the stored magnitudes' mean
    share ``weight_fraction`` of the range when given, else at the spec's stated default."""
    dev = arch.devices[name]
    if dev.read_energy is not None:
        return dev.read_energy, "spec"
    xb = arch.tile.crossbar
    share = xb.weight_mean_fraction if weight_fraction is None else weight_fraction
    low, high = technology_of(name, dev).conductance_range()
    g = encoded_mean_conductance(low, high, share, arch.tile.weights.sign == "differential")
    source = MODEL_READ if weight_fraction is None else MODEL_READ_STATS
    return device_read_energy(xb.read_voltage, g, dev.read_latency), source


def layer_device_reads(arch: Arch, workload: Workload) -> dict[tuple[str, str], tuple[float, str]]:
    """(layer, device kind) -> (joules per read, source) for the layers whose statistics give
    ``weight_fraction`` and the devices whose read energy the model computes; every other read
    is priced by the cost table's default."""
    return {(layer.name, name): device_read(arch, name, layer.stats.weight_fraction)
            for layer in workload.weighted_layers
            if layer.stats is not None and layer.stats.weight_fraction is not None
            for name, dev in arch.devices.items() if dev.read_energy is None}


def line_charges(arch: Arch) -> dict[str, float]:
    """Joules to charge one word line (a row across every column) and one bit line."""
    xb = arch.tile.crossbar
    return {"wordline_charge": wire_charge_energy(xb.wire_capacitance, xb.cols, xb.read_voltage),
            "bitline_charge": wire_charge_energy(xb.wire_capacitance, xb.rows, xb.read_voltage)}
