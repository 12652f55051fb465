"""VGG-8 for CIFAR-10 as used by DNN+NeuroSim and much of the in-memory-computing literature:
conv 128-128-M-256-256-M-512-512-M (3x3, padding 1; 2x2 max pools), then FC 8192-1024 and
FC 1024-num_classes. No batch norm, as in NeuroSim's model.

Names follow torchvision's ``VGG`` built by ``make_layers`` without batch norm: ``features.i``
counts conv, ReLU and pool modules alike (so convs are features.0, .2, .5, .7, .10, .12 and pools
features.4, .9, .14); the classifier is ``classifier.0`` and ``classifier.2`` (ReLU between).
``width`` scales the conv channels; the 1024-wide hidden FC layer is kept.
"""

from __future__ import annotations

from typing import Sequence, Union

from hicsim.workload.zoo.channels import scaled
from hicsim.workload.zoo.graph import GraphBuilder

POOL = "M"
VGG8_FEATURES = (128, 128, POOL, 256, 256, POOL, 512, 512, POOL)


def build(g: GraphBuilder, *, num_classes: int, width: float,
          features: Sequence[Union[int, str]], hidden: int) -> None:
    index = 0
    for item in features:
        if item == POOL:
            g.pool(f"features.{index}", "max", kernel=2, stride=2)
            index += 1
        else:
            g.conv(f"features.{index}", scaled(item, width), kernel=3)
            index += 2  # the conv and its ReLU
    g.linear("classifier.0", hidden)
    g.linear("classifier.2", num_classes)
