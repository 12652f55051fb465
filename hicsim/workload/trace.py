"""Workload traces as YAML: one flow-style mapping per layer so a 200-layer network stays a
readable 200-line file, with a header comment saying how it was produced. ``load_workload``
reads them back.

Layer fields equal to their defaults (stride 1, padding 0, groups 1, inputs = the layer before)
are left out; loading fills them in again, so a written trace loads to an equal Workload.
Files are written atomically: a temporary file beside the target, then a rename, so an error
part-way never leaves a truncated trace or clobbers the previous one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml

from hicsim.atomic import write_atomic
from hicsim.workload.model import Workload

# Every workload field but the layer list, in the model's order (a new field is never dropped).
HEADER_FIELDS = tuple(f for f in Workload.model_fields if f != "layers")
LEADING_LAYER_KEYS = ("name", "op", "inputs")
TRAILING_LAYER_KEYS = ("bias", "batch_norm_channels")  # after the shape: parameters beside it


def dump_workload(workload: Workload, header: Optional[str] = None) -> str:
    """The YAML text of ``workload``; ``header`` becomes a ``#`` comment at the top."""
    lines = [f"# {line}".rstrip() for line in (header or _default_header(workload)).splitlines()]
    top = {k: v for k, v in workload.model_dump(mode="json", include=set(HEADER_FIELDS)).items()
           if v is not None}
    lines.append(_yaml(top, flow=False).rstrip("\n"))
    lines.append("layers:")
    for layer in workload.layers:
        lines.append(f"  - {_yaml(_layer_fields(layer), flow=True).strip()}")
    return "\n".join(lines) + "\n"


def write_workload(workload: Workload, path: str | Path, header: Optional[str] = None) -> Path:
    """Write the trace to ``path`` atomically; returns the path."""
    return write_atomic(path, dump_workload(workload, header))


def _default_header(workload: Workload) -> str:
    return (f"{workload.name}: {len(workload.layers)} layers, {workload.total_weights:,} weights, "
            f"{workload.macs_per_sample:,} MACs per sample.\n"
            f"Produced by: {workload.source or 'hicsim'}\n"
            f"Regenerate this trace rather than edit it by hand.")


def _layer_fields(layer) -> dict:
    """Non-default fields, name/op/inputs first, tuples as lists (plain YAML sequences)."""
    data = layer.model_dump(mode="json", exclude_defaults=True)
    ordered = {k: data.pop(k) for k in LEADING_LAYER_KEYS if k in data}
    trailing = {k: data.pop(k) for k in TRAILING_LAYER_KEYS if k in data}
    ordered.update(data)
    ordered.update(trailing)
    return ordered


def _yaml(data: dict, flow: bool) -> str:
    return yaml.safe_dump(data, default_flow_style=flow, sort_keys=False, width=10_000)
