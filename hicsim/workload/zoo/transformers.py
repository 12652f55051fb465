"""Transformers: ViT-B/16 (Dosovitskiy et al. 2021), BERT-base (Devlin et al. 2019) and GPT-2
small (Radford et al. 2019), block for block.

Every weight matmul is a ``linear`` over the tokens (query, key and value as three of them, so
one attention reads like another whether its source fused them or not); Q K^T and scores x V are
activation matmuls with heads; softmax, norms and GELU run on the vector unit. Layer names follow
torchvision's ``vit_b_16`` and Hugging Face's ``BertModel`` and ``GPT2LMHeadModel``. Dropout is
absent (inference) and biases are not modelled as layers (they add no MACs; the tests count them
beside the published parameter totals).

``input_size`` is the image size (ViT), the sequence length (BERT) or the prompt length (GPT-2);
``num_classes`` the classes (ViT, BERT's sequence classifier) or the vocabulary (GPT-2, whose
output projection is tied to its word embeddings). ``width`` scales the head size.
GPT-2 comes as a prefill of the prompt with a KV cache per attention; the workload's ``decode``
says how many tokens to generate after it, one step each.
"""

from __future__ import annotations

from typing import Optional

from hicsim.workload.layers import Add, Linear, Matmul
from hicsim.workload.transformer_layers import (Activation, Embedding, KvCache, Norm, Softmax,
                                                TokenConcat, TokenSlice)
from hicsim.workload.zoo.channels import scaled
from hicsim.workload.zoo.graph import GraphBuilder


class Tokens:
    """Builds ``[tokens, dim]`` layers on a GraphBuilder: each reads the layer before it unless
    ``src`` names producers."""

    def __init__(self, g: GraphBuilder, tokens: int, dim: int):
        self.g, self.tokens, self.dim = g, tokens, dim

    def _inputs(self, src):
        if src is None:
            return None
        srcs = [src] if isinstance(src, str) else list(src)
        return None if srcs == [self.g.last] else srcs

    def linear(self, name: str, out: int, src=None, in_features: Optional[int] = None,
               tokens: Optional[int] = None) -> str:
        return self.g.append(Linear(name=name, op="linear", inputs=self._inputs(src),
                                    in_features=in_features or self.dim, out_features=out,
                                    tokens=tokens or self.tokens))

    def norm(self, name: str, src=None, kind: str = "layernorm") -> str:
        return self.g.append(Norm(name=name, op=kind, inputs=self._inputs(src),
                                  tokens=self.tokens, features=self.dim))

    def act(self, name: str, features: int, kind: str = "gelu", tokens: Optional[int] = None) -> str:
        return self.g.append(Activation(name=name, op=kind, tokens=tokens or self.tokens,
                                        features=features))

    def add(self, name: str, srcs) -> str:
        return self.g.append(Add(name=name, op="add", inputs=list(srcs),
                                 shape=(self.tokens, self.dim)))

    def take(self, name: str, position: str = "first") -> str:
        """One token of the last layer's output."""
        return self.g.append(TokenSlice(name=name, op="token_slice", dim=self.dim,
                                        position=position))

    def embedding(self, name: str, rows: int, lookup: str = "ids", tokens: Optional[int] = None,
                  shares_weights_with: Optional[str] = None, src=None) -> str:
        return self.g.append(Embedding(
            name=name, op="embedding", inputs=self._inputs(src), num_embeddings=rows,
            dim=self.dim, tokens=tokens or self.tokens, lookup=lookup,
            shares_weights_with=shares_weights_with))

    def attention(self, p: str, heads: int, names: tuple[str, str, str, str], cache: bool = False) -> str:
        """Multi-head self-attention of the tokens the last layer gives: query, key and value
        projections, Q K^T, scaled softmax, scores x V, output projection. ``cache``: keys and
        values go through KV caches (decoders)."""
        src, head = self.g.last, self.dim // heads
        q = self.linear(f"{p}.{names[0]}", self.dim, src=src)
        k = self.linear(f"{p}.{names[1]}", self.dim, src=src)
        v = self.linear(f"{p}.{names[2]}", self.dim, src=src)
        if cache:
            k = self.g.append(KvCache(name=f"{p}.k_cache", op="kv_cache", inputs=[k],
                                      tokens=self.tokens, context=self.tokens, dim=self.dim))
            v = self.g.append(KvCache(name=f"{p}.v_cache", op="kv_cache", inputs=[v],
                                      tokens=self.tokens, context=self.tokens, dim=self.dim))
        n = self.tokens
        self.g.append(Matmul(name=f"{p}.scores", op="matmul", inputs=[q, k], rhs="activation",
                             heads=heads, m=self.tokens, k=head, n=n, rhs_transposed=True))
        self.g.append(Softmax(name=f"{p}.softmax", op="softmax", heads=heads, rows=self.tokens,
                              cols=n, scale=True))
        self.g.append(Matmul(name=f"{p}.context", op="matmul", inputs=[self.g.last, v],
                             rhs="activation", heads=heads, m=self.tokens, k=n, n=head))
        return self.linear(f"{p}.{names[3]}", self.dim)

    def mlp(self, p: str, names: tuple[str, str, str], hidden: int) -> str:
        self.linear(f"{p}.{names[0]}", hidden)
        self.act(f"{p}.{names[1]}", hidden)
        return self.linear(f"{p}.{names[2]}", self.dim, in_features=hidden)


def _dims(width: float, heads: int, head: int = 64) -> tuple[int, int]:
    """(model width, MLP width) for ``heads`` heads of ``head * width`` elements; MLP 4x."""
    d = heads * scaled(head, width)
    return d, 4 * d


def build_vit(g: GraphBuilder, *, num_classes: int, width: float, patch: int, layers: int,
              heads: int) -> None:
    """torchvision ``vit_b_16``: a patch convolution, the class token before the patches, learned
    position embeddings, pre-norm encoder blocks, a final LayerNorm and the class head on the
    class token."""
    channels, size, _ = g.shape()
    if size % patch:
        raise ValueError(f"input_size {size} is not a multiple of the patch size {patch}")
    d, hidden = _dims(width, heads)
    grid = size // patch
    g.conv("conv_proj", d, kernel=patch, stride=patch, padding=0)
    t = Tokens(g, grid * grid + 1, d)
    # The class token before the patches, then the position embeddings added: learned tensors
    # read as tables (names as the importers give them: the op, then .table).
    t.embedding("concat.table", 1, lookup="positions", tokens=1)
    g.append(TokenConcat(name="concat", op="token_concat", inputs=["concat.table", "conv_proj"],
                         tokens=t.tokens, dim=d))
    t.embedding("encoder.add.table", t.tokens, lookup="positions")
    x = t.add("encoder.add", ["concat", "encoder.add.table"])
    for i in range(layers):
        p = f"encoder.layers.encoder_layer_{i}"
        t.norm(f"{p}.ln_1", src=x)
        a = t.attention(f"{p}.self_attention", heads, ("q_proj", "k_proj", "v_proj", "out_proj"))
        y = t.add(f"{p}.add", [a, x])
        t.norm(f"{p}.ln_2")
        m = t.mlp(f"{p}.mlp", ("0", "1", "3"), hidden)
        x = t.add(f"{p}.add_2", [y, m])
    t.norm("encoder.ln", src=x)
    t.take("token_slice")  # the head reads the class token only
    t.linear("heads.head", num_classes, tokens=1)


def build_bert(g: GraphBuilder, *, num_classes: int, width: float, vocab: int, positions: int,
               layers: int, heads: int) -> None:
    """Hugging Face ``BertForSequenceClassification`` on bert-base: word, position and token-type
    embeddings, post-norm encoder blocks, the pooler (dense + tanh on the first token) and a
    classifier."""
    (seq,) = g.shape()
    if seq > positions:
        raise ValueError(f"sequence {seq} exceeds the {positions} learned positions")
    d, hidden = _dims(width, heads)
    t = Tokens(g, seq, d)
    e = "embeddings"
    t.embedding(f"{e}.word_embeddings", vocab, src="input")
    t.embedding(f"{e}.position_embeddings", positions, lookup="positions", src="input")
    t.embedding(f"{e}.token_type_embeddings", 2, src="input")
    t.add(f"{e}.add", [f"{e}.word_embeddings", f"{e}.position_embeddings",
                       f"{e}.token_type_embeddings"])
    x = t.norm(f"{e}.LayerNorm")
    for i in range(layers):
        p = f"encoder.layer.{i}"
        a = t.attention(f"{p}.attention", heads, ("self.query", "self.key", "self.value",
                                                   "output.dense"))
        t.add(f"{p}.attention.output.add", [a, x])
        y = t.norm(f"{p}.attention.output.LayerNorm")
        t.linear(f"{p}.intermediate.dense", hidden)
        t.act(f"{p}.intermediate.gelu", hidden)
        m = t.linear(f"{p}.output.dense", d, in_features=hidden)
        t.add(f"{p}.output.add", [m, y])
        x = t.norm(f"{p}.output.LayerNorm")
    t.take("pooler.first_token")
    t.linear("pooler.dense", d, tokens=1)
    t.act("pooler.tanh", d, kind="tanh", tokens=1)
    t.linear("classifier", num_classes, tokens=1)


def build_gpt2(g: GraphBuilder, *, num_classes: int, width: float, positions: int, layers: int,
               heads: int) -> None:
    """Hugging Face ``GPT2LMHeadModel`` on gpt2 (small), prefill of the prompt: word and position
    embeddings, pre-norm blocks whose attention keeps KV caches, a final LayerNorm and the output
    projection (its weights are the word embeddings, tied) on the last token, the one whose
    logits give the next token."""
    (prompt,) = g.shape()
    if prompt > positions:
        raise ValueError(f"prompt {prompt} exceeds the {positions} learned positions")
    d, hidden = _dims(width, heads)
    t = Tokens(g, prompt, d)
    t.embedding("wte", num_classes, src="input", shares_weights_with="lm_head")
    t.embedding("wpe", positions, lookup="positions", src="input")
    x = t.add("embed_add", ["wte", "wpe"])
    for i in range(layers):
        p = f"h.{i}"
        t.norm(f"{p}.ln_1", src=x)
        a = t.attention(f"{p}.attn", heads, ("q", "k", "v", "c_proj"), cache=True)
        y = t.add(f"{p}.add_1", [a, x])
        t.norm(f"{p}.ln_2")
        m = t.mlp(f"{p}.mlp", ("c_fc", "gelu", "c_proj"), hidden)
        x = t.add(f"{p}.add_2", [m, y])
    t.norm("ln_f", src=x)
    t.take("last_token", position="last")
    t.linear("lm_head", num_classes, tokens=1)
