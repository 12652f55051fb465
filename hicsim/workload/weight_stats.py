"""A weighted layer's weight distribution (schema part; measured by the importers from the
weights they read: PyTorch parameters, ONNX initializers).

The weights are recorded as codes v = rint(w / max|w| x resolution) in [-resolution, resolution]
with a count per code: the signed shape of the distribution at a resolution finer than any
shipped weight representation's quantisation (1024 codes per sign; HIC's 4 binary devices and a
16-level cell give 240 magnitude steps, 8-bit bit slicing 127). The costs apply the spec's own
encoding to the codes (``costs.weight_shares``), so each device's mean conductance, and with it
the analog read energy, follows the weights as the chip would hold them; the largest weight maps
to the top of the representation's range, as in the functional model.
"""

from __future__ import annotations

from typing import List

import numpy as np
from pydantic import Field, model_validator

from hicsim.spec.quantities import NonNegativeInt, Strict

RESOLUTION = 1024  # codes per sign


class WeightStats(Strict):
    resolution: int = Field(default=RESOLUTION, ge=1, le=2 ** 16,
                            description="codes per sign: w / max|w| is recorded to 1/resolution")
    histogram: List[NonNegativeInt] = Field(
        description="count of each code -resolution .. resolution (2 x resolution + 1 entries)")

    @model_validator(mode="after")
    def _check(self):
        if len(self.histogram) != 2 * self.resolution + 1:
            raise ValueError(f"histogram needs 2 * resolution + 1 = {2 * self.resolution + 1} "
                             f"entries, got {len(self.histogram)}")
        if not any(self.histogram):
            raise ValueError("histogram counts no weight")
        return self

    def values(self) -> np.ndarray:
        """w / max|w| of each code, in histogram order."""
        return np.arange(-self.resolution, self.resolution + 1) / self.resolution

    @property
    def mean_magnitude(self) -> float:
        """Mean |w| / max|w| over the layer's weights (at the recorded resolution)."""
        counts = np.asarray(self.histogram, dtype=np.float64)
        return float(np.dot(counts, np.abs(self.values())) / counts.sum())


def weight_stats(weights: np.ndarray, resolution: int = RESOLUTION) -> WeightStats:
    """The distribution of ``weights`` (any shape); all-zero weights count at code 0."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    top = float(np.abs(w).max()) if w.size else 0.0
    codes = np.rint(w / top * resolution).astype(np.int64) if top > 0 else np.zeros(w.size, np.int64)
    return WeightStats(resolution=resolution,
                       histogram=np.bincount(codes + resolution, minlength=2 * resolution + 1).tolist())
