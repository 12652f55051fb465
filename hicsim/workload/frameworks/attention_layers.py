"""The layers of ``nn.MultiheadAttention`` and of scaled dot-product attention, as both importers
write them (``from_torch`` from the module, ``from_onnx`` from PyTorch's export of it), so the two
agree layer for layer."""

from __future__ import annotations

from hicsim.workload.frameworks import fields
from hicsim.workload.frameworks.recorder import LAYER
from hicsim.workload.shapes import output_shape

# (name suffix, op, fields, inputs): an input is "src", "q", "k", "v" or an earlier suffix.
LayerPlan = list[tuple[str, str, dict, tuple[str, ...]]]


def attention_products(heads: int, tokens: int, context: int, head: int) -> LayerPlan:
    """softmax(Q K^T / sqrt(d)) V with ``heads`` heads of ``head`` elements; K is read as stored
    (tokens by head), so Q K^T reads a transposed right operand."""
    return [
        ("scores", "matmul", _heads(dict(m=tokens, k=head, n=context, rhs="activation",
                                         rhs_transposed=True), heads), ("q", "k")),
        ("softmax", "softmax", fields.softmax((heads, tokens, context), scale=True),
         ("scores",)),
        ("context", "matmul", _heads(dict(m=tokens, k=context, n=head, rhs="activation"), heads),
         ("softmax", "v"))]


def multihead(embed: int, kdim: int, vdim: int, out_features: int, heads: int,
              tokens: int) -> LayerPlan:
    """Query, key and value projections, the attention products, the output projection."""
    def proj(a: int, b: int) -> dict:
        return dict(in_features=a, out_features=b, **(dict(tokens=tokens) if tokens > 1 else {}))

    products = attention_products(heads, tokens, tokens, embed // heads)
    products = [(s, op, f, tuple(f"{i}_proj" if i in "qkv" else i for i in srcs))
                for s, op, f, srcs in products]
    return [("q_proj", "linear", proj(embed, embed), ("src",)),
            ("k_proj", "linear", proj(kdim, embed), ("src",)),
            ("v_proj", "linear", proj(vdim, embed), ("src",)),
            *products,
            ("out_proj", "linear", proj(embed, out_features), ("context",))]


def record(rec, name: str, plan: LayerPlan, keys: dict, out, new_key):
    """Append a plan's layers, named under ``name``, to recorder ``rec``. ``keys``: the tensors
    the plan reads ("src" or "q", "k", "v"); the last layer writes ``out``, the others tensors
    from ``new_key()``. Returns ``out``."""
    for i, (suffix, op, layer_fields, srcs) in enumerate(plan):
        key = out if i == len(plan) - 1 else new_key()
        rec.layer(f"{name}.{suffix}", op, layer_fields, [keys[s] for s in srcs], key,
                  layer_output_shape(op, layer_fields, len(srcs)))
        keys[suffix] = key
    return out


def layer_output_shape(op: str, layer_fields: dict, inputs: int) -> tuple:
    """A layer's per-sample output shape from its fields (for tensors a graph never shows)."""
    probe = dict(name="probe", op=op, inputs=["src"] * inputs, **layer_fields)
    return output_shape(LAYER.validate_python(probe))


def _heads(layer_fields: dict, heads: int) -> dict:
    return dict(layer_fields, heads=heads) if heads > 1 else layer_fields
