"""Dimensioned values: parse strings such as ``100 ns`` or ``4 pJ/bit`` once into SI floats.

Spec files carry units in their values (gem5 style). Everything past the spec loader works in
SI floats (seconds, joules, bytes, hertz, bytes/second, siemens, square metres, watts), and the
engine works in integer clock cycles. ``cycle`` is a unit of its own dimension: a value given in
cycles (``2 cycle``, ``32 B/cycle``) is converted with the chip clock, which the loader passes in.
"""

from __future__ import annotations

import atexit
import math
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from hicsim.unit_memo import UnitMemo, memo_path
from hicsim.unit_registry import build_registry, default_cache_root


def __getattr__(name: str):
    # ``units.pint``: pint is imported on first use (a value not in the memo), not with hicsim
    if name == "pint":
        return _import_pint()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def _import_pint():
    """pint, imported without dask: when dask is installed pint imports ``dask.base`` at import
    time (``pint.compat``, for quantities of dask arrays, which hicsim never makes), a third of a
    second of every command's start-up. ``find_spec`` says a module is absent when its
    ``sys.modules`` entry is None, so the entry is None while pint loads, then removed."""
    hide = "dask" not in sys.modules
    if hide:
        sys.modules["dask"] = None
    try:
        import pint
    finally:
        if hide:
            del sys.modules["dask"]
    return pint


@dataclass(frozen=True)
class Dimension:
    """A physical kind of value: its SI unit and the pint dimensionality it must have."""

    name: str
    si_unit: str
    example: str
    allows_cycles: bool = False  # may be written in clock cycles (converted with the clock)


TIME = Dimension("time", "second", "100 ns", allows_cycles=True)
FREQUENCY = Dimension("frequency", "hertz", "1 GHz")
ENERGY = Dimension("energy", "joule", "2 pJ")
ENERGY_PER_BYTE = Dimension("energy per byte", "joule / byte", "1.8 pJ/B or 0.2 pJ/bit")
BYTES = Dimension("size", "byte", "64 KiB")
BANDWIDTH = Dimension("bandwidth", "byte / second", "51.2 GB/s", allows_cycles=True)
CONDUCTANCE = Dimension("conductance", "siemens", "25 uS")
AREA = Dimension("area", "meter ** 2", "0.01 mm^2")
POWER = Dimension("power", "watt", "16 mW")
VOLTAGE = Dimension("voltage", "volt", "0.2 V")
CAPACITANCE = Dimension("capacitance", "farad", "0.2 fF")
LENGTH = Dimension("length", "meter", "32 nm")

DIMENSIONS = {d.name: d for d in (TIME, FREQUENCY, ENERGY, ENERGY_PER_BYTE, BYTES, BANDWIDTH,
                                  CONDUCTANCE, AREA, POWER, VOLTAGE, CAPACITANCE, LENGTH)}


class UnitError(ValueError):
    """A value that is not a number with a unit of the expected dimension."""


@lru_cache(maxsize=1)
def registry():
    """The one unit registry, built lazily (pint's start-up is not free) and loaded from the
    user's cache folder when it was built before (``hicsim.unit_registry``: pint's default
    definitions, with the bit and the clock cycle as dimensions of their own)."""
    return build_registry(_import_pint(), default_cache_root())


@lru_cache(maxsize=1)
def memo() -> UnitMemo:
    """The memo of SI values parsed in earlier processes (``hicsim.unit_memo``), saved at exit
    when this process parsed new ones."""
    try:
        found = UnitMemo(memo_path(default_cache_root()))
    except Exception:  # noqa: BLE001 -- no memo: every value is parsed with pint
        found = UnitMemo(None)
    atexit.register(found.save)
    return found


# pint evaluates what it reads, powers included (``10**10**10 B`` would run for hours): a value is
# short, and its exponents are small literal numbers (``mm^2``, ``m**-1``), never chained.
MAX_TEXT = 80
_EXPONENT = re.compile(r"(\*\*|\^)\s*(\S*)")
_SMALL_EXPONENT = re.compile(r"-?\d(\.\d+)?(?![\d.*^(])")


def _check_text(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise UnitError(f"{text[:MAX_TEXT]!r}...: a value is a number and a unit, at most "
                        f"{MAX_TEXT} characters")
    for match in _EXPONENT.finditer(text):
        if not _SMALL_EXPONENT.match(match.group(2)):
            raise UnitError(f"cannot read {text!r}: exponents must be single-digit numbers "
                            "(such as mm^2)")


@lru_cache(maxsize=4096)
def _parse(text: str):
    _check_text(text)
    ureg = registry()
    try:
        q = ureg.Quantity(text)
    except Exception as exc:  # pint raises several unrelated types for bad text
        raise UnitError(f"cannot read {text!r} as a number with a unit ({exc})") from None
    if not isinstance(q, _import_pint().Quantity):  # a bare number
        q = ureg.Quantity(q, "")
    return q


def parse(value: object, dim: Dimension, clock_hz: float | None = None) -> float:
    """Return ``value`` (a string such as ``'100 ns'``) in the SI unit of ``dim``.

    Values in cycles need ``clock_hz``. Bare numbers are refused: a unit is part of the value.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UnitError(f"expected {dim.name} with a unit, such as '{dim.example}', got {value!r}")
    if isinstance(value, (int, float)) or _is_number(value):
        raise UnitError(f"{value!r} has no unit: expected {dim.name}, such as '{dim.example}'")
    text = value.strip()
    # the clock only enters values in cycles, which only dimensions that allow cycles accept
    key = (text, dim.name, float(clock_hz) if dim.allows_cycles and clock_hz is not None else None)
    known = memo().get(key)
    if known is None:
        known = _parse_si(value, text, dim, clock_hz)
        memo().add(key, known)
    return known


def _parse_si(value: str, text: str, dim: Dimension, clock_hz: float | None) -> float:
    """``parse`` by pint, for a value the memo does not hold."""
    q = _parse(text)
    ureg = registry()
    if dim.allows_cycles and q.dimensionality.get("[clock_cycle]", 0) != 0:
        if clock_hz is None:
            raise UnitError(f"{value!r} is in cycles, but no clock is known to convert it")
        # Multiply or divide by the clock itself: 1 / clock is inexact (1e-9 is not a binary
        # fraction), and 256 B/cycle x (1 / 1 GHz)^-1 came out as 255.99999999999997 B/ns.
        power = q.dimensionality["[clock_cycle]"]
        clock = ureg.Quantity(clock_hz, "cycle / second")
        q = q / clock ** power if power > 0 else q * clock ** -power
    try:
        out = float(q.to(dim.si_unit).magnitude)
    except OverflowError:
        raise UnitError(f"{value!r} is too large") from None
    except _import_pint().DimensionalityError:
        raise UnitError(f"{value!r} has the wrong dimension: expected {dim.name}, such as '{dim.example}'") from None
    if not math.isfinite(out):
        raise UnitError(f"{value!r} is not finite")
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_cycles(seconds: float, clock_hz: float) -> int:
    """Seconds -> whole clock cycles, rounded up (an operation never takes less than it needs).

    A small relative tolerance keeps exact multiples (100 ns at 1 GHz) from rounding up to 101.
    """
    c = seconds * clock_hz
    return max(0, int(math.ceil(c - 1e-9 * max(1.0, c))))


def exact(value: float | Fraction, tolerance: float = 1e-9) -> Fraction:
    """``value`` as the simplest fraction (denominator up to 10^6) within a relative
    ``tolerance``, else exactly. Spec values are decimals parsed into binary floats, so a rate
    or time written as 25.6 GB/s or 1.2 GHz is a float a rounding away from its rational value;
    the engine computes with that rational so an exact transfer takes exactly its cycles (the
    same tolerance as ``to_cycles``)."""
    x = Fraction(value)
    if x == 0:
        return x
    simple = x.limit_denominator(10 ** 6)
    return simple if abs(simple - x) <= tolerance * abs(x) else x


def per_cycle(per_second: float, clock_hz: float) -> Fraction:
    """A rate per second (bytes per second) -> per clock cycle, an exact rational."""
    return exact(Fraction(per_second) / Fraction(clock_hz))


def cycles_exact(seconds: float, clock_hz: float) -> Fraction:
    """Seconds -> clock cycles as an exact rational (fractional: for times that many
    operations share before one rounding, such as an ADC conversion)."""
    return exact(Fraction(seconds) * Fraction(clock_hz))


def to_seconds(cycles: int | float, clock_hz: float) -> float:
    """Clock cycles -> seconds (reports only)."""
    return cycles / clock_hz
