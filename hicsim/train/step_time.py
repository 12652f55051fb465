"""How long one training step takes on the chip: the clock the devices see during training.

Every training step advances the crossbars' clock by the step time, so drift and read noise act
while the network trains (``run.TrainingRun``). ``auto`` asks the engine, through the public API
(``hicsim.simulate``), for the simulated latency of one training step of the same network on the
same spec: the training workload is built here from the model's layers (``training_workload``)
with measured programming rates (a rate file: the engine never assumes zero programming). This
is the one sanctioned coupling of the two sides (DESIGN.md): data from the timing model, no
import of engine internals.
"""

from __future__ import annotations

import math
from pathlib import Path

from hicsim.train.layers import Conv2d, Flatten, GlobalAvgPool, Linear, MaxPool2d
from hicsim.train.models import Sequential
from hicsim.workload.model import Workload
from hicsim.workload.rates import load_rates, with_rates

AUTO = "auto"


def default_rates_path(arch) -> Path:
    """The shipped measured rates of a spec: ``workloads/rates/<spec name>.yaml`` (from the
    working directory, as the README's commands run)."""
    return Path("workloads") / "rates" / f"{arch.name}.yaml"


def _layers(model: Sequential, shape: tuple[int, ...], out: list) -> tuple[int, ...]:
    """Append the workload layers of ``model`` for a sample of ``shape``; returns the output shape.
    Weightless digital layers (ReLU, batch norm, flatten, a block's shortcut add) change no
    crossbar work and are left out; pooling is kept (it moves data on the vector unit)."""
    for layer in model.layers:
        if isinstance(layer, Sequential):
            shape = _layers(layer, shape, out)
        elif isinstance(layer, Conv2d):
            cin, h, w = shape
            conv = dict(name=layer.name, op="conv2d", in_channels=cin,
                        out_channels=layer.store.shape[1], kernel=layer.kernel,
                        stride=layer.stride, padding=layer.padding, input_hw=[h, w])
            out.append(conv)
            k, s, p = layer.kernel, layer.stride, layer.padding
            shape = (layer.store.shape[1], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
        elif isinstance(layer, Linear):
            out.append(dict(name=layer.name, op="linear", in_features=layer.store.shape[0],
                            out_features=layer.store.shape[1]))
            shape = (layer.store.shape[1],)
        elif isinstance(layer, (MaxPool2d, GlobalAvgPool)):
            c, h, w = shape
            size = layer.size if isinstance(layer, MaxPool2d) else None
            out.append(dict(name=f"pool{len(out)}", op="pool",
                            mode="max" if size else "avg", channels=c, input_hw=[h, w],
                            **({"kernel": size} if size else {})))
            shape = (c, h // size, w // size) if size else (c, 1, 1)
        elif isinstance(layer, Flatten):
            shape = (math.prod(shape),)
    return shape


def training_workload(model: Sequential, input_shape: tuple[int, ...], batch: int, rates_path,
                      name: str) -> Workload:
    """One training step (one batch) of ``model`` as a workload, with the per-weight programming
    rates of ``rates_path`` (transferred by weight count: the file's per-layer rates may name
    another network's layers)."""
    layers: list = []
    if isinstance(model, Sequential):
        _layers(model, tuple(input_shape), layers)
    else:  # a PyTorch network (hicsim.torch.network): traced by the torch exporter
        layers = model.workload_layers(tuple(input_shape))
    workload = Workload(version=1, name=name, batch=batch, layers=layers,
                        source=f"hicsim train model {name}")
    rates = load_rates(rates_path)
    return with_rates(workload, rates.model_copy(update={"per_layer": {}}), str(rates_path))


def simulated_step_time(arch, model: Sequential, input_shape: tuple[int, ...], batch: int,
                        rates_path, name: str) -> float:
    """Seconds of one training step of ``model`` on ``arch``, from the engine."""
    from hicsim.api import simulate  # the public API; imported here, where it is needed
    return float(simulate(arch, training_workload(model, input_shape, batch, rates_path,
                                                  name)).latency_s)
