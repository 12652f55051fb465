"""Turns a framework graph, visited in execution order, into a workload.

Importers (PyTorch, ONNX) tell the recorder what each op does with which tensors; the recorder
owns everything that must not differ between them:

- data flow: each activation tensor (keyed by whatever the framework identifies it with) maps to
  the workload layer that produced it; compute-free ops (batch norm, activations, reshapes,
  dropout) pass their input's producer through, so layers connect across them;
- names: weighted ops and ops run by a module of their own take the module's name; ops without a
  module take the name of the module that called them plus their kind (``layer1.0.add``,
  ``features.3.add``; ``avgpool`` at the top level); repeats get ``_2``, ``_3``;
- ``inputs`` lists only where the producer is not simply the layer before, as in the zoo;
- batch-norm parameters: a batch norm on a weighted layer's output is carried by that layer; one
  on another op's output (pre-activation, as in DenseNet) by the weighted layer that next reads
  it, through pass-through ops and pools (``batch_norm_channels``);
- a check that every layer's output shape is the framework's real one;
- one InputError listing every unsupported op whose result reaches a layer or the network
  output, never a silently dropped one. An op whose result reaches neither (a branch condition,
  a size computation) is no part of the workload and is not reported.
"""

from __future__ import annotations

import math
from typing import Hashable, NamedTuple, Optional, Sequence

from pydantic import TypeAdapter, ValidationError

from hicsim.spec.errors import InputError
from hicsim.workload.layers import Layer
from hicsim.workload.model import NETWORK_INPUT, Workload
from hicsim.workload.frameworks.stats import OperandStats, operand_stats
from hicsim.workload.shapes import output_shape
from hicsim.workload.weight_stats import weight_stats

LAYER = TypeAdapter(Layer)


class Activation(NamedTuple):
    producer: str        # workload layer name, or NETWORK_INPUT
    shape: tuple         # per sample


class Recorder:
    def __init__(self, source: str, input_bits: int = 8, stats: bool = False):
        self.source = source
        self.input_bits = input_bits
        self.want_stats = stats
        self.layers: list = []
        self.stats: dict[str, OperandStats] = {}
        self._unsupported: dict[str, tuple[str, list[str]]] = {}  # name -> (what, producers)
        self._read: set[str] = set()       # producers read by layers or the network output
        self._tensors: dict[Hashable, Activation] = {}
        self._names: set[str] = {NETWORK_INPUT}
        # batch norms waiting for a weighted layer to carry them: tensor -> [(norm, channels)]
        self._pending_norms: dict[Hashable, list[tuple[str, int]]] = {}
        self._carried_norms: set[str] = set()

    # -- data flow --------------------------------------------------------------------------
    def network_input(self, key: Hashable, shape: Sequence[int]) -> None:
        self._tensors[key] = Activation(NETWORK_INPUT, tuple(shape))

    def is_activation(self, key: Hashable) -> bool:
        return key in self._tensors

    def shape(self, key: Hashable) -> tuple:
        return self._tensors[key].shape

    def passthrough(self, src: Hashable, out: Hashable, out_shape: Sequence[int]) -> None:
        """A compute-free op: ``out`` is ``src``'s data, maybe reshaped."""
        self._tensors[out] = Activation(self._tensors[src].producer, tuple(out_shape))
        if src in self._pending_norms:
            self._pending_norms[out] = self._pending_norms[src]

    def batch_norm(self, name: str, src: Hashable, out: Hashable, out_shape: Sequence[int],
                   channels: int) -> None:
        """A batch norm with a learned scale and shift on ``channels`` channels: compute-free
        here, its parameters carried by a weighted layer (see the module docstring)."""
        producer = self._tensors[src].producer
        index = next((i for i, l in enumerate(self.layers) if l.name == producer), None)
        self.passthrough(src, out, out_shape)
        if index is not None and self.layers[index].weighted:
            layer = self.layers[index]
            self.layers[index] = layer.model_copy(
                update={"batch_norm_channels": layer.batch_norm_channels + int(channels)})
        else:
            self._pending_norms[out] = self._pending_norms.get(out, []) + [(name, int(channels))]

    def _take_norms(self, srcs: Sequence[Hashable]) -> int:
        """Channels of the batch norms waiting on ``srcs`` not yet carried by a layer."""
        channels = 0
        for s in srcs:
            for norm, n in self._pending_norms.get(s, []):
                if norm not in self._carried_norms:
                    self._carried_norms.add(norm)
                    channels += n
        return channels

    # -- layers -----------------------------------------------------------------------------
    def layer(self, name: str, op: str, fields: dict, srcs: Sequence[Hashable], out: Hashable,
              out_shape: Sequence[int], sample=None, weights=None) -> Optional[str]:
        """Append a layer reading ``srcs`` and writing ``out``; ``sample`` (the input values over
        the sample batch, weighted layers only) gives operand statistics when asked for, and
        ``weights`` (the layer's weight values) the layer's ``weight_stats`` (and the operand
        statistics' ``weight_fraction``)."""
        producers = [self._tensors[s].producer for s in srcs]
        name = self._unique(name)
        data = dict(name=name, op=op, **fields)
        if self._explicit_inputs(producers):
            data["inputs"] = producers
        waiting = [s for s in srcs if s in self._pending_norms]
        if op in ("conv2d", "linear") and waiting:
            data["batch_norm_channels"] = self._take_norms(waiting) or None
            data = {k: v for k, v in data.items() if v is not None}
        try:
            layer = LAYER.validate_python(data)
        except ValidationError as exc:
            return self._refuse(name, f"{op}: {_first_error(exc)}", producers, [out], out_shape)
        got, want = tuple(output_shape(layer)), tuple(out_shape)
        # Feature maps must agree exactly; token layers ([T, D]) only in elements, as a
        # framework's [heads, T, D] is the same data.
        if got != want and ((len(want) == 3 and len(got) == 3)
                            or math.prod(got) != math.prod(want)):
            return self._refuse(name, f"{op} would give shape {list(got)} but the network gives "
                                      f"{list(want)}", producers, [out], out_shape)
        if weights is not None and layer.weighted:
            layer = layer.model_copy(update={"weight_stats": weight_stats(weights)})
        self.layers.append(layer)
        self._read.update(producers)
        self._tensors[out] = Activation(name, want)
        if op == "pool" and srcs[0] in self._pending_norms:  # per channel: the norm passes on
            self._pending_norms[out] = self._pending_norms[srcs[0]]
        if self.want_stats and sample is not None and layer.weighted:
            self.stats[name] = operand_stats(sample, self.input_bits, weights)
        return name

    def unsupported(self, where: str, what: str, srcs: Sequence[Hashable] = (),
                    outs: Sequence[Hashable] = (), out_shape: Sequence[int] = ()) -> None:
        """Note an op the workload cannot express; its outputs stay tracked, so the ops that
        read them are still examined (and listed if they too are unsupported)."""
        self._refuse(self._unique(where), what, [self._tensors[s].producer for s in srcs], outs,
                     out_shape)

    def _refuse(self, name: str, what: str, producers: list[str], outs: Sequence[Hashable],
                out_shape: Sequence[int]) -> None:
        self._unsupported[name] = (what, producers)
        for out in outs:
            self._tensors[out] = Activation(name, tuple(out_shape))

    def network_output(self, keys: Sequence[Hashable]) -> None:
        self._read.update(self._tensors[k].producer for k in keys if k in self._tensors)

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Unsupported ops whose results reach a layer or the network output."""
        live, stack = set(), [p for p in self._read if p in self._unsupported]
        while stack:
            name = stack.pop()
            if name not in live:
                live.add(name)
                stack.extend(p for p in self._unsupported[name][1] if p in self._unsupported)
        return [(name, what) for name, (what, _) in self._unsupported.items() if name in live]

    # -- result -----------------------------------------------------------------------------
    def workload(self, name: str, **header) -> Workload:
        problems = self.problems + [
            (norm, "batch norm whose parameters no weighted layer carries (it follows no "
                   "convolution or linear layer and reaches none)")
            for norm in dict.fromkeys(n for pending in self._pending_norms.values()
                                      for n, _ in pending) if norm not in self._carried_norms]
        if problems:
            raise InputError(self.source, problems + [
                ("", f"{len(problems)} unsupported op(s); hicsim workloads have conv2d, "
                     "linear, matmul, add, mul (channel scale), concat (channels), pool, "
                     "attention, softmax, layernorm/rmsnorm, gelu/silu/tanh and embeddings")])
        if not self.layers:
            raise InputError(self.source, [("", "no convolution, linear, matmul, add, concat or "
                                                "pooling op found")])
        return Workload(version=1, name=name, layers=self.layers, **header)

    def _explicit_inputs(self, producers: list[str]) -> bool:
        previous = self.layers[-1].name if self.layers else NETWORK_INPUT
        return producers != [previous]

    def _unique(self, name: str) -> str:
        name = name or "op"
        candidate, n = name, 1
        while candidate in self._names:
            n += 1
            candidate = f"{name}_{n}"
        self._names.add(candidate)
        return candidate


def child_name(owner: str, kind: str) -> str:
    """The name of an op without a module of its own: its caller's name plus its kind."""
    return f"{owner}.{kind}" if owner else kind


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    return err["msg"].removeprefix("Value error, ")
