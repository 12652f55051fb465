"""PyTorch's attention modules and functions as workload layers.

``nn.MultiheadAttention`` becomes query, key and value projections (``q_proj``, ``k_proj``,
``v_proj``: linear layers over the tokens), Q K^T with heads (``scores``), the scaled softmax,
scores x V (``context``) and the output projection (``out_proj``), named under the module.
``nn.TransformerEncoderLayer`` and ``nn.TransformerEncoder`` expand into their norms, attention,
residual adds and feed-forward layers in the order their forward runs them (``norm_first`` or
not); ``F.scaled_dot_product_attention`` into scores, softmax and context. The module's own
weights give the sizes; the tensors it read and wrote give the tokens.

Batch-first tensors only: a workload's samples are the first axis (``batch_first=False``
modules are reported as unsupported).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from hicsim.workload.frameworks import attention_layers

ATTENTION_MODULES = (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerEncoder)
# An encoder layer's activation function: its layer kind, or None when it is compute-free.
ACTIVATIONS = {F.gelu: "gelu", F.silu: "silu", F.relu: None}
ACTIVATION_MODULES = {nn.GELU: "gelu", nn.SiLU: "silu", nn.ReLU: None}


class AttentionExpander:
    """Appends the layers of attention modules to a recorder. Intermediate tensors that the
    framework never shows get keys of their own."""

    def __init__(self, recorder):
        self.rec = recorder
        self._keys: list = []

    def _key(self):
        key = object()
        self._keys.append(key)  # alive for the trace: keys are compared by identity
        return key

    def layer(self, name: str, op: str, layer_fields: dict, srcs: list, out=None) -> object:
        """Record one layer; returns the key of its output (``out`` when given)."""
        out = self._key() if out is None else out
        shape = attention_layers.layer_output_shape(op, layer_fields, len(srcs))
        self.rec.layer(name, op, layer_fields, srcs, out, shape)
        return out

    # -- modules ----------------------------------------------------------------------------
    def module(self, name: str, m: nn.Module, x: torch.Tensor, out_key) -> None:
        """Expand attention module ``m`` run on ``x`` (batch first) whose result is ``out_key``."""
        tokens, dim = x.shape[1], x.shape[-1]
        if isinstance(m, nn.MultiheadAttention):
            _batch_first(m)
            self.multihead(name, m, id(x), tokens, out_key)
        elif isinstance(m, nn.TransformerEncoderLayer):
            self.encoder_layer(name, m, id(x), tokens, dim, out_key)
        else:
            key = id(x)
            count = len(m.layers)
            for i, layer in enumerate(m.layers):
                last = i == count - 1 and m.norm is None
                key = self.encoder_layer(f"{name}.layers.{i}", layer, key, tokens, dim,
                                         out_key if last else None)
            if m.norm is not None:
                self.norm(f"{name}.norm", m.norm, key, tokens, out_key)

    def multihead(self, name: str, m: nn.MultiheadAttention, src, tokens: int, out=None):
        plan = attention_layers.multihead(m.embed_dim, m.kdim, m.vdim, m.out_proj.out_features,
                                          m.num_heads, tokens)
        return self._plan(name, plan, dict(src=src), out)

    def attention(self, name: str, q, k, v, heads: int, tokens: int, context: int, head: int,
                  out=None):
        """softmax(Q K^T / sqrt(d)) V with ``heads`` heads of ``head`` elements."""
        plan = attention_layers.attention_products(heads, tokens, context, head)
        return self._plan(name, plan, dict(q=q, k=k, v=v), out)

    def _plan(self, name: str, plan, keys: dict, out):
        return attention_layers.record(self.rec, name, plan, keys,
                                       self._key() if out is None else out, self._key)

    def encoder_layer(self, name: str, m: nn.TransformerEncoderLayer, src, tokens: int, dim: int,
                      out=None):
        """torch's encoder layer: x + attention(norm1(x)), then + feed-forward(norm2(.)) with
        ``norm_first``; else norm1(x + attention(x)), then norm2(. + feed-forward(.))."""
        _batch_first(m.self_attn)
        if m.norm_first:
            a = self.multihead(f"{name}.self_attn", m.self_attn,
                               self.norm(f"{name}.norm1", m.norm1, src, tokens), tokens)
            x = self.add(f"{name}.add", [src, a], tokens, dim)
            f = self.feed_forward(name, m, self.norm(f"{name}.norm2", m.norm2, x, tokens), tokens)
            return self.add(f"{name}.add_2", [x, f], tokens, dim, out)
        a = self.multihead(f"{name}.self_attn", m.self_attn, src, tokens)
        x = self.norm(f"{name}.norm1", m.norm1, self.add(f"{name}.add", [src, a], tokens, dim), tokens)
        f = self.feed_forward(name, m, x, tokens)
        return self.norm(f"{name}.norm2", m.norm2, self.add(f"{name}.add_2", [x, f], tokens, dim),
                         tokens, out)

    def feed_forward(self, name: str, m: nn.TransformerEncoderLayer, src, tokens: int):
        proj = dict(tokens=tokens) if tokens > 1 else {}
        hidden = m.linear1.out_features
        x = self.layer(f"{name}.linear1", "linear",
                       dict(in_features=m.linear1.in_features, out_features=hidden, **proj), [src])
        kind = _activation_kind(m.activation)
        if kind is not None:
            # A module is named as an attribute; a function (activation="gelu") as a call the
            # layer makes, as PyTorch's ONNX export scopes it.
            module = isinstance(m.activation, nn.Module)
            called = f"{name}.activation" if module else f"{name}.{kind}"
            x = self.layer(called, kind, dict(tokens=tokens, features=hidden), [x])
        return self.layer(f"{name}.linear2", "linear",
                          dict(in_features=hidden, out_features=m.linear2.out_features, **proj), [x])

    def norm(self, name: str, m: nn.Module, src, tokens: int, out=None):
        kind = "rmsnorm" if isinstance(m, getattr(nn, "RMSNorm", ())) else "layernorm"
        features = math.prod(m.normalized_shape)
        return self.layer(name, kind, dict(tokens=tokens, features=features), [src], out)

    def add(self, name: str, srcs: list, tokens: int, dim: int, out=None):
        return self.layer(name, "add", dict(shape=(tokens, dim) if tokens > 1 else (dim,)),
                          srcs, out)


def _batch_first(m: nn.MultiheadAttention) -> None:
    if not m.batch_first:
        raise ValueError("attention with batch_first=False (the workload's samples are the "
                         "first axis)")


def _activation_kind(activation):
    if isinstance(activation, nn.Module):
        if type(activation) not in ACTIVATION_MODULES:
            raise ValueError(f"encoder activation {type(activation).__name__}")
        return ACTIVATION_MODULES[type(activation)]
    if activation not in ACTIVATIONS:
        raise ValueError(f"encoder activation {getattr(activation, '__name__', activation)}")
    return ACTIVATIONS[activation]
