"""DenseNet-BC (Huang et al. 2017): DenseNet-121 is growth 32, bn_size 4, blocks (6, 12, 24, 16),
64 stem channels, compression 0.5 in the transitions.

Layer names follow torchvision's ``DenseNet``: ``features.conv0``, ``features.pool0``,
``features.denseblock1.denselayer1.conv1`` / ``.conv2``, ``features.transition1.conv`` /
``.pool``, ``classifier``. Two names have no module there: ``avgpool`` (torchvision calls
``F.adaptive_avg_pool2d`` in ``forward``) and the concatenations. torchvision concatenates all
earlier feature maps at the start of every dense layer; here each dense layer ends with
``...denselayerN.concat`` = [block state so far, its new ``growth`` channels], which is the same
tensor the next layer reads and copies the same elements.

Batch norms, as torchvision places them: ``norm0`` after the stem conv; in each dense layer
``norm1`` before ``conv1`` (on the concatenated input) and ``norm2`` between ``conv1`` and
``conv2``; one before each transition conv; ``norm5`` before the global pool. Each is carried
by the conv it touches (``norm1`` and ``norm2`` both by ``conv1``, ``norm5`` by the classifier):
2 x 41,824 = 83,648 parameters for DenseNet-121. The classifier has a bias.

``stem``: 'imagenet' is torchvision's 7x7/2 conv and 3x3/2 max pool; 'cifar' a 3x3/1 conv and no
pool, the usual CIFAR variant (a 32x32 image keeps 32x32 into the first dense block).
"""

from __future__ import annotations

from typing import Sequence

from hicsim.workload.zoo.graph import GraphBuilder


def build(g: GraphBuilder, *, num_classes: int, width: float, growth: int, bn_size: int,
          blocks: Sequence[int], stem_channels: int, stem: str = "imagenet") -> None:
    if width != 1:
        raise ValueError("DenseNet has no width multiplier (its width is the growth rate)")
    if stem == "imagenet":
        g.conv("features.conv0", stem_channels, kernel=7, stride=2, bn_out=True)
        g.pool("features.pool0", "max", kernel=3, stride=2, padding=1)
    else:
        g.conv("features.conv0", stem_channels, kernel=3, bn_out=True)
    for b, layers in enumerate(blocks, start=1):
        for n in range(1, layers + 1):
            _dense_layer(g, f"features.denseblock{b}.denselayer{n}", growth, bn_size)
        if b < len(blocks):
            half = g.shape()[0] // 2
            g.conv(f"features.transition{b}.conv", half, kernel=1, bn_in=True)
            g.pool(f"features.transition{b}.pool", "avg", kernel=2, stride=2)
    g.pool("avgpool", "avg")
    g.linear("classifier", num_classes, bias=True, bn_in=True)


def _dense_layer(g: GraphBuilder, name: str, growth: int, bn_size: int) -> None:
    state = g.last
    g.conv(f"{name}.conv1", bn_size * growth, kernel=1, bn_in=True, bn_out=True)
    new = g.conv(f"{name}.conv2", growth, kernel=3)
    g.concat(f"{name}.concat", [state, new])
