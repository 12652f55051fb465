"""ADC figures: conversion time and, when a spec gives none, energy from the Murmann survey fit.

Murmann's ADC survey (as used by Accelergy's ADC model): the Schreier figure of merit of the best
converters, FOM_S = min(302.74 - 6.4608 ln f, 180.14) dB, and SNDR = 6.02 N + 1.76 dB give
E_conv = 1 / (2 * 10^((FOM_S - SNDR)/10)) J. At 1 GS/s, 8 bits: 0.64 pJ.
"""

from __future__ import annotations

import math

from hicsim.spec.arch import Adc


def murmann_energy(bits: int, sample_rate_hz: float) -> float:
    fom = min(302.74 - 6.4608 * math.log(sample_rate_hz), 180.14)
    sndr = 6.02 * bits + 1.76
    return 1.0 / (2.0 * 10.0 ** ((fom - sndr) / 10.0))


def adc_conversion_energy(adc: Adc) -> float:
    return adc.energy if adc.energy is not None else murmann_energy(adc.bits, adc.sample_rate)


def adc_conversion_time(adc: Adc) -> float:
    """Seconds per conversion of one ADC."""
    return 1.0 / adc.sample_rate
