"""``convert(model, arch, rule=...)``: every ``nn.Linear`` and ``nn.Conv2d`` of a PyTorch model
swapped in place for an analog module holding the same weights on the spec's devices (as
aihwkit's ``convert_to_analog``); batch norm, pooling, activations and everything else stay in
torch.

Each converted layer is named by its module path (``layer1.0.conv1``, the names the torch
exporter gives the engine's layers, so a rate file measured here matches them) and gets a store
seed from ``seed`` in module order (``hicsim.train.models.layer_seed``, as the built-in models).
Its devices' range is ``W_MAX_STDS`` He standard deviations of its fan-in (the built-in models'
convention), widened to the largest |weight| of a trained layer that exceeds it (``device_range``).
"""

from __future__ import annotations

import math

import numpy as np
from torch import nn

from hicsim.spec.arch import Arch
from hicsim.train.layers import Conv2d, Linear
from hicsim.train.models import layer_seed
from hicsim.train.stores import ALL_RULES, W_MAX_STDS, default_rule
from hicsim.torch.modules import AnalogConv2d, AnalogLayer, AnalogLinear


# A layer whose weights spread less than this share of the He std gets a range of its own. An
# assumption: PyTorch's default initialisation (0.41 He std) keeps the He range; torchvision's
# depthwise convolutions (fan-out initialisation, 1 / sqrt(channels) = 0.03-0.18 He std) and
# its ResNet-18's smallest layer (0.22) do not.
NARROW_BELOW = 0.25


def device_range(w: np.ndarray) -> float:
    """w_max of a (inputs, outputs) matrix: W_MAX_STDS He std of its fan-in, or max |w| if larger.
    Where the weights' own std is below NARROW_BELOW of the He std, W_MAX_STDS of their own std
    instead (or max |w| if larger): on the He range such a layer's weights would sit within a
    device step or two of zero (torchvision's MobileNetV2 at initialisation: every depthwise
    weight read as 0 and the network's features were all zero). Weights without a spread (all
    zero, one weight) keep the He range."""
    he = math.sqrt(2.0 / w.shape[0])
    spread = float(np.std(w))
    std = spread if 0 < spread < NARROW_BELOW * he else he  # zeros (no spread): the He range
    return max(W_MAX_STDS * std, float(np.abs(w).max()))


def _unsupported(m: nn.Conv2d) -> str | None:
    k, s, p = m.kernel_size, m.stride, m.padding
    if isinstance(p, str):
        return f"padding={p!r}"
    if k[0] != k[1] or s[0] != s[1] or p[0] != p[1]:
        return f"non-square kernel_size={k}, stride={s} or padding={p}"
    if m.dilation != (1, 1):
        return f"dilation={m.dilation}"
    if m.padding_mode != "zeros":
        return f"padding_mode={m.padding_mode!r}"
    return None


def analog_module(name: str, m: nn.Module, arch: Arch | None, rule: str, seed: int) -> AnalogLayer:
    """The analog counterpart of one ``nn.Linear`` / ``nn.Conv2d`` with its weights."""
    bias = m.bias.detach() if m.bias is not None else None
    if isinstance(m, nn.Linear):
        w = m.weight.detach().double().numpy().T
        layer = Linear(name, w.shape[0], w.shape[1], arch, rule, None, seed, bias=False,
                       init=(w, device_range(w)))
        return AnalogLinear(layer, bias)
    reason = _unsupported(m)
    if reason is not None:
        raise ValueError(f"{name}: cannot map this Conv2d onto a crossbar ({reason}); hicsim.torch "
                         "maps square kernels with dilation 1 and zero padding")
    # (out, in / groups, k, k) -> rows (channel, kernel row, kernel column) of one group, a column
    # per output: a grouped convolution's packed matrix, whose group j owns its outputs' columns
    w = m.weight.detach().double().numpy().reshape(m.out_channels, -1).T
    layer = Conv2d(name, m.in_channels, m.out_channels, m.kernel_size[0], arch, rule, None, seed,
                   stride=m.stride[0], padding=m.padding[0], bias=False, init=(w, device_range(w)),
                   groups=m.groups)
    return AnalogConv2d(layer, bias)


def convert(model: nn.Module, arch: Arch | None, rule: str | None = None, seed: int = 0) -> nn.Module:
    """``model`` with its Linear and Conv2d modules replaced by analog ones (in place; returned).
    ``rule``: an update rule of ``hicsim.train.stores.ALL_RULES`` (default: the spec's,
    ``default_rule``); ``fp32`` keeps float weights (the software baseline, ``arch`` may be None)."""
    rule = rule or default_rule(arch)
    if rule not in ALL_RULES:
        raise ValueError(f"rule must be one of {', '.join(ALL_RULES)}, got {rule!r}")
    if arch is None and rule != "fp32":
        raise ValueError(f"rule {rule!r} needs an arch spec")
    if rule == "hic" and arch.tile.accumulator is None:
        raise ValueError("the hic update rule needs a low-precision accumulator in the spec "
                         "(tile.accumulator)")
    targets = [(name, m) for name, m in model.named_modules()
               if type(m) in (nn.Linear, nn.Conv2d)]
    if not targets:
        raise ValueError(f"{type(model).__name__} has no nn.Linear or nn.Conv2d to convert")
    modules = dict(model.named_modules())
    for k, (name, m) in enumerate(targets, start=1):
        analog = analog_module(name or type(m).__name__.lower(), m, arch, rule,
                               layer_seed(seed, k))
        if not name:  # the model is itself one Linear or Conv2d
            return analog
        parent, _, attr = name.rpartition(".")
        setattr(modules[parent] if parent else model, attr, analog)
    return model


def analog_modules(model: nn.Module) -> list[AnalogLayer]:
    """The analog modules of ``model`` in module order."""
    return [m for m in model.modules() if isinstance(m, AnalogLayer)]
