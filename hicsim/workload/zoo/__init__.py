"""A network zoo in code: exact layer lists (every conv with its groups, stride, padding and
input size, and the weightless adds, concats and pools between them) for the benchmark networks.

    >>> from hicsim.workload import zoo
    >>> zoo.names()
    ['densenet121_imagenet', 'mobilenetv2_imagenet', ...]
    >>> w = zoo.build("resnet18_imagenet", batch=4, weight_bits=4)

Options: batch, input_bits, weight_bits, phase, width (channel multiplier; not DenseNet),
num_classes and input_size (default: the dataset's). One module per family; ``registry`` holds
the table of variants.
"""

from hicsim.workload.zoo.registry import NETWORKS, ZooOptions, build, names

__all__ = ["build", "names", "NETWORKS", "ZooOptions"]
