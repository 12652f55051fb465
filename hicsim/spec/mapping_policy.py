"""Spec of how the mapping uses the chip beyond one copy of each layer, and how finely the engine
pipelines a layer's work (``mapping:`` in an arch spec)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from hicsim.spec.quantities import PositiveInt, Strict


class MappingPolicy(Strict):
    replication: Literal["none", "balance"] = Field(
        default="balance",
        description="balance: spare crossbars hold copies of the layers that bound the pipeline "
                    "(resident: ISAAC's balancing, the layer with the most MVMs per copy first; "
                    "streamed: each pass's layer, until a copy's MVMs take no longer than the "
                    "pass's programming); copies are programmed and take their share of the "
                    "inputs. none: one copy of each layer")
    chunk_rows: Optional[PositiveInt] = Field(
        default=8,
        description="intra-layer pipelining of resident inference: output rows of a feature map "
                    "per engine operation; a layer starts a chunk once its producers have "
                    "written the input rows it needs (hicsim/engine/chunks.py). null: a layer "
                    "waits for its whole inputs. 8 is a choice (an assumption), coarser than "
                    "ISAAC's row-by-row pipeline: finer chunks shorten latency and cost events")
    waves: Optional[PositiveInt] = Field(
        default=None,
        description="null (default): every sample runs on its own, the exact schedule, at an "
                    "engine cost linear in the batch. N: a batch of more than N samples runs as "
                    "N waves (at least one per class of samples that share every layer's copies: "
                    "hicsim/engine/waves.py); a wave travels as one process whose operations "
                    "carry a time per sample (a flow line: each unit serves the samples in the "
                    "order they reach it, one engine event per wave operation). Equal to "
                    "sample by sample when the engine counts no conflict (the summary's "
                    "engine_wave_conflicts), but for the buffer's peak, an upper bound; with "
                    "conflicts an approximation (README)")
