"""``nn.MultiheadAttention`` as PyTorch's TorchScript exporter writes it: one fused input
projection (a MatMul by the [E, 3E] in_proj weight, after a Transpose to sequence-first), its
result split into q, k and v by Reshape/Transpose/Gather (or Split/Slice), the scaled Q K^T, a
softmax, scores x V, the output projection (a Gemm or MatMul by an [E, E] weight) and the
Reshape/Transpose back to batch-first. The split works on the sequence-first layout with the
batch folded into the heads, which a per-sample importer cannot follow node by node, so the
whole subgraph is recognised as one module and becomes the layers ``from_torch`` writes for it
(``attention_layers.multihead``).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from onnx import helper

from hicsim.workload.frameworks.onnx_names import module_scope

LAYOUT = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Cast"}


class Attention(NamedTuple):
    name: str               # the module's name (from the exporter's scope)
    root: str               # the activation it reads (batch first)
    output: str             # its result (batch first)
    nodes: tuple[int, ...]  # indices into the graph's nodes
    embed: int
    heads: int


def find_attention(nodes, is_static, shapes: dict) -> list[Attention]:
    """Every fused-input-projection attention in the graph. ``is_static(tensor)``: a constant;
    ``shapes``: tensor shapes from shape inference (batch axis included)."""
    producer = {out: i for i, node in enumerate(nodes) for out in node.output}
    found = []
    for i, node in enumerate(nodes):
        weight = _constant_weight(node, is_static, shapes)
        if weight is None or weight[1] != 3 * weight[0]:
            continue
        match = _match(nodes, i, weight[0], is_static, shapes, producer)
        if match is not None:
            found.append(match)
    return found


def _constant_weight(node, is_static, shapes) -> Optional[tuple[int, int]]:
    """The (in, out) sizes of a MatMul or Gemm by a constant 2-D weight of an activation."""
    if node.op_type not in ("MatMul", "Gemm") or len(node.input) < 2:
        return None
    x, w = node.input[0], node.input[1]
    shape = shapes.get(w)
    if is_static(x) or not is_static(w) or shape is None or len(shape) != 2:
        return None
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return tuple(shape[::-1]) if attrs.get("transB", 0) else tuple(shape)


def _match(nodes, start, embed, is_static, shapes, producer) -> Optional[Attention]:
    """Grow from the input projection at ``start`` over the nodes its result reaches, up to and
    including the [E, E] output projection and the layout ops after it."""
    members, produced = [start], set(nodes[start].output)
    products, softmax, end = [], False, None
    for j in range(start + 1, len(nodes)):
        node = nodes[j]
        dynamic = [t for t in node.input if t and not is_static(t)]
        if not any(t in produced for t in dynamic) or all(is_static(o) for o in node.output):
            continue  # outside the module, or shape arithmetic on its tensors
        if end is not None:  # after the output projection: only its layout ops and bias
            if node.op_type not in LAYOUT | {"Add"} or dynamic != [end]:
                break
            members.append(j)
            end = node.output[0]
            continue
        if not all(t in produced for t in dynamic):
            return None  # mixes in another activation (a mask, a second input): not ours
        members.append(j)
        produced.update(filter(None, node.output))
        if node.op_type == "MatMul" and len(dynamic) == 2:
            products.append(j)
        elif node.op_type in ("Softmax", "Exp"):
            softmax = True
        elif _constant_weight(node, is_static, shapes) == (embed, embed):
            end = node.output[0]
    if end is None or len(products) != 2 or not softmax:
        return None
    scores = shapes.get(nodes[products[0]].output[0], ())
    if len(scores) != 4 or not scores[1]:
        return None
    root = nodes[start].input[0]
    first = producer.get(root)
    if first is not None and _perm(nodes[first]) == [1, 0, 2]:  # to sequence-first
        members.insert(0, first)
        root = nodes[first].input[0]
    name = module_scope(nodes[start].name) or nodes[start].name
    return Attention(name, root, end, tuple(members), embed, int(scores[1]))


def _perm(node) -> Optional[list]:
    if node.op_type != "Transpose":
        return None
    return next((list(helper.get_attribute_value(a)) for a in node.attribute
                 if a.name == "perm"), None)
