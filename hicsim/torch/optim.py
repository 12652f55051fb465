"""The optimizer step of a converted network: the spec's update rule on every analog module's
devices (``hicsim.train.stores.apply_gradient`` through the layer's ``update``: SET / RESET /
write-erase counters included), and digital SGD for every other parameter (biases, batch norm)
with ``hicsim.train.optim.sgd_step`` on the parameters' memory, the numpy path's own step.

``AnalogSGD(model, lr, momentum)`` is a ``torch.optim.Optimizer`` (learning-rate schedulers
work: each step reads ``lr`` and ``momentum`` from the first parameter group);
``analog_step(model, lr, momentum)`` updates only the analog modules, for a user who steps the
digital parameters with an optimizer of their own.
"""

from __future__ import annotations

import torch
from torch import nn

from hicsim.torch.convert import analog_modules
from hicsim.torch.modules import as_array
from hicsim.train.optim import sgd_step


def _undecorated(method):
    """``method`` without torch's ``_disable_dynamo`` wrapper (kept as ``__wrapped__`` by
    functools.wraps), or ``method`` itself if torch stops wrapping it."""
    return getattr(method, "__wrapped__", method)


def analog_step(model: nn.Module, lr: float, momentum: float = 0.0) -> int:
    """Apply every analog module's update rule; returns the weights programmed."""
    return sum(m.update(lr, momentum) for m in analog_modules(model))


class AnalogSGD(torch.optim.Optimizer):
    """SGD with momentum: the update rule on the devices, ``sgd_step`` for digital parameters.
    ``programmed``: the weights programmed by the last step."""

    # torch wraps these two in torch._disable_dynamo, whose first call imports torch._dynamo to
    # keep torch.compile out of them: 0.9-1.0 s of CPU, paid by construction (add_param_group)
    # or the first zero_grad, in a process that compiles nothing. A converted network's layers
    # and this step run numba kernels, which torch.compile cannot trace, so AnalogSGD takes the
    # same functions unwrapped; state_dict and load_state_dict keep the wrapper (imported when
    # first used). Learning-rate schedulers need only the Optimizer base and param_groups.
    add_param_group = _undecorated(torch.optim.Optimizer.add_param_group)
    zero_grad = _undecorated(torch.optim.Optimizer.zero_grad)

    def __init__(self, model: nn.Module, lr: float, momentum: float = 0.0):
        if not lr > 0 or not 0 <= momentum < 1:
            raise ValueError(f"need lr > 0 and 0 <= momentum < 1, got {lr}, {momentum}")
        super().__init__([{"params": list(model.parameters())}], dict(lr=lr, momentum=momentum))
        self.model = model
        self.programmed = 0

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        group = self.param_groups[0]
        lr, momentum = group["lr"], group["momentum"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "velocity" not in state:
                state["velocity"] = torch.zeros_like(p, memory_format=torch.contiguous_format)
            if p.dtype != torch.float32 or not p.is_contiguous() or p.device.type != "cpu":
                raise ValueError("AnalogSGD steps contiguous float32 CPU parameters in place, got "
                                 f"{p.dtype} on {p.device}")
            sgd_step(as_array(p), as_array(p.grad), as_array(state["velocity"]), lr, momentum)
        self.programmed = analog_step(self.model, lr, momentum)
        return loss
