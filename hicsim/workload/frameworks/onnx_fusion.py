"""Transformer ops in an ONNX graph, whole or decomposed: LayerNormalization, Gelu, Softmax and
the elementwise subgraphs exporters write for them (LayerNorm as ReduceMean, Sub, Pow,
ReduceMean, Add, Sqrt, Div, Mul, Add; RMSNorm without the Sub; GELU with Erf, or its tanh form
with Pow and Tanh; softmax as ReduceMax, Sub, Exp, ReduceSum, Div; SiLU as Sigmoid and Mul).

A region grows from one activation tensor (its root) over the nodes that follow in graph order,
taking a node when it is elementwise (or a reduction over the last axis) and reads only the root,
constants and the region's own results. A region is one layer when it holds a node that names
the op (its signature below) and exactly one of its results is read outside it. A constant scale
before a softmax (the 1/sqrt(d) of attention) joins it; so does a bias added before a GELU.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from onnx import helper

ELEMENTWISE_OPS = {"Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh", "Exp", "Reciprocal",
                   "Sigmoid", "Neg", "Cast", "Identity", "LayerNormalization",
                   "SimplifiedLayerNormalization", "Gelu", "FastGelu", "Softmax"}
REDUCTIONS = {"ReduceMean", "ReduceSum", "ReduceMax"}


class Region(NamedTuple):
    kind: str             # layernorm, rmsnorm, gelu, silu, softmax
    root: str             # the activation it reads
    output: str           # the one result read outside it
    nodes: tuple[int, ...]  # indices into the graph's nodes
    scale: bool           # softmax: a constant scale first


def classify(ops: set[str], scaled: bool) -> Optional[str]:
    """The op a region computes, from the node types it holds (None: not one of ours)."""
    if ops & {"Softmax"} or {"Exp", "ReduceSum"} <= ops:
        return "softmax"
    if ops & {"LayerNormalization"} or {"ReduceMean", "Sub", "Sqrt"} <= ops:
        return "layernorm"
    if ops & {"SimplifiedLayerNormalization"} or ({"ReduceMean", "Sqrt"} <= ops):
        return "rmsnorm"
    if ops & {"Gelu", "FastGelu", "Erf"} or {"Tanh", "Pow"} <= ops:
        return "gelu"
    if {"Sigmoid", "Mul"} <= ops:
        return "silu"
    if "Tanh" in ops and ops <= {"Tanh", "Add", "Cast", "Identity"}:
        return "tanh"
    return None


def find_regions(nodes, constants: dict, is_static, rank_of,
                 skip: frozenset[int] | set[int] = frozenset()) -> list[Region]:
    """Every fusable region, in graph order; a node belongs to at most one. ``constants``:
    known constant values by tensor; ``is_static(tensor)``: a constant; ``rank_of(tensor)``: its
    rank (None if unknown); ``skip``: nodes already taken (an attention module's)."""
    fusable = [_fusable(node, constants, rank_of) for node in nodes]
    consumers: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        for name in node.input:
            consumers.setdefault(name, []).append(i)
    taken: set[int] = set(skip)
    regions = []
    for i, node in enumerate(nodes):
        if i in taken or not fusable[i]:
            continue
        dynamic = [t for t in node.input if t and not is_static(t)]
        if len(set(dynamic)) != 1:
            continue
        region = _grow(nodes, fusable, i, dynamic[0], is_static, taken)
        found = _as_region(nodes, region, dynamic[0], consumers)
        if found is not None:
            regions.append(found)
            taken.update(region)
    return regions


def _grow(nodes, fusable, start, root, is_static, taken) -> list[int]:
    produced, members = {root}, []
    for j in range(start, len(nodes)):
        node = nodes[j]
        if j in taken or not fusable[j]:
            continue
        dynamic = [t for t in node.input if t and not is_static(t)]
        if dynamic and all(t in produced for t in dynamic):
            members.append(j)
            produced.update(filter(None, node.output))
    return members


def _as_region(nodes, members, root, consumers) -> Optional[Region]:
    inside = set(members)
    made = {out for j in members for out in nodes[j].output if out}
    outputs = [t for t in made
               if any(c not in inside for c in consumers.get(t, [])) or t not in consumers]
    ops = {nodes[j].op_type for j in members}
    scaled = any(nodes[j].op_type in ("Mul", "Div") and root in nodes[j].input for j in members)
    kind = classify(ops, scaled)
    if kind is None or len(outputs) != 1:
        return None
    return Region(kind, root, outputs[0], tuple(members), kind == "softmax" and scaled)


def _fusable(node, constants: dict, rank_of) -> bool:
    """Elementwise, or a reduction over the last axis (axes an attribute, or from opset 13/18
    on a constant input)."""
    if node.op_type in ELEMENTWISE_OPS:
        return True
    if node.op_type not in REDUCTIONS:
        return False
    axes = {a.name: helper.get_attribute_value(a) for a in node.attribute}.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1] in constants:
        axes = constants[node.input[1]].tolist()
    rank = rank_of(node.input[0])
    return axes is not None and rank is not None and list(axes) in ([-1], [rank - 1])
