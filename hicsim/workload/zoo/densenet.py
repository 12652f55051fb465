"""DenseNet-BC (Huang et al. 2017) for ImageNet: DenseNet-121 is growth 32, bn_size 4,
blocks (6, 12, 24, 16), 64 stem channels, compression 0.5 in the transitions.

Layer names follow torchvision's ``DenseNet``: ``features.conv0``, ``features.pool0``,
``features.denseblock1.denselayer1.conv1`` / ``.conv2``, ``features.transition1.conv`` /
``.pool``, ``classifier``. Two names have no module there: ``avgpool`` (torchvision calls
``F.adaptive_avg_pool2d`` in ``forward``) and the concatenations. torchvision concatenates all
earlier feature maps at the start of every dense layer; here each dense layer ends with
``...denselayerN.concat`` = [block state so far, its new ``growth`` channels], which is the same
tensor the next layer reads and copies the same elements.
"""

from __future__ import annotations

from typing import Sequence

from hicsim.workload.zoo.graph import GraphBuilder


def build(g: GraphBuilder, *, num_classes: int, width: float, growth: int, bn_size: int,
          blocks: Sequence[int], stem_channels: int) -> None:
    if width != 1:
        raise ValueError("DenseNet has no width multiplier (its width is the growth rate)")
    g.conv("features.conv0", stem_channels, kernel=7, stride=2)
    g.pool("features.pool0", "max", kernel=3, stride=2, padding=1)
    for b, layers in enumerate(blocks, start=1):
        for n in range(1, layers + 1):
            _dense_layer(g, f"features.denseblock{b}.denselayer{n}", growth, bn_size)
        if b < len(blocks):
            half = g.shape()[0] // 2
            g.conv(f"features.transition{b}.conv", half, kernel=1)
            g.pool(f"features.transition{b}.pool", "avg", kernel=2, stride=2)
    g.pool("avgpool", "avg")
    g.linear("classifier", num_classes)


def _dense_layer(g: GraphBuilder, name: str, growth: int, bn_size: int) -> None:
    state = g.last
    g.conv(f"{name}.conv1", bn_size * growth, kernel=1)
    new = g.conv(f"{name}.conv2", growth, kernel=3)
    g.concat(f"{name}.concat", [state, new])
