"""ResNets: with basic blocks ResNet-18 (ImageNet and CIFAR variants) and the CIFAR ResNet-32;
with bottleneck blocks ResNet-152 (torchvision's, stride on the 3x3 convolution: ResNet v1.5).

Layer names follow torchvision's ``ResNet`` modules (``conv1``, ``maxpool``,
``layer1.0.conv1``, ``layer2.0.downsample.0``, ``avgpool``, ``fc``); the residual sum, which is
not a module there, is ``layerS.B.add``. Every convolution is followed by a batch norm, whose
parameters it carries (``batch_norm_channels``); the classifier has a bias. ReLU is folded away:
it costs no crossbar work and the engine has no op for it.

Shortcuts where the shape changes are 1x1 strided convolutions (He et al. option B), in every
variant. The CIFAR ResNet-32 of He et al. (2016) used option A (subsample and zero-pad channels,
no weights); option B is used here because the workload schema cannot express zero-padding of
channels, and it adds only 2,560 weights (16x32 + 32x64) and 0.26M MACs to ResNet-32.
"""

from __future__ import annotations

from typing import Sequence

from hicsim.workload.zoo.channels import scaled
from hicsim.workload.zoo.graph import GraphBuilder


def build(g: GraphBuilder, *, num_classes: int, width: float, stem: str,
          channels: Sequence[int], blocks: Sequence[int], bottleneck: bool = False) -> None:
    """``stem``: 'imagenet' (7x7/2 conv + 3x3/2 max pool) or 'cifar' (3x3/1 conv, no pool).
    Stage ``s`` has ``blocks[s]`` basic blocks of ``channels[s] * width`` channels (bottleneck
    blocks: that many inside, four times as many out); every stage after the first halves the
    feature map in its first block."""
    widths = [scaled(c, width) for c in channels]
    if stem == "imagenet":
        g.conv("conv1", widths[0], kernel=7, stride=2, bn_out=True)
        g.pool("maxpool", "max", kernel=3, stride=2, padding=1)
    else:
        g.conv("conv1", widths[0], kernel=3, bn_out=True)
    for s, (out, count) in enumerate(zip(widths, blocks)):
        for b in range(count):
            block = _bottleneck if bottleneck else _basic_block
            block(g, f"layer{s + 1}.{b}", out, stride=2 if s > 0 and b == 0 else 1)
    g.pool("avgpool", "avg")
    g.linear("fc", num_classes, bias=True)


def _basic_block(g: GraphBuilder, name: str, out: int, stride: int) -> None:
    block_input = g.last
    g.conv(f"{name}.conv1", out, kernel=3, stride=stride, bn_out=True)
    main = g.conv(f"{name}.conv2", out, kernel=3, bn_out=True)
    _shortcut(g, name, block_input, main, out, stride)


def _bottleneck(g: GraphBuilder, name: str, inner: int, stride: int) -> None:
    """1x1 down to ``inner`` channels, 3x3 (strided), 1x1 up to 4 x ``inner`` (torchvision)."""
    block_input = g.last
    g.conv(f"{name}.conv1", inner, kernel=1, bn_out=True)
    g.conv(f"{name}.conv2", inner, kernel=3, stride=stride, bn_out=True)
    main = g.conv(f"{name}.conv3", 4 * inner, kernel=1, bn_out=True)
    _shortcut(g, name, block_input, main, 4 * inner, stride)


def _shortcut(g: GraphBuilder, name: str, block_input: str, main: str, out: int,
              stride: int) -> None:
    """The residual sum, through a strided 1x1 convolution where the shape changes."""
    shortcut = block_input
    if stride != 1 or g.shape(block_input)[0] != out:
        shortcut = g.conv(f"{name}.downsample.0", out, kernel=1, stride=stride, src=block_input,
                          bn_out=True)
    g.add(f"{name}.add", [main, shortcut])
