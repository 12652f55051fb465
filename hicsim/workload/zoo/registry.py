"""The zoo's table of networks and the one entry point that builds any of them.

Every network is a family builder (one function per family, in its own module) plus the fixed
arguments of its variant and its dataset's defaults. ``build`` validates the options once,
runs the builder on a ``GraphBuilder`` and wraps the layers in a ``Workload`` whose ``source``
is the ``hicsim export`` command that rebuilds it.
"""

from __future__ import annotations

from typing import Any, Callable, Literal, NamedTuple, Optional

from pydantic import Field

from hicsim.spec.errors import InputError
from hicsim.spec.load import validate
from hicsim.spec.quantities import Bits, PositiveInt, Strict
from hicsim.workload.model import Workload
from hicsim.workload.rates import load_rates, with_rates
from hicsim.workload.decode import Decode
from hicsim.workload.zoo import densenet, mobilenet, resnet, transformers, vgg
from hicsim.workload.zoo.graph import GraphBuilder


class Dataset(NamedTuple):
    num_classes: int  # language models: the vocabulary
    input_size: int  # square images, or tokens of a sequence
    channels: int = 3
    tokens: bool = False  # the input is a sequence of token ids




CIFAR10 = Dataset(num_classes=10, input_size=32)
IMAGENET = Dataset(num_classes=1000, input_size=224)


class Network(NamedTuple):
    builder: Callable[..., None]
    dataset: Dataset
    variant: dict
    summary: str
    new_tokens: Optional[int] = None  # decoders: tokens generated after the prefill


# CIFAR-10 variants of the ImageNet networks (the in-situ generation benchmarks): 32x32 inputs,
# 10 classes, the stem changed as each module says (ResNet-18's is the entry above).
CIFAR_VARIANTS = {
    "densenet121_cifar10": Network(
        densenet.build, CIFAR10,
        dict(growth=32, bn_size=4, blocks=(6, 12, 24, 16), stem_channels=64, stem="cifar"),
        "DenseNet-121 with a 3x3 stem and no max pool"),
    "mobilenetv2_cifar10": Network(mobilenet.build_v2, CIFAR10, dict(stem_stride=1),
                                   "MobileNetV2 with a stride-1 stem"),
    "mobilenetv3_small_cifar10": Network(mobilenet.build_v3, CIFAR10,
                                         dict(size="small", stem_stride=1),
                                         "MobileNetV3-Small with a stride-1 stem"),
    "mobilenetv3_large_cifar10": Network(mobilenet.build_v3, CIFAR10,
                                         dict(size="large", stem_stride=1),
                                         "MobileNetV3-Large with a stride-1 stem"),
}

NETWORKS = {
    "resnet32_cifar10": Network(
        resnet.build, CIFAR10, dict(stem="cifar", channels=(16, 32, 64), blocks=(5, 5, 5)),
        "ResNet-32 (He et al. 2016), 1x1-conv shortcuts"),
    "resnet18_cifar10": Network(
        resnet.build, CIFAR10,
        dict(stem="cifar", channels=(64, 128, 256, 512), blocks=(2, 2, 2, 2)),
        "ResNet-18 with a 3x3 stem and no max pool"),
    "resnet18_imagenet": Network(
        resnet.build, IMAGENET,
        dict(stem="imagenet", channels=(64, 128, 256, 512), blocks=(2, 2, 2, 2)),
        "torchvision resnet18"),
    "resnet152_imagenet": Network(
        resnet.build, IMAGENET,
        dict(stem="imagenet", channels=(64, 128, 256, 512), blocks=(3, 8, 36, 3), bottleneck=True),
        "torchvision resnet152"),
    "densenet121_imagenet": Network(
        densenet.build, IMAGENET,
        dict(growth=32, bn_size=4, blocks=(6, 12, 24, 16), stem_channels=64),
        "torchvision densenet121"),
    "mobilenetv2_imagenet": Network(mobilenet.build_v2, IMAGENET, {}, "torchvision mobilenet_v2"),
    "mobilenetv3_small_imagenet": Network(
        mobilenet.build_v3, IMAGENET, dict(size="small"), "torchvision mobilenet_v3_small"),
    "mobilenetv3_large_imagenet": Network(
        mobilenet.build_v3, IMAGENET, dict(size="large"), "torchvision mobilenet_v3_large"),
    **CIFAR_VARIANTS,
    "vgg8_cifar10": Network(
        vgg.build, CIFAR10, dict(features=vgg.VGG8_FEATURES, hidden=1024),
        "VGG-8 of DNN+NeuroSim: 6 conv + 2 FC"),
    "vit_b16_imagenet": Network(
        transformers.build_vit, IMAGENET, dict(patch=16, layers=12, heads=12),
        "torchvision vit_b_16"),
    "bert_base_seq128": Network(
        transformers.build_bert, Dataset(num_classes=2, input_size=128, tokens=True),
        dict(vocab=30522, positions=512, layers=12, heads=12),
        "Hugging Face bert-base-uncased, sequence classification (2 labels)"),
    "gpt2_small_decode": Network(
        transformers.build_gpt2, Dataset(num_classes=50257, input_size=64, tokens=True),
        dict(positions=1024, layers=12, heads=12),
        "Hugging Face gpt2 (small): prefill of a 64-token prompt, then 128 decode steps", 128),
}


class ZooOptions(Strict):
    """Options every zoo network takes; ``None`` means the network's own default."""

    batch: PositiveInt = 1
    input_bits: Bits = 8
    weight_bits: Bits = 8
    phase: Literal["inference", "training"] = "inference"
    width: float = Field(default=1.0, gt=0, le=16, description="channel-count multiplier")
    num_classes: Optional[PositiveInt] = None
    input_size: Optional[PositiveInt] = Field(default=None, description="image height = width")
    rates: Optional[str] = Field(default=None, description="programming-rate file (training)")
    dataset_size: Optional[PositiveInt] = Field(default=None, description="samples per epoch")


def names() -> list[str]:
    return sorted(NETWORKS)


def build(name: str, **options: Any) -> Workload:
    """The workload of zoo network ``name``; options as in ``ZooOptions``. Bad names or options
    raise an InputError naming the option."""
    source = f"zoo:{name}"
    if name not in NETWORKS:
        raise InputError(source, [("", f"unknown network; the zoo has: {', '.join(names())}")])
    net = NETWORKS[name]
    opts = _resolve(validate(ZooOptions, options, source), net.dataset)
    size = opts.input_size
    g = GraphBuilder((size,) if net.dataset.tokens else (net.dataset.channels, size, size))
    try:
        net.builder(g, num_classes=opts.num_classes, width=opts.width, **net.variant)
    except ValueError as exc:  # pydantic's ValidationError too: e.g. an input too small
        raise InputError(source, [("", f"cannot build with {_flags(opts, net.dataset)}: "
                                       f"{str(exc).splitlines()[-1].strip()}")]) from None
    workload = Workload(version=1, name=name, batch=opts.batch, input_bits=opts.input_bits,
                        weight_bits=opts.weight_bits, dataset_size=opts.dataset_size,
                        decode=None if net.new_tokens is None else Decode(new_tokens=net.new_tokens),
                        source=f"hicsim export --model {name} {_flags(opts, net.dataset)}",
                        layers=g.layers)
    if opts.phase == "inference":
        return workload
    if opts.rates is None:
        raise InputError(source, [("rates", "a training workload needs a programming-rate file "
                                            "(written by `hicsim train`, or by hand)")])
    return with_rates(workload, load_rates(opts.rates), opts.rates)


def _resolve(opts: ZooOptions, dataset: Dataset) -> ZooOptions:
    """Options with the dataset's defaults filled in."""
    return opts.model_copy(update={"num_classes": opts.num_classes or dataset.num_classes,
                                   "input_size": opts.input_size or dataset.input_size})


def _flags(opts: ZooOptions, dataset: Dataset) -> str:
    """The ``hicsim export`` flags that rebuild ``opts``: batch, precisions and phase always;
    width, classes and input size only when they differ from the network's defaults."""
    flags = {"batch": opts.batch, "input-bits": opts.input_bits, "weight-bits": opts.weight_bits,
             "phase": opts.phase}
    if opts.width != 1:
        short = f"{opts.width:g}"
        flags["width"] = short if float(short) == opts.width else repr(opts.width)
    if opts.num_classes != dataset.num_classes:
        flags["num-classes"] = opts.num_classes
    if opts.input_size != dataset.input_size:
        flags["input-size"] = opts.input_size
    if opts.rates is not None:
        flags["rates"] = opts.rates
    if opts.dataset_size is not None:
        flags["dataset-size"] = opts.dataset_size
    return " ".join(f"--{flag} {value}" for flag, value in flags.items())
