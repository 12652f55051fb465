"""Put per-layer operand statistics into a workload."""

from __future__ import annotations

from hicsim.workload.model import Workload
from hicsim.workload.operand_stats import OperandStats


def with_stats(workload: Workload, stats: dict[str, OperandStats]) -> Workload:
    """``workload`` with each weighted layer's ``stats`` field set."""
    layers = [layer.model_copy(update={"stats": stats[layer.name]}) if layer.name in stats else layer
              for layer in workload.layers]
    return workload.model_copy(update={"layers": layers})
