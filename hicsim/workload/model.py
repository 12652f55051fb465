"""A workload: a network's layer list with batch, precisions and phase (inference or training)."""

from __future__ import annotations

from typing import List, Literal, Optional

from pydantic import Field, ValidationInfo, model_validator

from hicsim.spec.quantities import Bits, PositiveInt, Strict
from hicsim.workload.decode import Decode
from hicsim.workload.layers import Layer

NETWORK_INPUT = "input"


class Workload(Strict):
    version: Literal[1]
    name: str
    phase: Literal["inference", "training"] = "inference"
    batch: PositiveInt = 1
    input_bits: Bits = 8
    weight_bits: Bits = 8
    source: Optional[str] = Field(default=None, description="how the trace was produced")
    dataset_size: Optional[PositiveInt] = Field(
        default=None, description="training samples per epoch (per-epoch figures of training runs)")
    error_bits: Bits = Field(default=8, description="bits of back-propagated errors (training)")
    decode: Optional[Decode] = Field(
        default=None, description="generate tokens after the layers' prefill (needs KV caches)")
    chaining: Literal["shapes", "channels"] = Field(
        default="shapes", description="shapes: each layer's input shape is what its producers "
        "output; channels: only channel counts chain, as in SCALE-Sim topologies, whose input "
        "sizes include padding and which leave pooling out")
    layers: List[Layer] = Field(min_length=1)

    @model_validator(mode="after")
    def _graph(self, info: ValidationInfo):
        seen: set[str] = set()
        for i, layer in enumerate(self.layers):
            if layer.name in seen or layer.name == NETWORK_INPUT:
                raise ValueError(f"layers[{i}]: duplicate or reserved layer name {layer.name!r}")
            for src in self.inputs_of(i):
                if src != NETWORK_INPUT and src not in seen:
                    raise ValueError(f"layers[{i}] ({layer.name}): input {src!r} is not a layer "
                                     f"defined before it")
            seen.add(layer.name)
        if self.decode is not None and not any(l.op == "kv_cache" for l in self.layers):
            raise ValueError("decode: the layers have no kv_cache to decode from")
        if self.phase == "training":
            missing = [l.name for l in self.weighted_layers if l.programming is None]
            if missing:
                raise ValueError(
                    f"a training workload needs programming rates for every weighted layer (measure "
                    f"them with `hicsim train` or set them by hand); missing: {', '.join(missing[:8])}"
                    + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""))
        if (info.context or {}).get("check_shapes", True):
            # imported here: the shape rules import this module for the graph walk
            from hicsim.workload.shapes import shape_errors
            errors = shape_errors(self)
            if errors:
                raise errors
        return self

    def inputs_of(self, index: int) -> list[str]:
        """Producer names of layer ``index`` (its ``inputs``, else the layer before it)."""
        layer = self.layers[index]
        if layer.inputs:
            return list(layer.inputs)
        return [self.layers[index - 1].name] if index > 0 else [NETWORK_INPUT]

    @property
    def weighted_layers(self) -> list:
        return [layer for layer in self.layers if layer.weighted]

    @property
    def total_weights(self) -> int:
        return sum(layer.weights for layer in self.weighted_layers)

    @property
    def macs_per_sample(self) -> int:
        return sum(layer.macs_per_sample for layer in self.weighted_layers)
