"""PyTorch networks that hicsim trains on simulated devices (``convert`` them first) and whose
module names match the workload zoo's layers (``hicsim.workload.zoo.resnet``), so a rate file
measured on one of them (``hicsim train``) names the zoo workload's layers.

- ``BasicBlock``: torchvision's basic block (``conv1``, ``bn1``, ``relu``, ``conv2``, ``bn2``,
  ``downsample``); where the shape changes the shortcut is a 1x1 strided convolution with batch
  norm (He et al. 2016 option B, as the zoo) or, with ``shortcut="a"``, the CIFAR paper's
  option A (subsample, zero-pad the channels; no weights).
- ``ResNetCifar``: the CIFAR stem (3x3 conv, no max pool), stages of basic blocks, global average
  pool, ``fc``. ``resnet32`` (3 stages x 5 blocks, 16/32/64 channels x ``width``) and
  ``resnet18_cifar`` (4 x 2, 64..512) are factories for ``hicsim train --torch``: they take
  ``in_channels``, ``classes`` and ``width`` as keywords. Three stages halve an 8x8 digit twice,
  so ResNet-32 runs on scikit-learn's digits as on 32x32 CIFAR-10.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from hicsim.workload.zoo.channels import scaled


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1, shortcut: str = "b"):
        super().__init__()
        if shortcut not in ("a", "b"):
            raise ValueError(f"shortcut must be 'a' or 'b', got {shortcut!r}")
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        self.stride, self.pad = stride, 0
        if stride != 1 or inplanes != planes:
            if shortcut == "b":
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))
            else:
                self.pad = planes - inplanes

    def _shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample is not None:
            return self.downsample(x)
        if self.stride == 1 and not self.pad:
            return x
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.pad))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self._shortcut(x)  # after the main path, as torchvision (the traced layer order)
        return self.relu(out)


class ResNetCifar(nn.Module):
    def __init__(self, channels: Sequence[int], blocks: Sequence[int], classes: int = 10,
                 in_channels: int = 3, width: float = 1.0, shortcut: str = "b"):
        super().__init__()
        widths = [scaled(c, width) for c in channels]
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        inplanes = widths[0]
        for s, (planes, count) in enumerate(zip(widths, blocks), start=1):
            stride = 1 if s == 1 else 2
            stage = [BasicBlock(inplanes if b == 0 else planes, planes, stride if b == 0 else 1,
                                shortcut) for b in range(count)]
            setattr(self, f"layer{s}", nn.Sequential(*stage))
            inplanes = planes
        self.stages = len(widths)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for s in range(1, self.stages + 1):
            x = getattr(self, f"layer{s}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet32(classes: int = 10, in_channels: int = 3, width: float = 1.0,
             shortcut: str = "b") -> ResNetCifar:
    """ResNet-32 (He et al. 2016, 6n + 2 layers with n = 5): the zoo's ``resnet32_cifar10``."""
    return ResNetCifar((16, 32, 64), (5, 5, 5), classes, in_channels, width, shortcut)


def resnet18_cifar(classes: int = 10, in_channels: int = 3, width: float = 1.0) -> ResNetCifar:
    """torchvision's ResNet-18 with the CIFAR stem: the zoo's ``resnet18_cifar10``."""
    return ResNetCifar((64, 128, 256, 512), (2, 2, 2, 2), classes, in_channels, width)


MODELS = {"resnet32": resnet32, "resnet18_cifar": resnet18_cifar}
