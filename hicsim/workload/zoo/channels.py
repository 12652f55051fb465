"""Channel-count scaling for width multipliers."""

from __future__ import annotations


def make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible`` (MobileNets): the nearest multiple of ``divisor`` to
    ``value``, never below ``divisor`` and never more than 10% below ``value``. Kept exactly so the
    zoo matches torchvision's channel counts at every width."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def scaled(channels: int, width: float) -> int:
    """``channels * width`` rounded, at least 1: the plain width multiplier of ResNets and VGG."""
    return max(1, round(channels * width))
