"""Layer kinds transformers need beside weight matmuls: embedding lookups, token concatenation,
softmax, LayerNorm/RMSNorm, GELU/SiLU and a KV cache. (Activation-by-activation matmuls with
heads are ``Matmul`` with ``rhs: activation``; residual adds are ``Add``.)

Tensors here are per sample ``[tokens, features]`` (``[heads, rows, cols]`` for attention scores).
None of these layers maps onto crossbars: they run on the vector unit or only move data. Each
says what it does per sample as counts: ``vector_ops`` (adds, compares, multiplies: one lane
cycle each) and ``function_ops`` (exp, reciprocal, rsqrt, gelu, silu: each priced and timed by
the spec's vector unit). ``parameters`` counts what a layer stores off the crossbars (norm gains,
embedding tables), so a network's parameter total can be compared with the published one.

Each layer checks its own inputs (``input_problem``) and states its output (``output_shape``);
``hicsim.workload.shapes`` asks them.
"""

from __future__ import annotations

import math
from typing import List, Literal, Optional, Tuple

from pydantic import Field, model_validator

from hicsim.spec.quantities import PositiveInt
from hicsim.workload.layers import _Layer


def token_shape(tokens: int, dim: int) -> tuple:
    """``[tokens, dim]``, or ``[dim]`` for one token (as ``linear`` layers write it)."""
    return (dim,) if tokens == 1 else (tokens, dim)


def _elems(shapes) -> list[int]:
    return [math.prod(s) for s in shapes]


def flat_problem(shapes, want: list[int]) -> Optional[str]:
    """Inputs are read flat (a reshape moves no data): only element counts must agree."""
    got = _elems(shapes)
    if got != want:
        return f"expects inputs of {want} elements, producers give {got}"
    return None


class _TokenLayer(_Layer):
    """A layer over ``tokens`` vectors of ``features`` elements, reading one producer."""

    tokens: PositiveInt
    features: PositiveInt
    inputs: Optional[List[str]] = Field(default=None, max_length=1)

    @property
    def input_elems(self) -> int:
        return self.tokens * self.features

    @property
    def output_elems(self) -> int:
        return self.tokens * self.features

    def output_shape(self) -> tuple:
        return token_shape(self.tokens, self.features)

    def input_problem(self, shapes) -> Optional[str]:
        return flat_problem(shapes, [self.input_elems])

    def expected_input(self) -> tuple:
        return self.output_shape()


class Norm(_TokenLayer):
    """LayerNorm (Ba et al. 2016) or RMSNorm (Zhang and Sennrich 2019) over each token's features.

    Per element, LayerNorm: add for the mean, subtract it, square, add for the variance, scale
    by 1/sigma, multiply the gain, add the bias (7 ops); RMSNorm: square, add, scale, gain (4
    ops). One rsqrt per token. Parameters: gain and bias (LayerNorm) or gain (RMSNorm)."""

    op: Literal["layernorm", "rmsnorm"]

    @property
    def vector_ops(self) -> int:
        return self.tokens * self.features * (7 if self.op == "layernorm" else 4)

    @property
    def function_ops(self) -> dict[str, int]:
        return {"rsqrt": self.tokens}

    @property
    def parameters(self) -> int:
        return self.features * (2 if self.op == "layernorm" else 1)


class Activation(_TokenLayer):
    """GELU (Hendrycks and Gimpel 2016), SiLU or tanh: one function evaluation per element."""

    op: Literal["gelu", "silu", "tanh"]

    @property
    def vector_ops(self) -> int:
        return 0

    @property
    def function_ops(self) -> dict[str, int]:
        return {self.op: self.tokens * self.features}


class Softmax(_Layer):
    """Softmax over the last axis of ``[heads, rows, cols]`` (attention scores), the
    numerically stable way: per element a compare for the row maximum, a subtract, an exp, an
    add for the row sum and a multiply by the sum's reciprocal (4 ops and 1 exp); one reciprocal
    per row. ``scale`` folds the 1/sqrt(d) of attention in: one more multiply per element."""

    op: Literal["softmax"]
    heads: PositiveInt = 1
    rows: PositiveInt
    cols: PositiveInt
    scale: bool = Field(default=False, description="scores are scaled (1/sqrt(d)) first")
    inputs: Optional[List[str]] = Field(default=None, max_length=1)

    @property
    def output_elems(self) -> int:
        return self.heads * self.rows * self.cols

    @property
    def input_elems(self) -> int:
        return self.output_elems

    @property
    def vector_ops(self) -> int:
        return self.output_elems * (5 if self.scale else 4)

    @property
    def function_ops(self) -> dict[str, int]:
        return {"exp": self.output_elems, "reciprocal": self.heads * self.rows}

    def output_shape(self) -> tuple:
        return (self.heads, self.rows, self.cols)

    def input_problem(self, shapes) -> Optional[str]:
        return flat_problem(shapes, [self.output_elems])

    def expected_input(self) -> tuple:
        return self.output_shape()


class Embedding(_Layer):
    """Rows of a ``[num_embeddings, dim]`` table, one per token. ``lookup: ids`` reads the
    ``tokens`` ids its producer gives (word embeddings); ``lookup: positions`` takes rows 0 to
    tokens - 1 in order and reads nothing from its producer (learned position embeddings, a
    class token), which only orders it in the graph. ``shares_weights_with`` names a layer whose
    weights are the same table (GPT-2's tied output projection): the table is then counted
    once, there."""

    op: Literal["embedding"]
    num_embeddings: PositiveInt
    dim: PositiveInt
    tokens: PositiveInt
    lookup: Literal["ids", "positions"] = "ids"
    shares_weights_with: Optional[str] = None
    inputs: Optional[List[str]] = Field(default=None, max_length=1)

    @model_validator(mode="after")
    def _rows_exist(self):
        if self.lookup == "positions" and self.tokens > self.num_embeddings:
            raise ValueError(f"tokens: {self.tokens} positions, the table has "
                             f"{self.num_embeddings} rows")
        return self

    @property
    def input_elems(self) -> int:
        return self.tokens if self.lookup == "ids" else 0

    @property
    def output_elems(self) -> int:
        return self.tokens * self.dim

    @property
    def table_elems_read(self) -> int:
        return self.tokens * self.dim

    @property
    def vector_ops(self) -> int:
        return 0

    @property
    def parameters(self) -> int:
        return 0 if self.shares_weights_with else self.num_embeddings * self.dim

    def output_shape(self) -> tuple:
        return token_shape(self.tokens, self.dim)

    def input_problem(self, shapes) -> Optional[str]:
        return flat_problem(shapes, [self.tokens]) if self.lookup == "ids" else None

    def expected_input(self) -> Optional[tuple]:
        """The token ids, when the network input feeds this lookup."""
        return (self.tokens,) if self.lookup == "ids" else None


class _TokenCopy(_Layer):
    """Tokens of ``dim`` elements copied from producers, no arithmetic."""

    tokens: PositiveInt
    dim: PositiveInt

    @property
    def input_elems(self) -> int:
        return self.tokens * self.dim

    @property
    def output_elems(self) -> int:
        return self.tokens * self.dim

    @property
    def vector_ops(self) -> int:
        return 0

    def output_shape(self) -> tuple:
        return token_shape(self.tokens, self.dim)


class TokenConcat(_TokenCopy):
    """Tokens of several producers one after another (ViT's class token before the patches):
    every element is copied, no arithmetic. A producer of any shape gives its elements as
    tokens of ``dim`` (a patch convolution's [dim, h, w] map is h*w tokens)."""

    op: Literal["token_concat"]
    inputs: List[str] = Field(min_length=2)

    def input_problem(self, shapes) -> Optional[str]:
        elems = _elems(shapes)
        if any(e % self.dim for e in elems) or sum(elems) != self.tokens * self.dim:
            return (f"expects producers of whole {self.dim}-element tokens adding up to "
                    f"{self.tokens} tokens, producers give {elems} elements")
        return None


class TokenSlice(_TokenCopy):
    """The first or last ``tokens`` tokens of a producer (BERT's pooler and ViT's head read the
    first token; a decoder's output projection needs only the last): copies what it takes."""

    op: Literal["token_slice"]
    tokens: PositiveInt = 1
    position: Literal["first", "last"] = "first"
    inputs: Optional[List[str]] = Field(default=None, max_length=1)

    def input_problem(self, shapes) -> Optional[str]:
        (elems,) = _elems(shapes) if len(shapes) == 1 else (None,)
        if elems is None or elems % self.dim or elems < self.tokens * self.dim:
            return (f"expects one producer of at least {self.tokens} tokens of {self.dim} "
                    f"elements, producers give {_elems(shapes)} elements")
        return None


class KvCache(_Layer):
    """Keys or values of every token so far, a named tensor that grows with the sequence: each
    run appends the ``tokens`` new rows its producer gives and the consumers read all
    ``context`` rows. In a prefill ``context == tokens``; each decode step appends one."""

    op: Literal["kv_cache"]
    tokens: PositiveInt = Field(description="rows appended this run")
    context: PositiveInt = Field(description="rows held after appending (what consumers read)")
    dim: PositiveInt = Field(description="heads x head size")
    inputs: Optional[List[str]] = Field(default=None, max_length=1)

    @model_validator(mode="after")
    def _appended_rows_fit(self):
        if self.tokens > self.context:
            raise ValueError(f"tokens: appends {self.tokens} rows to a cache of {self.context}")
        return self

    @property
    def input_elems(self) -> int:
        return self.tokens * self.dim

    @property
    def output_elems(self) -> int:
        return self.context * self.dim

    @property
    def appended_elems(self) -> int:
        return self.tokens * self.dim

    @property
    def vector_ops(self) -> int:
        return 0

    def output_shape(self) -> tuple:
        return token_shape(self.context, self.dim)

    def input_problem(self, shapes) -> Optional[str]:
        return flat_problem(shapes, [self.appended_elems])


TRANSFORMER_LAYERS = (Norm, Activation, Softmax, Embedding, TokenConcat, TokenSlice, KvCache)
TRANSFORMER_KINDS = ("layernorm", "rmsnorm", "gelu", "silu", "tanh", "softmax", "embedding",
                     "token_concat", "token_slice", "kv_cache")


def activation_macs(layers) -> int:
    """MACs per sample of the activation-by-activation matmuls (not on crossbars)."""
    return sum(layer.vector_ops for layer in layers
               if layer.op == "matmul" and not layer.weighted)


def stored_parameters(layers) -> int:
    """Crossbar weights plus what layers store off the crossbars (norms, embedding tables)."""
    return sum(layer.weights + layer.parameters for layer in layers)
