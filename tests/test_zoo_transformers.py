"""Transformer zoo networks against published parameter totals and independent MAC counts, and
the layer kinds' own counts and shape checks."""

import pytest
from pydantic import ValidationError

from hicsim.workload import Workload, zoo
from hicsim.workload.decode import prompt_tokens, step_workload
from hicsim.workload.layers import Conv2d, Linear
from hicsim.workload.shapes import output_shape, shape_problems
from hicsim.workload.transformer_layers import activation_macs, stored_parameters

D, HIDDEN, BLOCKS = 768, 3072, 12


def _biases(workload, without=()) -> int:
    """Biases the published models have beside their weights: one per output of every linear
    (and of ViT's patch convolution), except the layers named in ``without``."""
    return sum(l.out_features if isinstance(l, Linear) else l.out_channels
               for l in workload.layers
               if isinstance(l, (Linear, Conv2d)) and l.name not in without)


def test_vit_b16_parameters_equal_torchvision():
    # torchvision ViT_B_16_Weights.IMAGENET1K_V1: num_params 86,567,656 ("86.6M").
    w = zoo.build("vit_b16_imagenet")
    assert stored_parameters(w.layers) + _biases(w) == 86_567_656


def test_bert_base_parameters_equal_published():
    # bert-base-uncased (Hugging Face BertModel, pooler included): 109,482,240 ("110M"); the
    # sequence classifier on top adds 768 x 2 weights and 2 biases.
    w = zoo.build("bert_base_seq128")
    assert stored_parameters(w.layers) + _biases(w) == 109_482_240 + 768 * 2 + 2


def test_gpt2_small_parameters_equal_published():
    # Hugging Face gpt2: 124,439,808 ("124M"); the output projection is the word embedding
    # (tied, counted once) and has no bias.
    w = zoo.build("gpt2_small_decode")
    assert stored_parameters(w.layers) + _biases(w, without={"lm_head"}) == 124_439_808
    assert w.decode.new_tokens == 128 and prompt_tokens(w) == 64


def _block_macs(q_tokens: int, context: int) -> int:
    """One encoder block, counted from the architecture: Q, K, V and output projections
    (4 d^2 per token), the MLP (2 d x 4d per token), Q K^T and scores x V (2 context d per
    query token)."""
    return q_tokens * (4 * D * D + 2 * D * HIDDEN) + 2 * q_tokens * context * D


def test_vit_b16_macs_match_an_independent_count():
    w = zoo.build("vit_b16_imagenet")
    tokens = 14 * 14 + 1
    expected = 14 * 14 * (3 * 16 * 16) * D + BLOCKS * _block_macs(tokens, tokens) + D * 1000
    assert w.macs_per_sample + activation_macs(w.layers) == expected == 17_563_828_224
    # torchvision publishes 17.56 GFLOPS (multiply-accumulates) for vit_b_16.
    assert expected == pytest.approx(17.56e9, rel=5e-4)


def test_bert_base_macs_match_an_independent_count():
    w = zoo.build("bert_base_seq128")
    expected = BLOCKS * _block_macs(128, 128) + D * D + D * 2  # pooler and classifier
    assert w.macs_per_sample + activation_macs(w.layers) == expected


def test_gpt2_prefill_and_decode_macs_match_an_independent_count():
    w = zoo.build("gpt2_small_decode")
    head = D * 50257  # output projection on the last token only
    assert w.macs_per_sample + activation_macs(w.layers) == BLOCKS * _block_macs(64, 64) + head
    step = step_workload(w, 5)  # the fifth generated token attends over 64 + 5 positions
    assert step.macs_per_sample + activation_macs(step.layers) == BLOCKS * _block_macs(1, 69) + head
    assert shape_problems(step) == []


@pytest.mark.parametrize("name", ["vit_b16_imagenet", "bert_base_seq128", "gpt2_small_decode"])
def test_transformers_chain_and_end_in_their_classes(name):
    w = zoo.build(name, num_classes=37)
    assert shape_problems(w) == []
    assert output_shape(w.layers[-1]) == (37,)


def _net(*layers, **top):
    """Layers for counting and for the shape rules themselves: validation's own shape check (which
    refuses layers that do not chain) is left to the rules these tests call."""
    return Workload.model_validate(dict(version=1, name="t", layers=list(layers), **top),
                                   context={"check_shapes": False})


def test_layer_kind_counts():
    net = _net({"name": "ln", "op": "layernorm", "tokens": 4, "features": 8},
               {"name": "rms", "op": "rmsnorm", "tokens": 4, "features": 8},
               {"name": "g", "op": "silu", "tokens": 4, "features": 8},
               {"name": "s", "op": "softmax", "heads": 2, "rows": 4, "cols": 4, "inputs": ["g"],
                "scale": True},
               {"name": "e", "op": "embedding", "num_embeddings": 100, "dim": 8, "tokens": 4,
                "inputs": ["input"]})
    ln, rms, silu, soft, emb = net.layers
    assert (ln.vector_ops, ln.function_ops, ln.parameters) == (4 * 8 * 7, {"rsqrt": 4}, 16)
    assert (rms.vector_ops, rms.function_ops, rms.parameters) == (4 * 8 * 4, {"rsqrt": 4}, 8)
    assert silu.function_ops == {"silu": 32}
    assert (soft.vector_ops, soft.function_ops) == (32 * 5, {"exp": 32, "reciprocal": 8})
    assert (emb.input_elems, emb.output_elems, emb.parameters) == (4, 32, 800)


def test_attention_matmul_with_heads_counts_and_checks_shapes():
    q = {"name": "q", "op": "linear", "in_features": 8, "out_features": 8, "tokens": 3}
    kv = {"name": "k", "op": "kv_cache", "tokens": 3, "context": 3, "dim": 8, "inputs": ["q"]}
    mm = {"name": "qk", "op": "matmul", "rhs": "activation", "heads": 2, "m": 3, "k": 4, "n": 3,
          "rhs_transposed": True, "inputs": ["q", "k"]}
    net = _net(q, kv, mm)
    assert net.layers[2].vector_ops == 2 * 3 * 4 * 3
    assert output_shape(net.layers[2]) == (2, 3, 3)
    assert shape_problems(net) == []
    bad = shape_problems(_net(q, kv, {**mm, "k": 5}))
    assert bad[0][0] == "layers[2](qk).k" and "[30, 30]" in bad[0][1]


def test_bad_transformer_layers_are_rejected():
    with pytest.raises(ValidationError, match="heads and rhs_transposed"):
        _net({"name": "m", "op": "matmul", "m": 2, "k": 2, "n": 2, "heads": 2})
    with pytest.raises(ValidationError, match="appends 5 rows to a cache of 4"):
        _net({"name": "c", "op": "kv_cache", "tokens": 5, "context": 4, "dim": 8})
    with pytest.raises(ValidationError, match="no kv_cache"):
        _net({"name": "ln", "op": "layernorm", "tokens": 4, "features": 8},
             decode={"new_tokens": 3})
    problems = shape_problems(_net(
        {"name": "ln", "op": "layernorm", "tokens": 4, "features": 8},
        {"name": "cat", "op": "token_concat", "tokens": 6, "dim": 8, "inputs": ["ln", "ln"]}))
    assert "adding up to 6 tokens" in problems[0][1]
