"""Physical parameters the component models read (``hicsim.components``), and the chip parts
that hicsim counts no actions for.

Defaults are published figures where one exists (each cited) and marked assumptions otherwise; a
value a spec gives explicitly is used as given.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from hicsim.spec.quantities import (Area, AreaOrZero, Bits, Capacitance, Count, Energy, Length,
                                    PowerOrZero, Strict, Voltage)


class Technology(Strict):
    """CMOS node and supply of the peripheral circuits (Horowitz's 45 nm, 0.9 V by default: the
    node his energies are given at, so that a spec without a node gets them unscaled)."""

    node: Length = Field(default="45 nm")
    vdd: Voltage = Field(default="0.9 V")


class CrossbarPhysics(Strict):
    """What an analog read costs on a crossbar (fields of ``tile.crossbar``)."""

    read_voltage: Voltage = Field(
        default="0.2 V", description="row read voltage (0.2 V: REFERENCE.md's PCM read energy "
                                     "example, V^2 G t at 0.2 V)")
    wire_capacitance: Capacitance = Field(
        default="0.2 fF", description="word- or bit-line capacitance per cell (assumption: about "
                                      "0.2 fF/um of minimum-pitch wire over a ~1 um cell pitch)")
    weight_mean_fraction: float = Field(
        default=0.5, gt=0, le=1,
        description="mean stored magnitude as a share of a device's conductance range "
                    "(0.5: levels used uniformly, binary bits equally likely; a stated default "
                    "distribution, not a measurement of any network's weights)")


class ConverterRating(Strict):
    """The resolution at which a converter's figures are given (fields of ``tile.adc``: its
    ``sample_rate``, ``energy`` and ``area``; of ``tile.dac``: its ``energy`` and ``area``). At
    another ``bits`` the component models scale them (ADC: SAR timing and the survey fits; DAC:
    the binary-weighted array's 2^(N - 1))."""

    rated_bits: Optional[Bits] = Field(
        default=None, description="bits at which sample_rate/energy/area are rated; omitted: bits")

    @property
    def rating_bits(self) -> int:
        return self.rated_bits if self.rated_bits is not None else self.bits


class SampleHold(Strict):
    """One sample-and-hold per converted column, one sample per conversion. ISAAC (Shafiee et al.,
    ISCA 2016, Table I): 10 uW for 8 x 128 S&H at one sample per 100 ns: 0.98 fJ per sample."""

    energy: Energy = Field(default="0.98 fJ")
    area: Optional[AreaOrZero] = None  # per S&H


class FixedComponent(Strict):
    """A part of the chip hicsim counts no actions for (routers, registers, activation units,
    chip I/O such as ISAAC's HyperTransport links): it draws ``power`` for the whole run, and it
    takes ``area``, per instance; ``count`` instances per tile or per chip (fractions: a router
    shared by 4 tiles is 0.25 per tile)."""

    per: Literal["tile", "chip"]
    count: Count = 1.0
    power: PowerOrZero
    area: Optional[AreaOrZero] = None  # omitted: unknown, listed among what the area excludes
    source: str = Field(description="where the figures come from (paper, table) or 'assumption'")


class Rated(Strict):
    """The operating point at which peak throughput and peak power are quoted."""

    input_bits: Bits = Field(default=8, description="input precision of the peak figures")
