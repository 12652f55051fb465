"""Architecture spec: pydantic models, YAML loading, dotted-path overrides, JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from hicsim.spec.arch import Arch
from hicsim.spec.errors import InputError
from hicsim.spec.load import clock_context, load, override_model


def load_arch(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Arch:
    """Read and validate an architecture spec, with optional ``{'tile.adc.bits': 6}`` overrides."""
    return load(Arch, path, overrides, clock_context)


def override_arch(arch: Arch, overrides: Mapping[str, Any], source: str = "<overrides>") -> Arch:
    """Overrides on an already-loaded spec. Its values are in SI by now, so values the file gave
    in cycles stay fixed in seconds when the clock changes: to sweep the clock, override the file
    (``load_arch(path, overrides)``), where cycles are converted with the new clock."""
    return override_model(arch, overrides, source, clock_context)


def arch_schema() -> dict:
    return Arch.model_json_schema()


__all__ = ["Arch", "InputError", "load_arch", "override_arch", "arch_schema"]
