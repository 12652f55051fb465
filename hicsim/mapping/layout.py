"""How one weight sits on a crossbar: which devices hold it and how many columns they take.

Each device of a weight has its own column (its current is converted and shifted-and-added
digitally); a differential pair doubles the columns; an offset-encoded sign costs one shared
reference column per crossbar instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hicsim.spec.arch import Arch


@dataclass(frozen=True)
class WeightLayout:
    device_names: tuple[str, ...]  # devices per weight, one sign (MSB first for HIC)
    sign_columns: int  # 2 for a differential pair, 1 for offset encoding
    reference_columns: int  # per crossbar (offset encoding)

    @property
    def columns_per_weight(self) -> int:
        return len(self.device_names) * self.sign_columns

    def devices_by_kind(self) -> dict[str, int]:
        """Devices of each named kind per weight, both signs counted."""
        return {name: n * self.sign_columns for name, n in Counter(self.device_names).items()}

    def weights_per_crossbar_row(self, cols: int) -> int:
        return (cols - self.reference_columns) // self.columns_per_weight


def layout_of(arch: Arch) -> WeightLayout:
    w = arch.tile.weights
    return WeightLayout(tuple(w.device_names()), w.sign_columns(), w.reference_columns())
