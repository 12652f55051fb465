"""Hand counts of small transformer encoders, layer for layer, for the importer tests."""

from __future__ import annotations


def encoder_hand_count(tokens: int, norm_first: bool, keys_transposed: bool = True,
                       prefix: str = "encoder.layers") -> list[tuple]:
    """(name, op, non-default fields) of a 2-layer encoder of width 32, 4 heads of 8,
    feed-forward 64 with GELU, in the order torch's TransformerEncoderLayer.forward runs them.
    ``keys_transposed``: Q K^T reads the keys as stored (an attention module) rather than an
    explicitly transposed tensor (a graph's Transpose)."""
    rows = []
    for i in range(2):
        p = f"{prefix}.{i}"

        def lin(name, a, b):
            return (f"{p}.{name}", "linear", {"in_features": a, "out_features": b,
                                              "tokens": tokens})

        def norm(name):
            return (f"{p}.{name}", "layernorm", {"tokens": tokens, "features": 32})

        def add(name):
            return (f"{p}.{name}", "add", {"shape": (tokens, 32)})

        scores = {"rhs": "activation", "heads": 4, "m": tokens, "k": 8, "n": tokens}
        if keys_transposed:
            scores["rhs_transposed"] = True
        attention = [lin("self_attn.q_proj", 32, 32), lin("self_attn.k_proj", 32, 32),
                     lin("self_attn.v_proj", 32, 32),
                     (f"{p}.self_attn.scores", "matmul", scores),
                     (f"{p}.self_attn.softmax", "softmax", {"heads": 4, "rows": tokens,
                                                            "cols": tokens, "scale": True}),
                     (f"{p}.self_attn.context", "matmul", {"rhs": "activation", "heads": 4,
                                                           "m": tokens, "k": tokens, "n": 8}),
                     lin("self_attn.out_proj", 32, 32)]
        ff = [lin("linear1", 32, 64),
              (f"{p}.gelu", "gelu", {"tokens": tokens, "features": 64}),
              lin("linear2", 64, 32)]
        if norm_first:
            rows += [norm("norm1"), *attention, add("add"), norm("norm2"), *ff, add("add_2")]
        else:
            rows += [*attention, add("add"), norm("norm1"), *ff, add("add_2"), norm("norm2")]
    return rows


def layer_rows(workload) -> list[tuple]:
    """A workload's layers as (name, op, non-default fields but inputs and the weights'
    distribution an importer records from real weights)."""
    return [(l.name, l.op, l.model_dump(exclude_defaults=True,
                                        exclude={"name", "op", "inputs", "weight_stats"}))
            for l in workload.layers]
