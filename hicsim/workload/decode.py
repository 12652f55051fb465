"""Autoregressive decode: a workload whose layers describe the prefill of a prompt (every KV
cache holding the prompt's tokens) runs ``new_tokens`` decode steps after it, each on one new
token, its caches one row longer than the step before.

``step_workload`` rewrites the prefill's layers for one step: every token axis becomes the
step's token count, and every axis that reads a KV cache becomes the cache's length then.
"""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hicsim.spec.quantities import PositiveInt, Strict
from hicsim.workload.layers import Add, Linear, Matmul
from hicsim.workload.transformer_layers import (Activation, Embedding, KvCache, Norm, Softmax,
                                                TokenConcat)


class Decode(Strict):
    new_tokens: PositiveInt = Field(description="tokens generated after the prefill, one step each")
    simulated_steps: Optional[int] = Field(
        default=3, ge=2, strict=True, description="decode steps the engine simulates, evenly spaced from the first to "
                               "the last; the others are interpolated linearly in their position "
                               "(a step's work grows linearly with its context). null: every step")

    def steps_to_simulate(self) -> list[int]:
        n, k = self.new_tokens, self.simulated_steps
        if k is None or k >= n:
            return list(range(1, n + 1))
        return sorted({1 + round(j * (n - 1) / (k - 1)) for j in range(k)})


def prompt_tokens(workload) -> int:
    """The prefill's token count: what its KV caches hold."""
    return next(layer.context for layer in workload.layers if isinstance(layer, KvCache))


def step_workload(workload, step: int):
    """The workload of decode step ``step`` (1 = the first token after the prompt): one token in,
    caches of prompt + step rows. Layers keep their names, so results line up by layer."""
    context = prompt_tokens(workload) + step
    caches = {layer.name for layer in workload.layers if isinstance(layer, KvCache)}
    layers = []
    for i, layer in enumerate(workload.layers):
        srcs = workload.inputs_of(i)
        update = {}
        if isinstance(layer, KvCache):
            update = {"tokens": 1, "context": context}
        elif isinstance(layer, (Linear, Norm, Activation, Embedding, TokenConcat)):
            update = {"tokens": 1}
        elif isinstance(layer, Softmax):
            update = {"rows": 1, "cols": context}
        elif isinstance(layer, Matmul) and not layer.weighted:
            update = {"m": 1}
            if srcs[1] in caches:
                update["n" if layer.rhs_transposed else "k"] = context
        elif isinstance(layer, Add):
            update = {"shape": tuple(layer.shape[1:])}  # one token: [features]
        layers.append(layer.model_copy(update=update) if update else layer)
    return workload.model_copy(update={"layers": layers, "decode": None})

