"""A converter's figure at its resolution: the spec's value at the bits it is rated at, the
spec's value scaled by the model's ratio at other bits, or the model alone when the spec gives
none. ADCs and DACs share this rule (``costs.adc``, ``costs.dac``)."""

from __future__ import annotations

from typing import Callable, Optional


def at_bits(given: Optional[float], model: Callable[[int], float], bits: int, rating_bits: int,
            label: str) -> tuple[float, str]:
    """(value at ``bits``, source). ``model(b)`` is the component model's value at ``b`` bits."""
    if given is None:
        return model(bits), label
    if bits == rating_bits:
        return given, "spec"
    return given * model(bits) / model(rating_bits), "spec, scaled by " + label
