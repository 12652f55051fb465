"""A converted PyTorch network as ``hicsim train``'s run drives a model: ``forward(x, train)``
(numpy in, logits out), ``backward(grad)`` (autograd from the logits' gradient),
``update(lr, momentum)`` (``AnalogSGD``), ``weight_layers()`` (the analog modules' hicsim
layers: names, stores, counters), ``state()`` / ``load_state()`` (every array a bit-identical
resume needs: torch parameters and buffers, the optimizer's velocities, each store's state).

``build_network(source, ...)``: ``resnet32`` / ``resnet18_cifar`` (``hicsim.torch.models``) or a
user's ``module:factory``. The factory is called with those of ``in_channels``, ``classes`` (or
torchvision's ``num_classes``) and ``width`` its signature names (``width`` is required when it is not 1), under ``torch``'s
generator seeded with the run's seed (the global generator is left as it was), then converted
with the same seed.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from hicsim.torch.convert import analog_modules, convert
from hicsim.torch.models import MODELS
from hicsim.torch.optim import AnalogSGD
from hicsim.workload.frameworks.torch_factory import load_factory
from hicsim.workload.frameworks.torch_trace import trace_torch

# torch's intra-op threads spin against numba's kernel threads on a small machine (measured on
# ResNet-32, 2 cores: batch norm 44 ms per call with torch's threads, 0.7 ms with one); the
# numba kernels carry the work, so torch runs single-threaded while a network trains
TORCH_THREADS = 1


def factory_spec(source: str) -> str:
    return f"hicsim.torch.models:{source}" if source in MODELS else source


def torch_model(source: str, input_shape: tuple, classes: int, width: float, seed: int) -> nn.Module:
    """The unconverted network of ``source`` with its initial weights for ``seed``."""
    offered = dict(in_channels=input_shape[0], classes=classes, num_classes=classes, width=width)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return load_factory(factory_spec(source), offered, ("width",) if width != 1 else ())


class TorchNetwork:
    def __init__(self, model: nn.Module, arch, rule: str, seed: int):
        torch.set_num_threads(TORCH_THREADS)
        self.reference = copy.deepcopy(model)  # the unconverted structure, for the engine's trace
        self.model = convert(model, arch, rule=rule, seed=seed)
        self.analog = analog_modules(self.model)
        self.optimizer = AnalogSGD(self.model, lr=1.0)
        self._params = list(self.model.parameters())
        self._logits = None

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.model.train(train)
        inputs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        if not train:
            with torch.no_grad():
                return self.model(inputs).numpy()
        self._logits = self.model(inputs)
        return self._logits.detach().numpy()

    def backward(self, grad: np.ndarray) -> None:
        self.optimizer.zero_grad()
        self._logits.backward(torch.from_numpy(grad))
        self._logits = None

    def update(self, lr: float, momentum: float) -> int:
        self.optimizer.param_groups[0].update(lr=lr, momentum=momentum)
        self.optimizer.step()
        return self.optimizer.programmed

    def workload_layers(self, input_shape: tuple) -> list[dict]:
        """The engine's layers of one sample of ``input_shape`` (the torch exporter's trace)."""
        example = torch.zeros(1, *input_shape)
        traced = trace_torch(self.reference, example, name="network")
        return [layer.model_dump(exclude_none=True) for layer in traced.workload.layers]

    def weight_layers(self) -> list:
        return [m.layer for m in self.analog]

    def state(self) -> dict[str, np.ndarray]:
        out = {f"torch.{k}": v.detach().numpy() for k, v in self.model.state_dict().items()}
        for i, p in enumerate(self._params):
            if "velocity" in self.optimizer.state[p]:
                out[f"velocity.{i}"] = self.optimizer.state[p]["velocity"].numpy()
        for m in self.analog:
            out.update({f"analog.{m.name}.{k}": v for k, v in m.layer.state().items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.model.load_state_dict({k[6:]: torch.from_numpy(np.array(v)) for k, v in state.items()
                                    if k.startswith("torch.")})
        for i, p in enumerate(self._params):
            if f"velocity.{i}" in state:
                self.optimizer.state[p]["velocity"] = torch.from_numpy(np.array(state[f"velocity.{i}"]))
        for m in self.analog:
            prefix = f"analog.{m.name}."
            m.layer.load_state({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})


def build_network(source: str, input_shape: tuple, classes: int, width: float, arch, rule: str,
                  seed: int) -> TorchNetwork:
    return TorchNetwork(torch_model(source, input_shape, classes, width, seed), arch, rule, seed)
