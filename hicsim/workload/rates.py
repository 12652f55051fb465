"""Programming-rate files: how much device programming one training step causes.

``hicsim train`` writes one after a real training run; a user may write one by hand. A training
workload reads it so that the engine costs measured programming, never an assumed zero::

    version: 1
    source: hicsim train arch_specs/hic_pcm.yaml --model cnn ...   # where the numbers come from
    batch: 32                 # the batch the rates were measured at (one step = one batch)
    per_weight: {set_pulses: 0.012, reset_pulses: 0.0004, binary_set_pulses: 0.0001,
                 binary_reset_pulses: 0.0001, max_device_write_erase: 0.02,
                 binary_max_device_write_erase: 0.001}   # peaks: the most-written device of each kind
    per_layer:                # optional: layers measured by name (used before per_weight)
      fc1: {set_pulses: 130.5, reset_pulses: 4.2}

Per-weight rates transfer measurements to another network by weight count; layers named in
``per_layer`` keep their own. Rates are per step, so when the simulated batch differs from the
measured one they scale by the batch ratio (pulses follow the accumulated update, which grows
with the batch for a summed gradient).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Literal, Optional

from pydantic import Field

from hicsim.spec.errors import single
from hicsim.spec.load import load
from hicsim.spec.quantities import PositiveInt, Strict
from hicsim.workload.layers import PEAK_RATES, ProgrammingRates
from hicsim.workload.model import Workload


class RatesFile(Strict):
    version: Literal[1]
    source: str = Field(min_length=1, description="how the rates were obtained")
    batch: PositiveInt
    per_weight: Optional[ProgrammingRates] = None
    per_layer: Dict[str, ProgrammingRates] = Field(default_factory=dict)


def load_rates(path: str | Path) -> RatesFile:
    return load(RatesFile, path)


def with_rates(workload: Workload, rates: RatesFile, source: str = "rates") -> Workload:
    """A training copy of ``workload`` with programming rates on every weighted layer."""
    scale = workload.batch / rates.batch
    layers = []
    for layer in workload.layers:
        if not layer.weighted:
            layers.append(layer)
            continue
        if layer.name in rates.per_layer:
            r = rates.per_layer[layer.name]
            factor = scale
        elif rates.per_weight is not None:
            r, factor = rates.per_weight, scale * layer.weights
        else:
            raise single(source, f"no rates for layer {layer.name!r} and no per_weight rates",
                         "per_layer")
        scaled = r.model_copy(update={
            "set_pulses": r.set_pulses * factor, "reset_pulses": r.reset_pulses * factor,
            "binary_set_pulses": r.binary_set_pulses * factor,
            "binary_reset_pulses": r.binary_reset_pulses * factor,
            # the most-written device sees the per-step rate of one device, not the layer's sum
            **{peak: (None if getattr(r, peak) is None else getattr(r, peak) * scale)
               for peak in PEAK_RATES},
            "source": rates.source})
        layers.append(layer.model_copy(update={"programming": scaled}))
    unknown = sorted(set(rates.per_layer) - {l.name for l in workload.weighted_layers})
    if unknown:
        raise single(source, f"layers not in {workload.name}: {', '.join(unknown)}", "per_layer")
    return Workload.model_validate({**workload.model_dump(), "phase": "training",
                                    "layers": [l.model_dump() for l in layers]})
