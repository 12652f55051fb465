"""Analog ``Linear`` and ``Conv2d`` modules: a ``torch.nn.Module`` around one of
``hicsim.train.layers``' weight layers, which holds the weights on a store (``CrossbarArray`` on
the spec's devices, or ``FloatArray`` for fp32) and does the analog forward (DAC, noisy MVM, ADC;
a convolution as im2col patches), the transposed read for backward (per ``training.backward``)
and the update rule. Nothing analog is implemented here: autograd calls the layer's ``forward``
and ``backward``; an optimizer step (``optim.py``) calls its ``update``.

Tensors cross without copies on CPU: a contiguous float32 tensor's ``.numpy()`` is a view of its
memory, and the layer's float32 results come back through ``torch.from_numpy``. The bias is a
digital ``torch.nn.Parameter`` (trained by the optimizer's digital SGD, as the numpy path trains
its biases). A module holds one set of activations for its update: call it once per training
step (a module applied twice in one step would update with its last call's activations only).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hicsim.train.layers import Conv2d, Linear


def as_array(t: torch.Tensor) -> np.ndarray:
    """A float32 numpy view of ``t`` (a copy only if ``t`` is not a contiguous float32 CPU tensor)."""
    t = t.detach()
    if t.dtype != torch.float32 or not t.is_contiguous() or t.device.type != "cpu":
        t = t.to("cpu", torch.float32).contiguous()
    return t.numpy()


class _AnalogOp(torch.autograd.Function):
    """y = layer.forward(x); dL/dx = layer.backward(dL/dy). ``anchor`` is an empty tensor that
    requires grad, so backward runs (and the layer keeps its errors for the update) even when
    nothing before the layer needs a gradient."""

    @staticmethod
    def forward(ctx, x, anchor, layer):
        ctx.layer = layer
        ctx.save_for_backward(x)  # autograd then refuses if x was modified in place before backward
        return torch.from_numpy(layer.forward(as_array(x), train=True))

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - the in-place check
        if not ctx.needs_input_grad[0]:  # a first layer: its input gradient is not read
            ctx.layer.backward(as_array(grad), input_grad=False)
            return None, None, None
        return torch.from_numpy(ctx.layer.backward(as_array(grad))), None, None


class AnalogLayer(nn.Module):
    """Common part: the hicsim layer (``self.layer``), its name and the digital bias."""

    def __init__(self, layer, bias: torch.Tensor | None):
        super().__init__()
        self.layer = layer
        self.bias = nn.Parameter(bias.detach().clone().float()) if bias is not None else None
        self._anchor = torch.empty(0, requires_grad=True)

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def store(self):
        return self.layer.store

    def analog(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            return _AnalogOp.apply(x, self._anchor, self.layer)
        return torch.from_numpy(self.layer.forward(as_array(x), train=False))

    def update(self, lr: float, momentum: float) -> int:
        """Apply the rule to the devices with the last step's activations and errors; returns
        the weights programmed."""
        return self.layer.update(lr, momentum)


class AnalogLinear(AnalogLayer):
    """y = x W^T + b with W on the devices (torch's layout: ``weight`` is (out, in))."""

    def __init__(self, layer: Linear, bias: torch.Tensor | None = None):
        super().__init__(layer, bias)
        self.in_features, self.out_features = layer.store.shape

    @property
    def weight(self) -> torch.Tensor:
        """The effective weights (out, in) the devices hold now (read-only copy)."""
        return torch.from_numpy(self.layer.store.effective_weights().T.astype(np.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-1]
        y = self.analog(x.reshape(-1, x.shape[-1]))
        y = y + self.bias if self.bias is not None else y
        return y.reshape(*lead, self.out_features)

    def extra_repr(self) -> str:
        return (f"{self.name}: in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, {type(self.store).__name__}")


class AnalogConv2d(AnalogLayer):
    """A square-kernel convolution (dilation 1, zero padding) on the devices; the weight matrix
    has rows (channel, kernel row, kernel column) and one column per output channel
    (``hicsim.train.im2col``); a grouped convolution has one block per group."""

    def __init__(self, layer: Conv2d, bias: torch.Tensor | None = None):
        super().__init__(layer, bias)
        self.kernel_size, self.stride, self.padding = layer.kernel, layer.stride, layer.padding
        self.groups = layer.groups
        self.out_channels = layer.store.shape[1]
        self.in_channels = layer.store.shape[0] // (layer.kernel * layer.kernel) * layer.groups

    @property
    def weight(self) -> torch.Tensor:
        """The effective weights (out, in, k, k) the devices hold now (read-only copy)."""
        w = self.layer.store.effective_weights().T.astype(np.float32)
        k = self.kernel_size
        return torch.from_numpy(np.ascontiguousarray(w.reshape(self.out_channels, -1, k, k)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.analog(x)
        return y + self.bias[None, :, None, None] if self.bias is not None else y

    def extra_repr(self) -> str:
        return (f"{self.name}: {self.in_channels}, {self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"groups={self.groups}, bias={self.bias is not None}, {type(self.store).__name__}")
