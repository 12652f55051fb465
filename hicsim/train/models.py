"""Models: an MLP, a small CNN and a small residual network with ResNet-32's block structure
(3 stages of basic blocks, 16/32/64 channels x width, identity shortcuts with stride-2
subsampling and zero-padded channels, "option A"), at a depth a CPU trains in minutes. ResNet-32
itself is a PyTorch model (``hicsim.torch.models``) trained through ``hicsim.torch``.

A model is a ``Sequential`` of layers; weight layers get names (``conv1``, ``stage2.block1.conv2``,
``fc``) that the wear tables and rate files use. Every weight layer's initial weights and store
seed come from the model seed, in construction order.
"""

from __future__ import annotations

import numpy as np

from hicsim.train.layers import (BatchNorm2d, Conv2d, Flatten, GlobalAvgPool, Layer, Linear,
                                 MaxPool2d, ReLU)

MODELS = ("mlp", "cnn", "resnet")
TORCH_MODELS = ("resnet32", "resnet18_cifar")  # hicsim.torch.models, trained through hicsim.torch
RESNET_BLOCKS_PER_STAGE = 1  # ResNet-32 has 5; 1 keeps its structure at a CPU-sized depth


class Sequential(Layer):
    def __init__(self, layers: list):
        self.layers = layers

    def forward(self, x, train):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def update(self, lr, momentum):
        return sum(layer.update(lr, momentum) for layer in self.layers)

    def weight_layers(self):
        return [w for layer in self.layers for w in layer.weight_layers()]

    def state(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.state().items()}

    def load_state(self, state):
        for i, layer in enumerate(self.layers):
            prefix = f"{i}."
            layer.load_state({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})


class BasicBlock(Sequential):
    """relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)); the shortcut subsamples and zero-pads."""

    def __init__(self, layers: list, stride: int, in_channels: int, out_channels: int):
        super().__init__(layers)
        self.stride, self.in_channels, self.out_channels = stride, in_channels, out_channels
        self.relu = ReLU()

    def _shortcut(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        pad = self.out_channels - self.in_channels
        return np.pad(x, ((0, 0), (0, pad), (0, 0), (0, 0))) if pad else x

    def forward(self, x, train):
        self._in_shape = x.shape
        return self.relu.forward(super().forward(x, train) + self._shortcut(x), train)

    def backward(self, grad):
        grad = self.relu.backward(grad)
        out = super().backward(grad)
        out[:, :, ::self.stride, ::self.stride] += grad[:, : self.in_channels]
        return out


def layer_seed(seed: int, k: int) -> int:
    """The store seed of a network's k-th weight layer (from 1, in construction order)."""
    return int(np.random.SeedSequence([seed, 2, k]).generate_state(1)[0])


class ModelBuilder:
    """Creates weight layers with seeds and names derived in order from the model seed."""

    def __init__(self, arch, rule: str, seed: int):
        self.arch, self.rule = arch, rule
        self.rng = np.random.default_rng([seed, 1])
        self._layers = 0
        self._seed = seed

    def _next_seed(self) -> int:
        self._layers += 1
        return layer_seed(self._seed, self._layers)

    def linear(self, name, inputs, outputs):
        return Linear(name, inputs, outputs, self.arch, self.rule, self.rng, self._next_seed())

    def conv(self, name, cin, cout, kernel=3, stride=1, bias=True):
        return Conv2d(name, cin, cout, kernel, self.arch, self.rule, self.rng, self._next_seed(),
                      stride=stride, padding=kernel // 2, bias=bias)


def channels(base: int, width: float) -> int:
    return max(1, int(round(base * width)))


def build_model(name: str, input_shape: tuple, classes: int, width: float, arch, rule: str,
                seed: int) -> Sequential:
    b = ModelBuilder(arch, rule, seed)
    c, h, w = input_shape
    if name == "mlp":
        hidden = channels(64, width)
        return Sequential([Flatten(), b.linear("fc1", c * h * w, hidden), ReLU(),
                           b.linear("fc2", hidden, hidden), ReLU(), b.linear("fc3", hidden, classes)])
    if name == "cnn":
        c1, c2 = channels(16, width), channels(32, width)
        return Sequential([b.conv("conv1", c, c1), ReLU(), MaxPool2d(2),
                           b.conv("conv2", c1, c2), ReLU(), MaxPool2d(2), Flatten(),
                           b.linear("fc", c2 * (h // 4) * (w // 4), classes)])
    if name == "resnet":
        return _resnet(b, c, classes, width)
    raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")


def _resnet(b: ModelBuilder, in_channels: int, classes: int, width: float) -> Sequential:
    widths = [channels(base, width) for base in (16, 32, 64)]
    layers = [b.conv("conv1", in_channels, widths[0], bias=False), BatchNorm2d(widths[0]), ReLU()]
    cin = widths[0]
    for stage, cout in enumerate(widths, start=1):
        for block in range(1, RESNET_BLOCKS_PER_STAGE + 1):
            stride = 2 if stage > 1 and block == 1 else 1
            p = f"stage{stage}.block{block}."
            layers.append(BasicBlock([b.conv(p + "conv1", cin, cout, stride=stride, bias=False),
                                      BatchNorm2d(cout), ReLU(),
                                      b.conv(p + "conv2", cout, cout, bias=False), BatchNorm2d(cout)],
                                     stride, cin, cout))
            cin = cout
    layers += [GlobalAvgPool(), b.linear("fc", cin, classes)]
    return Sequential(layers)


def build_network(name: str, input_shape: tuple, classes: int, width: float, arch, rule: str,
                  seed: int):
    """A built-in numpy model (``MODELS``), or a PyTorch network converted onto the devices
    (``hicsim.torch.network``: ``TORCH_MODELS`` or ``module:factory``)."""
    if name in MODELS:
        return build_model(name, input_shape, classes, width, arch, rule, seed)
    from hicsim.torch.network import build_network as build_torch  # the torch extra, only here
    return build_torch(name, input_shape, classes, width, arch, rule, seed)
