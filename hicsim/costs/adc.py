"""The tile's ADC from its spec: conversion time, energy and area, each either as the spec gives
it at its rated resolution (scaled to ``bits`` by the models' ratios) or from the models alone.

At ``bits == rated_bits`` a given value is used exactly; a sweep over bits moves it by the ratio
the physical model predicts (SAR timing, Murmann-survey energy, survey area regression), so a
spec that quotes a published converter still responds to its resolution.
"""

from __future__ import annotations

from hicsim.components import adc_area, murmann_energy, sar_sample_rate
from hicsim.costs.converter import at_bits
from hicsim.spec.arch import Adc

MODEL_ENERGY = "model: Murmann survey fit (Accelergy ADC plug-in)"
MODEL_AREA = "model: Murmann survey area regression (Accelergy ADC plug-in)"


def _model_energy(adc: Adc, bits: int) -> float:
    return murmann_energy(bits, sar_sample_rate(bits, adc.sample_rate, adc.rating_bits))


def adc_conversion_energy(adc: Adc) -> tuple[float, str]:
    """(joules per conversion, source)."""
    return at_bits(adc.energy, lambda b: _model_energy(adc, b), adc.bits, adc.rating_bits, MODEL_ENERGY)


def _model_area(adc: Adc, bits: int, node: float) -> float:
    rate = sar_sample_rate(bits, adc.sample_rate, adc.rating_bits)
    return adc_area(bits, rate, node, murmann_energy(bits, rate))


def adc_area_each(adc: Adc, node: float) -> tuple[float, str]:
    """(square metres per ADC, source)."""
    return at_bits(adc.area, lambda b: _model_area(adc, b, node), adc.bits, adc.rating_bits, MODEL_AREA)


def adc_count(arch) -> int:
    """ADCs on the chip."""
    t = arch.tile
    per_tile = t.adc.count if t.adc.count else t.crossbars * -(-t.crossbar.cols // t.adc.columns_per_adc)
    return per_tile * arch.chip.tiles
