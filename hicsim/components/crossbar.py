"""The analog array: energy of a read from the conductances the weight encoding gives, and the
charging of word and bit lines.

A device read at voltage V for time t through conductance G dissipates V^2 G t (Joule heating
of the cell; the read model of NeuroSim and of the PCM read energy in REFERENCE.md). Charging a
line of capacitance C to V from the driver's supply costs C V^2 (half stored, half lost in the
driver; the stored half is lost on discharge).
"""

from __future__ import annotations


def device_read_energy(v_read: float, conductance: float, t_read: float) -> float:
    """Joules of one device read: V^2 G t."""
    return v_read * v_read * conductance * t_read


def mean_share(magnitude_fraction: float, differential: bool) -> float:
    """Mean share of a device's conductance range above its low state when the stored
    magnitudes sit ``magnitude_fraction`` of the range on average (for levels used uniformly,
    0.5; for a binary cell whose bits are equally likely, 0.5 too). In a differential pair only
    one device of each pair carries the magnitude and the other sits at the low state, so the
    mean over both is half the magnitude's share."""
    return magnitude_fraction * (0.5 if differential else 1.0)


def wire_charge_energy(capacitance_per_cell: float, cells: int, v: float) -> float:
    """Joules to charge one line of ``cells`` cells to ``v``: C V^2 with C = cells x c_cell."""
    return capacitance_per_cell * cells * v * v
