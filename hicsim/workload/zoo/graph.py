"""A small graph builder the zoo networks share: it tracks the shape every layer produces, so a
network module states only what differs between layers (channels, kernel, stride, groups) and
each layer's ``input_hw``, ``in_channels`` and ``in_features`` follow from its producer.

A layer reads the layer appended just before it unless ``src`` names another producer; only then
does it get an explicit ``inputs`` list, which keeps the exported traces short.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

from hicsim.workload.layers import Add, Concat, Conv2d, Linear, Mul, Pool
from hicsim.workload.model import NETWORK_INPUT
from hicsim.workload.shapes import output_shape


class GraphBuilder:
    def __init__(self, input_shape: tuple[int, int, int]):
        self.layers: list = []
        self.shapes: dict[str, tuple] = {NETWORK_INPUT: tuple(input_shape)}
        self.last = NETWORK_INPUT

    def shape(self, name: Optional[str] = None) -> tuple:
        return self.shapes[name or self.last]

    def conv(self, name: str, out_channels: int, kernel: int, stride: int = 1,
             groups: int = 1, padding: Optional[int] = None, src: Optional[str] = None,
             bias: bool = False, bn_in: bool = False, bn_out: bool = False) -> str:
        """A 2-D convolution; padding defaults to 'same' for odd kernels, (kernel - 1) // 2,
        which is what every zoo network uses. ``bn_in`` / ``bn_out``: a batch norm on its input
        (pre-activation) / output channels, whose parameters the layer carries."""
        channels, h, w = self._feature_map(src)
        return self.append(Conv2d(
            name=name, op="conv2d", inputs=self._inputs(src), in_channels=channels,
            out_channels=out_channels, kernel=kernel, stride=stride, groups=groups,
            padding=(kernel - 1) // 2 if padding is None else padding, input_hw=(h, w),
            bias=bias, batch_norm_channels=channels * bn_in + out_channels * bn_out))

    def pool(self, name: str, mode: str, kernel: Optional[int] = None, stride: Optional[int] = None,
             padding: int = 0, src: Optional[str] = None) -> str:
        """Max or average pooling; ``kernel=None`` is global (adaptive to 1x1) pooling."""
        channels, h, w = self._feature_map(src)
        return self.append(Pool(name=name, op="pool", inputs=self._inputs(src), mode=mode,
                                 channels=channels, input_hw=(h, w), kernel=kernel, stride=stride,
                                 padding=padding))

    def linear(self, name: str, out_features: int, src: Optional[str] = None, bias: bool = False,
               bn_in: bool = False) -> str:
        """A fully connected layer over the flattened producer (``bn_in``: a batch norm on the
        channels of its input, before a global pool, as DenseNet's last one)."""
        in_features = math.prod(self.shape(src))
        return self.append(Linear(name=name, op="linear", inputs=self._inputs(src),
                                  in_features=in_features, out_features=out_features, bias=bias,
                                  batch_norm_channels=in_features * bn_in))

    def add(self, name: str, srcs: Sequence[str]) -> str:
        """Elementwise sum of equally shaped tensors (a residual connection)."""
        return self.append(Add(name=name, op="add", inputs=list(srcs), shape=self.shape(srcs[0])))

    def scale(self, name: str, src: str, channel_scale: str) -> str:
        """``src * channel_scale`` with a [C, 1, 1] scale, as in squeeze-excitation."""
        return self.append(Mul(name=name, op="mul", inputs=[src, channel_scale],
                                shape=self.shape(src)))

    def concat(self, name: str, srcs: Sequence[str]) -> str:
        """Channel concatenation (DenseNet)."""
        shapes = [self.shape(s) for s in srcs]
        out = (sum(s[0] for s in shapes), *shapes[0][1:])
        return self.append(Concat(name=name, op="concat", inputs=list(srcs), shape=out))

    def _feature_map(self, src: Optional[str]) -> tuple[int, int, int]:
        shape = self.shape(src)
        if len(shape) != 3:
            raise ValueError(f"{src or self.last} gives shape {list(shape)}, not a feature map")
        return shape

    def _inputs(self, src: Optional[str]) -> Optional[list[str]]:
        return None if src is None or src == self.last else [src]

    def append(self, layer) -> str:
        """Add a built layer (transformer modules build their own) and track its shape."""
        self.layers.append(layer)
        self.shapes[layer.name] = output_shape(layer)
        self.last = layer.name
        return layer.name
