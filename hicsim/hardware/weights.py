"""The weight representation: which devices hold one weight, in which roles, on how many columns.

One object, built once from the validated spec (which has already checked every rule: device
names and cells, binary-device count, levels per slice), read by the mapping (columns), the
engine (device roles), the functional model (``devices.layout`` derives the kernels' flat layout
from it) and the costs and area.

Each device of a weight has its own column (its current is converted and shifted-and-added
digitally); a differential pair doubles the columns; an offset-encoded sign costs one shared
reference column per crossbar instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WeightRepresentation:
    kind: str  # hic, multilevel or bit_sliced
    device_names: tuple[str, ...]  # devices per weight on one sign side (MSB first for HIC)
    sign_columns: int  # 2 for a differential pair, 1 for offset encoding
    reference_columns: int  # per crossbar (offset encoding)
    analog: str  # the device holding the weight's analog part (every representation has one)
    binary: str | None  # the device holding its binary bits (HIC), else None
    spec: Any  # the validated ``tile.weights`` model (representation-specific numbers)

    @property
    def columns_per_weight(self) -> int:
        return len(self.device_names) * self.sign_columns

    @property
    def differential(self) -> bool:
        return self.sign_columns == 2

    def devices_by_name(self) -> dict[str, int]:
        """Devices of each named device per weight, both signs counted."""
        return {name: n * self.sign_columns for name, n in Counter(self.device_names).items()}

    def weights_per_crossbar_row(self, cols: int) -> int:
        return (cols - self.reference_columns) // self.columns_per_weight


def weight_representation(weights: Any) -> WeightRepresentation:
    """From the validated ``tile.weights`` section of an ``Arch``."""
    roles = weights.roles()
    analog = roles.get("multilevel", roles.get("device"))[0]
    names = tuple(weights.device_names())
    binary = roles["binary"][0] if "binary" in roles and roles["binary"][0] in names else None
    return WeightRepresentation(
        kind=weights.representation, device_names=names,
        sign_columns=weights.sign_columns(), reference_columns=weights.reference_columns(),
        analog=analog, binary=binary, spec=weights)
