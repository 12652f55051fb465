"""A grouped convolution's weights (``groups`` > 1, e.g. MobileNet's depthwise layers): one store
per group, each its own crossbar block, as the engine maps them (``mapping.place``: groups are
blocks of rows x cols, packed block-diagonally onto crossbars).

The layer's matrix is packed (rows of one group, outputs of all groups): group j owns columns
j * cols .. (j + 1) * cols and reads input rows j * rows .. (j + 1) * rows of the im2col patches
(channels are contiguous per group in both). Forward, transposed read and update run each
group's own store (``CrossbarArray`` or ``FloatArray``) on its slice; wear, effective weights and
the clock are the groups' side by side along the columns. Every store method a weight layer,
the wear tables and the drift study use is here, delegating to the blocks.
"""

from __future__ import annotations

import numpy as np


class GroupedStore:
    def __init__(self, blocks: list):
        self.blocks = blocks
        self.rows, self.cols = blocks[0].shape

    @property
    def groups(self) -> int:
        return len(self.blocks)

    @property
    def shape(self) -> tuple[int, int]:
        """The packed matrix (rows of one group, all outputs): its size is the weight count."""
        return self.rows, self.cols * self.groups

    @property
    def inputs(self) -> int:
        return self.rows * self.groups

    def __getattr__(self, name):  # device description (layout, ml, bp, step, ...): the groups share it
        if name == "blocks":
            raise AttributeError(name)
        return getattr(self.blocks[0], name)

    def _split(self, a: np.ndarray, width: int) -> list[np.ndarray]:
        return [a[:, j * width:(j + 1) * width] for j in range(self.groups)]

    def forward(self, x, **options) -> np.ndarray:
        return np.concatenate([b.forward(xj, **options)
                               for b, xj in zip(self.blocks, self._split(x, self.rows))], axis=1)

    def backward(self, delta, **options) -> np.ndarray:
        return np.concatenate([b.backward(dj, **options)
                               for b, dj in zip(self.blocks, self._split(delta, self.cols))], axis=1)

    def skip_read(self) -> None:
        for b in self.blocks:
            b.skip_read()

    @property
    def weights(self) -> np.ndarray:
        return np.concatenate([b.weights for b in self.blocks], axis=1)

    def effective_weights(self) -> np.ndarray:
        return np.concatenate([b.effective_weights() for b in self.blocks], axis=1)

    def wear(self) -> dict[str, np.ndarray]:
        parts = [b.wear() for b in self.blocks]
        return {k: np.concatenate([p[k] for p in parts], axis=2) for k in parts[0]}

    def set_time(self, t_now: float) -> None:
        for b in self.blocks:
            b.set_time(t_now)
