"""Pydantic field types for dimensioned spec values and the strict base model.

A field typed ``Time`` accepts ``'100 ns'`` (or ``'2 cycle'``) in the YAML and holds seconds as a
float once validated. Values in cycles are converted with the clock that the loader passes as
validation context (``{"clock_hz": ...}``): the spec is read once, and nothing downstream re-parses.
Dumping writes each value back as an exact string in its SI unit (``'1e-07 second'``), so a dumped
model validates again to the same floats: that is how overrides apply to an already-loaded spec.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationInfo,
                      WithJsonSchema)

from hicsim import units


class Strict(BaseModel):
    """Base of every spec model: unknown keys are errors, models are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# Sanity ceilings per dimension, in SI, far above any real chip but low enough that cycle counts
# and sizes derived from them stay bounded (a 1e30 s latency would be a 1e39-cycle integer).
CEILINGS = {
    units.TIME.name: (86400.0, "1 day"),
    units.FREQUENCY.name: (1e12, "1 THz"),
    units.ENERGY.name: (1.0, "1 J"),
    units.ENERGY_PER_BYTE.name: (1.0, "1 J/B"),
    units.BYTES.name: (2.0 ** 40, "1 TiB"),
    units.BANDWIDTH.name: (1e15, "1 PB/s"),
    units.CONDUCTANCE.name: (1.0, "1 S"),
    units.AREA.name: (1.0, "1 m^2"),
    units.POWER.name: (1e6, "1 MW"),
    units.VOLTAGE.name: (1e3, "1 kV"),
    units.CAPACITANCE.name: (1.0, "1 F"),
    units.LENGTH.name: (1.0, "1 m"),
}


def _dimensioned(dim: units.Dimension, positive: bool, ceiling: tuple[float, str] | None = None):
    top, top_text = ceiling or CEILINGS.get(dim.name, (float("inf"), ""))

    def check(value: object, info: ValidationInfo) -> float:
        clock = (info.context or {}).get("clock_hz")
        try:
            out = units.parse(value, dim, clock)
        except units.UnitError as exc:
            raise ValueError(str(exc)) from None
        if positive and out <= 0:
            raise ValueError(f"must be greater than zero, got {value!r}")
        if not positive and out < 0:
            raise ValueError(f"must not be negative, got {value!r}")
        if out > top:
            raise ValueError(f"{value!r} is beyond the largest accepted {dim.name}, {top_text}")
        return out

    cycles = " or clock cycles" if dim.allows_cycles else ""
    schema = {"type": "string", "description": f"{dim.name} with a unit{cycles}, e.g. '{dim.example}'",
              "examples": [dim.example]}
    return Annotated[float, BeforeValidator(check), WithJsonSchema(schema),
                     PlainSerializer(lambda v: f"{v!r} {dim.si_unit}", return_type=str)]


# Strictly positive quantities (a zero clock, bandwidth or capacity makes no sense).
Time = _dimensioned(units.TIME, positive=True)
Frequency = _dimensioned(units.FREQUENCY, positive=True)
# The chip clock: every time becomes integer cycles of it (100 GHz is beyond any CMOS logic clock).
Clock = _dimensioned(units.FREQUENCY, positive=True, ceiling=(1e11, "100 GHz"))
Bytes = _dimensioned(units.BYTES, positive=True)
Bandwidth = _dimensioned(units.BANDWIDTH, positive=True)
Conductance = _dimensioned(units.CONDUCTANCE, positive=True)
Area = _dimensioned(units.AREA, positive=True)
Power = _dimensioned(units.POWER, positive=True)
Voltage = _dimensioned(units.VOLTAGE, positive=True)
Capacitance = _dimensioned(units.CAPACITANCE, positive=False)
Length = _dimensioned(units.LENGTH, positive=True)
# Energies and latencies that may legitimately be zero (an ideal component, a free hop).
Energy = _dimensioned(units.ENERGY, positive=False)
EnergyPerByte = _dimensioned(units.ENERGY_PER_BYTE, positive=False)
TimeOrZero = _dimensioned(units.TIME, positive=False)
ConductanceOrZero = _dimensioned(units.CONDUCTANCE, positive=False)
PowerOrZero = _dimensioned(units.POWER, positive=False)
AreaOrZero = _dimensioned(units.AREA, positive=False)

PositiveInt = Annotated[int, Field(gt=0, strict=True)]
NonNegativeInt = Annotated[int, Field(ge=0, strict=True)]


def count_up_to(most: int, least: int = 1):
    """A whole number in [least, most]: hardware counts with a sanity ceiling, so that a slip
    (``tiles: 100000000``) is refused at load time, not minutes into a run."""
    return Annotated[int, Field(ge=least, le=most, strict=True)]


Bits = Annotated[int, Field(gt=0, le=32, strict=True)]
Count = Annotated[float, Field(gt=0, le=1e20, allow_inf_nan=False)]  # large counts such as endurance 1e8
