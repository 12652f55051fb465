"""torchvision's own model classes for the tests: ResNet-18, MobileNetV2, ViT-B/16.

The only torchvision pip resolves beside torch 2.13.0+cpu (0.28.0, in the test extra) is built
against CUDA torch. Its C++ operators (nms, roi_align and the other detection ops) cannot load,
and registering their fake kernels then fails at import ("operator torchvision::nms does not
exist"). The classification models use none of those operators, so when that import fails,
torchvision is imported again without the registration. Where torchvision is not installed at
all, the tests that need it skip.
"""

from __future__ import annotations

import importlib.util
import sys
import types

import pytest


def torchvision_models():
    """``torchvision.models``, importable beside a CPU-only torch (module docstring)."""
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed (the test extra installs it)")
    try:
        import torchvision
    except RuntimeError as e:
        if "torchvision::" not in str(e):
            raise
        for name in [m for m in sys.modules if m.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        # the module that registers the operators' fake kernels, replaced by an empty one
        skipped = "torchvision._meta_registrations"
        sys.modules[skipped] = types.ModuleType(skipped)
        import torchvision
    return torchvision.models


def resnet18():
    return torchvision_models().resnet18()


def mobilenet_v2():
    return torchvision_models().mobilenet_v2()


def vit_b_16():
    return torchvision_models().vit_b_16().eval()
