"""Operand statistics of a weighted layer's inputs (schema part; computed by the exporters in
``hicsim.workload.frameworks.stats``). The engine uses them to skip the DAC conversions and
device reads of zero input bits, and the costs take each device's mean conductance from the
weights' ``weight_fraction`` when it is given: the energy of an analog read depends on the data.
"""

from __future__ import annotations

from typing import List, Optional

import numpy as np
from pydantic import Field, model_validator

from hicsim.spec.quantities import Bits, NonNegativeInt, Strict


class OperandStats(Strict):
    input_bits: Bits = Field(description="precision the inputs were quantised at")
    signed: bool = Field(description="inputs had negative values: sign-magnitude codes")
    scale: float = Field(ge=0, description="full-scale input: the largest |x| in the batch")
    input_density: float = Field(ge=0, le=1, description="fraction of inputs with a non-zero code")
    histogram: List[NonNegativeInt] = Field(description="count of each magnitude code, 0 first")
    weight_fraction: Optional[float] = Field(
        default=None, ge=0, le=1,
        description="mean |w| / max |w| over the layer's weights: the mean share of a device's "
                    "conductance range the weights' magnitudes sit at (the crossbar read energy "
                    "uses it in place of tile.crossbar.weight_mean_fraction)")

    @model_validator(mode="after")
    def _check(self):
        if len(self.histogram) != 2 ** self.magnitude_bits:
            raise ValueError(f"histogram needs 2**{self.magnitude_bits} bins, got "
                             f"{len(self.histogram)}")
        return self

    @property
    def magnitude_bits(self) -> int:
        return max(1, self.input_bits - 1) if self.signed else self.input_bits

    @property
    def bit_density(self) -> list[float]:
        """Fraction of inputs whose magnitude code has bit ``i`` set (least significant first):
        the share of bit-serial DAC conversions that are not skipped in each input cycle."""
        counts = np.asarray(self.histogram, dtype=np.float64)
        codes = np.arange(len(counts))
        total = counts.sum() or 1.0
        return [float(counts[(codes >> i) & 1 == 1].sum() / total)
                for i in range(self.magnitude_bits)]

    def active_fraction(self, dac_bits: int) -> float:
        """Share of DAC conversions (and device reads) not skipped: with 1-bit DACs, the mean bit
        density over the bit-serial slices; with wider DACs a slice is skipped only when its
        input is zero, approximated by the input density."""
        if dac_bits == 1:
            density = self.bit_density
            return sum(density) / len(density)
        return self.input_density
