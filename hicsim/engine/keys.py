"""Typed keys of the engine's events and stored tensors, and the pass a weighted layer runs in.

Keys are frozen dataclasses, not tuples: two keys of different kinds never compare equal, even
with equal fields (a layer's output and its gradient for the same sample are different events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class TensorKey:
    """A layer's output (or the network input) for one sample."""

    producer: str
    sample: int


@dataclass(frozen=True)
class ErrorKey:
    """An error tensor: d loss / d (``producer``'s output) as one consumer passes it back."""

    producer: str
    consumer: str
    sample: int


@dataclass(frozen=True)
class GradientKey:
    """One sample's weight gradient of a layer, summed into its gradient unit."""

    layer: str
    sample: int


class Pass(NamedTuple):
    """Which part of a layer's weights a run covers: all of them when resident; one programming
    pass of a streamed layer otherwise (the first pass reads the inputs' buffer space, the last
    one frees it and announces the output)."""

    fraction: float
    first: bool
    last: bool


WHOLE = Pass(1.0, True, True)
