"""Energy of one device read and of charging a crossbar's lines, from the spec's physics.

A device read costs V_read^2 x G x t_read (``components.crossbar``) with G the mean conductance
the weight encoding gives a device of that kind: the stored magnitude's mean share of the range
(``tile.crossbar.weight_mean_fraction``, a stated default distribution) over [g_min, g_max]
(multi-level) or [g_off, g_on] (binary), halved above the low state for a differential pair,
whose second device idles at the low state. t_read is the device's ``read_latency``.

A layer that carries its weight distribution (``weight_stats``, recorded by the importers from
the real weights) has its reads priced at the exact mean conductance the spec's encoding gives
each device of that distribution (``costs.weight_shares``: every representation and sign scheme).
Older workload files may carry only ``stats.weight_fraction`` (mean |w| / max |w|); their reads
are priced at that share for every device, exact only for one device per sign holding the
whole magnitude.
"""

from __future__ import annotations

from hicsim.components import device_read_energy, mean_share, wire_charge_energy
from hicsim.costs.weight_shares import device_shares
from hicsim.hardware.kinds import technology_of
from hicsim.spec.arch import Arch
from hicsim.workload.model import Workload

MODEL_READ = "model: V^2 G t, G from the encoding"
MODEL_READ_STATS = "model: V^2 G t, G from the layer's weight statistics"
MODEL_READ_ENCODED = "model: V^2 G t, G from the layer's weight distribution through the encoding"
MODEL_WIRE = "model: C V^2, C = cells x wire capacitance per cell"


def device_read(arch: Arch, name: str, weight_fraction: float | None = None) -> tuple[float, str]:
    """(joules per read of a device of kind ``name``, source): at the stored magnitudes' mean
    share ``weight_fraction`` of the range when given, else at the spec's stated default."""
    dev = arch.devices[name]
    if dev.read_energy is not None:
        return dev.read_energy, "spec"
    share = arch.tile.crossbar.weight_mean_fraction if weight_fraction is None else weight_fraction
    source = MODEL_READ if weight_fraction is None else MODEL_READ_STATS
    return device_read_at_share(arch, name, mean_share(share, arch.tile.weights.sign == "differential")), source


def device_read_at_share(arch: Arch, name: str, share: float) -> float:
    """Joules per read of a device of kind ``name`` whose mean conductance sits ``share`` of its
    range above the low state (both devices of a differential pair already averaged in)."""
    dev = arch.devices[name]
    low, high = technology_of(name, dev).conductance_range()
    return device_read_energy(arch.tile.crossbar.read_voltage, low + (high - low) * share, dev.read_latency)


def layer_device_reads(arch: Arch, workload: Workload) -> dict[tuple[str, str], tuple[float, str]]:
    """(layer, device kind) -> (joules per read, source) for the layers that carry weight
    statistics and the devices whose read energy the model computes; every other read is priced
    by the cost table's default."""
    modelled = [name for name, dev in arch.devices.items() if dev.read_energy is None]
    reads: dict[tuple[str, str], tuple[float, str]] = {}
    for layer in workload.weighted_layers:
        if layer.weight_stats is not None:
            shares = device_shares(arch, layer.weight_stats)
            reads.update({(layer.name, name): (device_read_at_share(arch, name, shares[name]),
                                               MODEL_READ_ENCODED)
                          for name in modelled if name in shares})
        elif layer.stats is not None and layer.stats.weight_fraction is not None:
            reads.update({(layer.name, name): device_read(arch, name, layer.stats.weight_fraction)
                          for name in modelled})
    return reads


def line_charges(arch: Arch) -> dict[str, float]:
    """Joules to charge one word line (a row across every column) and one bit line."""
    xb = arch.tile.crossbar
    return {"wordline_charge": wire_charge_energy(xb.wire_capacitance, xb.cols, xb.read_voltage),
            "bitline_charge": wire_charge_energy(xb.wire_capacitance, xb.rows, xb.read_voltage)}
