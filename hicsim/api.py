"""The Python API, mirroring ``hicsim run``: ``simulate(arch, workload) -> Result``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from hicsim.budget import check_fits
from hicsim.engine import run_engine
from hicsim.engine.progress import LayerCallback
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.report.result import Result, build_result
from hicsim.spec import Arch, load_arch, override_arch
from hicsim.workload import Workload, load_workload, override_workload


def simulate(arch: Arch | str | Path, workload: Workload | str | Path,
             overrides: Mapping[str, Any] | None = None,
             workload_overrides: Mapping[str, Any] | None = None,
             on_layer: LayerCallback | None = None) -> Result:
    """Simulate ``workload`` on ``arch`` (models or YAML paths), with optional dotted-path
    overrides of the spec (``{'tile.adc.bits': 6}``) and of the workload (``{'batch': 8}``).
    ``on_layer(name, index, count, cycle)``, if given, is called as each layer completes, in
    layer order with non-decreasing simulated cycles (``hicsim.engine.progress``)."""
    if isinstance(arch, Arch):
        arch = override_arch(arch, overrides) if overrides else arch
    else:
        arch = load_arch(arch, overrides)
    source = workload.name if isinstance(workload, Workload) else str(workload)
    if isinstance(workload, Workload):
        workload = override_workload(workload, workload_overrides) if workload_overrides else workload
    else:
        workload = load_workload(workload, workload_overrides)
    check_fits(workload, source)
    hw = build_hardware(arch)
    mapping = map_workload(hw, workload)
    return build_result(arch, workload, mapping, run_engine(hw, workload, mapping, on_layer))
