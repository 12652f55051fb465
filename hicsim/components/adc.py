"""Analog-to-digital converters: energy per conversion, conversion time and area.

Energy: Murmann's ADC performance survey as fitted by Accelergy's ADC plug-in (the best
converters' Schreier figure of merit against sample rate): FOM_S = min(302.74 - 6.4608 ln f,
180.14) dB, SNDR = 6.02 N + 1.76 dB, E_conv = 1 / (2 * 10^((FOM_S - SNDR)/10)) J. At 1 GS/s and
8 bits: 0.64 pJ. These are best-case converters; a published chip's ADC usually costs more.

Conversion time: a successive-approximation (SAR) converter samples once and then decides one
bit per comparator cycle, so at a fixed comparator speed its conversion time is proportional to
N + 1 (N decisions plus the sampling phase). A converter rated at ``rated_bits`` and
``rated_rate`` converts N bits in (N + 1) / ((rated_bits + 1) * rated_rate) seconds.

Area: Accelergy's ADC plug-in regression over the same survey (adc_data/model.yaml, bottom 10 %
quantile of area): ln(A / um^2) = 4.8506 + 0.066659 ln(f / Hz) + 0.79732 ln(node / nm)
- 0.13437 N + 0.42366 ln(E / pJ).
"""

from __future__ import annotations

import math


def murmann_energy(bits: int, sample_rate_hz: float) -> float:
    """Joules per conversion of a best-case ADC of ``bits`` at ``sample_rate_hz``."""
    fom = min(302.74 - 6.4608 * math.log(sample_rate_hz), 180.14)
    sndr = 6.02 * bits + 1.76
    return 1.0 / (2.0 * 10.0 ** ((fom - sndr) / 10.0))


def sar_conversion_time(bits: int, rated_rate_hz: float, rated_bits: int) -> float:
    """Seconds per conversion of a SAR ADC of ``bits`` whose comparator runs as fast as in a
    converter that does ``rated_rate_hz`` conversions per second at ``rated_bits``."""
    return (bits + 1) / ((rated_bits + 1) * rated_rate_hz)


def sar_sample_rate(bits: int, rated_rate_hz: float, rated_bits: int) -> float:
    """Conversions per second at ``bits`` (the inverse of ``sar_conversion_time``)."""
    return 1.0 / sar_conversion_time(bits, rated_rate_hz, rated_bits)


def adc_area(bits: int, sample_rate_hz: float, node_m: float, energy_j: float) -> float:
    """Square metres of one ADC (Accelergy's survey regression, see the module docstring)."""
    ln_um2 = (4.8506 + 0.066659 * math.log(sample_rate_hz) + 0.79732 * math.log(node_m * 1e9)
              - 0.13437 * bits + 0.42366 * math.log(energy_j * 1e12))
    return math.exp(ln_um2) * 1e-12
