"""Workload layer names for ONNX nodes, recovered from the module scopes PyTorch's exporter
writes into node names, so an exported model's layers are named as ``from_torch`` names them.

PyTorch names a node ``/layer1/layer1.0/conv1/Conv``: one segment per enclosing module, each the
module's name relative to the nearest enclosing module that is not a container (``layer1.0`` under
``layer1``, ``conv.0`` under ``conv``), then the op. Rules:

- a node alone in a scope with no sub-scopes is that module's op: it takes the module's name
  (``layer1.0.conv1``, ``maxpool``);
- any other node is a call made by its scope's module: that module's name plus the op's kind
  (``layer1.0.add``; ``avgpool`` at the top level).

Nodes named any other way (hand-built graphs) keep their own name; unnamed ones take their kind.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional, Sequence

from hicsim.workload.frameworks.recorder import child_name


def module_scope(node_name: str) -> Optional[str]:
    """``/layer1/layer1.0/conv1/Conv`` -> ``layer1.0.conv1``; None if not a PyTorch scope name."""
    if not node_name.startswith("/"):
        return None
    qualified, previous = "", ""
    for segment in node_name.split("/")[1:-1]:
        if previous and segment.startswith(previous + "."):
            qualified += segment[len(previous):]
        else:
            qualified = f"{qualified}.{segment}" if qualified else segment
        previous = segment
    return qualified


class LayerNames:
    """Names for the nodes that become layers, given every node name in the graph."""

    def __init__(self, all_node_names: Sequence[str], layer_node_names: Sequence[str]):
        scopes = {module_scope(n) for n in all_node_names} - {None}
        self._containers = {""} | {parent for s in scopes for parent in _parents(s)}
        self._layers_in = Counter(module_scope(n) for n in layer_node_names)

    def name(self, node_name: str, kind: str) -> str:
        scope = module_scope(node_name)
        if scope is None:
            return node_name or kind
        if scope not in self._containers and self._layers_in[scope] == 1:
            return scope
        return child_name(scope, kind)


def _parents(scope: str) -> list[str]:
    parts = scope.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
