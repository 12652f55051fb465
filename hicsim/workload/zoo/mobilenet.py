"""MobileNetV2 and MobileNetV3 (small, large) for ImageNet, with torchvision's layer settings and
module names, built from one inverted-residual block.

Names: V2 blocks are ``features.i.conv.j.0`` (expand, depthwise) and ``features.i.conv.j`` (the
linear projection, a bare conv there); V3 blocks are ``features.i.block.j.0`` and their
squeeze-excitation ``features.i.block.j.avgpool`` / ``.fc1`` / ``.fc2``. Residual sums are
``features.i.add`` and the SE channel scaling ``features.i.block.j.mul`` (written as a broadcast
``add``, see ``GraphBuilder.scale``). V2's global pool, a functional call in torchvision, is named
``avgpool``. As in torchvision, every convolution but the squeeze-excitation ones is followed by a
batch norm, whose parameters it carries; the squeeze-excitation convolutions and the classifier
layers have biases. Activations are folded away.

``stem_stride``: 2 for ImageNet; the CIFAR variants use 1, so a 32x32 image enters the first
block at 32x32 (an assumption: published CIFAR variants differ in where they drop the strides;
this is the one change they share).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from hicsim.workload.zoo.channels import make_divisible
from hicsim.workload.zoo.graph import GraphBuilder

# torchvision mobilenet_v2: (expand ratio t, out channels c, repeats n, first stride s).
V2_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
               (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


class Bneck(NamedTuple):
    """One row of torchvision's ``_mobilenet_v3_conf`` (activation and dilation left out: the
    activation costs no crossbar work and the ImageNet models use dilation 1)."""
    in_channels: int
    kernel: int
    expanded: int
    out_channels: int
    se: bool
    stride: int


V3_LARGE = (Bneck(16, 3, 16, 16, False, 1), Bneck(16, 3, 64, 24, False, 2),
            Bneck(24, 3, 72, 24, False, 1), Bneck(24, 5, 72, 40, True, 2),
            Bneck(40, 5, 120, 40, True, 1), Bneck(40, 5, 120, 40, True, 1),
            Bneck(40, 3, 240, 80, False, 2), Bneck(80, 3, 200, 80, False, 1),
            Bneck(80, 3, 184, 80, False, 1), Bneck(80, 3, 184, 80, False, 1),
            Bneck(80, 3, 480, 112, True, 1), Bneck(112, 3, 672, 112, True, 1),
            Bneck(112, 5, 672, 160, True, 2), Bneck(160, 5, 960, 160, True, 1),
            Bneck(160, 5, 960, 160, True, 1))
V3_SMALL = (Bneck(16, 3, 16, 16, True, 2), Bneck(16, 3, 72, 24, False, 2),
            Bneck(24, 3, 88, 24, False, 1), Bneck(24, 5, 96, 40, True, 2),
            Bneck(40, 5, 240, 40, True, 1), Bneck(40, 5, 240, 40, True, 1),
            Bneck(40, 5, 120, 48, True, 1), Bneck(48, 5, 144, 48, True, 1),
            Bneck(48, 5, 288, 96, True, 2), Bneck(96, 5, 576, 96, True, 1),
            Bneck(96, 5, 576, 96, True, 1))
V3_CONFIGS = {"large": (V3_LARGE, 1280), "small": (V3_SMALL, 1024)}  # blocks, classifier width


def build_v2(g: GraphBuilder, *, num_classes: int, width: float, stem_stride: int = 2) -> None:
    g.conv("features.0.0", make_divisible(32 * width), kernel=3, stride=stem_stride, bn_out=True)
    index = 1
    for t, c, n, s in V2_SETTINGS:
        out = make_divisible(c * width)
        for r in range(n):
            expanded = int(round(g.shape()[0] * t))
            _inverted_residual(g, f"features.{index}", "conv", out, 3, s if r == 0 else 1,
                               expanded, squeeze=None, bare_projection=True, input_first=True)
            index += 1
    g.conv(f"features.{index}.0", make_divisible(1280 * max(1.0, width)), kernel=1, bn_out=True)
    g.pool("avgpool", "avg")
    g.linear("classifier.1", num_classes, bias=True)


def build_v3(g: GraphBuilder, *, num_classes: int, width: float, size: str,
             stem_stride: int = 2) -> None:
    blocks, classifier_width = V3_CONFIGS[size]
    g.conv("features.0.0", make_divisible(blocks[0].in_channels * width), kernel=3,
           stride=stem_stride, bn_out=True)
    for index, b in enumerate(blocks, start=1):
        expanded = make_divisible(b.expanded * width)
        squeeze = make_divisible(expanded // 4) if b.se else None
        _inverted_residual(g, f"features.{index}", "block", make_divisible(b.out_channels * width),
                           b.kernel, b.stride, expanded, squeeze, bare_projection=False,
                           input_first=False)
    g.conv(f"features.{len(blocks) + 1}.0", 6 * g.shape()[0], kernel=1, bn_out=True)
    g.pool("avgpool", "avg")
    g.linear("classifier.0", make_divisible(classifier_width * width), bias=True)
    g.linear("classifier.3", num_classes, bias=True)


def _inverted_residual(g: GraphBuilder, name: str, container: str, out: int, kernel: int,
                       stride: int, expanded: int, squeeze: Optional[int],
                       bare_projection: bool, input_first: bool) -> None:
    """1x1 expansion (skipped when it would not expand), depthwise conv, optional
    squeeze-excitation, 1x1 linear projection; a residual sum when the shape is unchanged, with
    the operands in torchvision's order (V2: ``x + conv(x)``; V3: ``result += input``)."""
    block_input, in_channels = g.last, g.shape()[0]
    prefix, j = f"{name}.{container}", 0
    if expanded != in_channels:
        g.conv(f"{prefix}.{j}.0", expanded, kernel=1, bn_out=True)
        j += 1
    depthwise = g.conv(f"{prefix}.{j}.0", expanded, kernel=kernel, stride=stride, groups=expanded,
                       bn_out=True)
    j += 1
    if squeeze is not None:
        se = f"{prefix}.{j}"
        g.pool(f"{se}.avgpool", "avg")
        g.conv(f"{se}.fc1", squeeze, kernel=1, bias=True)
        scale = g.conv(f"{se}.fc2", expanded, kernel=1, bias=True)
        g.scale(f"{se}.mul", depthwise, scale)
        j += 1
    g.conv(f"{prefix}.{j}" + ("" if bare_projection else ".0"), out, kernel=1, bn_out=True)
    if stride == 1 and in_channels == out:
        g.add(f"{name}.add", [block_input, g.last] if input_first else [g.last, block_input])
