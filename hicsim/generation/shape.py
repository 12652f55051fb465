"""The weight tensor a layer stores, seen as K kernels of C x R x S, and the roles it plays.

Grouped and depthwise convolutions: the stored tensor is K x (C/groups) x R x S whatever the
grouping (groups only decide which inputs a kernel sees), so it is factorised as K kernels with
C/groups channels. A depthwise convolution has one channel per kernel, so level 1 can never apply
(Bi < min(1, R.S) is impossible) and level 2 only when Bo < R.S: in practice such layers are stored
directly, and the ``depthwise`` role says so up front. Linear layers and weight matmuls are K x C
with R = S = 1, so only level 2 (a low-rank K x C product) can apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from hicsim.workload.layers import Conv2d, Linear, Matmul


@dataclass(frozen=True)
class WeightShape:
    k: int  # output kernels
    c: int  # input channels each kernel sees (in_channels / groups)
    r: int
    s: int
    groups: int = 1

    def __post_init__(self):
        for name in ("k", "c", "r", "s", "groups"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"weight shape: {name} must be a positive integer, got {value!r}")

    @property
    def rs(self) -> int:
        return self.r * self.s

    @property
    def kernel_size(self) -> int:
        """Elements of one kernel, C.R.S: the columns of the level-2 product."""
        return self.c * self.rs

    @property
    def weights(self) -> int:
        return self.k * self.kernel_size

    def __str__(self) -> str:
        return f"{self.k}x{self.c}x{self.r}x{self.s}"

    @classmethod
    def of(cls, layer) -> "WeightShape":
        if isinstance(layer, Conv2d):
            r, s = layer.kernel_hw
            return cls(layer.out_channels, layer.in_channels // layer.groups, r, s, layer.groups)
        if isinstance(layer, Linear):
            return cls(layer.out_features, layer.in_features, 1, 1)
        if isinstance(layer, Matmul) and layer.weighted:
            return cls(layer.n, layer.k, 1, 1)
        raise ValueError(f"layer {getattr(layer, 'name', layer)!r} ({getattr(layer, 'op', '?')}) "
                         f"has no weights to generate")


def layer_roles(layer, position: int, n_weighted: int) -> frozenset[str]:
    """The roles of a weighted layer (``position`` among the ``n_weighted`` weighted layers) that
    a spec's ``direct:`` list can name; see hicsim.spec.generation.DirectRole."""
    roles = set()
    if position == 0:
        roles.add("first")
    if position == n_weighted - 1:
        roles.add("classifier")
    if isinstance(layer, Conv2d):
        shape = WeightShape.of(layer)
        if shape.rs == 1:
            roles.add("pointwise")
        if layer.groups > 1:
            roles.add("depthwise" if shape.c == 1 else "grouped")
    else:
        roles.add("linear")
    return frozenset(roles)
