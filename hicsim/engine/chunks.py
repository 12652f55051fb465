"""Intra-layer pipelining: a layer's output as bands of feature-map rows ("chunks"), and which
rows of each producer a band needs.

The rules (what the engine does with them is in ``Dataflow``):

- A layer with a spatial output (conv2d, windowed pool, a [C, H, W] add/mul/concat) has H output
  rows, cut into chunks of ``mapping.chunk_rows`` rows (the last may be shorter); every other
  layer (linear, global pool, transformer kinds) is one chunk. Streamed weights and training run
  one chunk per layer: streamed layers run one after another, so there is nothing to overlap.
- A layer whose sample is shared by c copies is cut into no more than ceil(MVMs / c) chunks
  (chunks of more rows where needed), so that every chunk keeps every copy busy: a chunk's MVMs
  are shared by all the copies, and a chunk of fewer MVMs than copies would take as long as a
  bigger one.
- Output chunk rows [a, e) of a convolution or pool need input rows up to
  min(H_in, (e - 1) x stride - padding + dilation x (kernel - 1) + 1) (the window of its last
  row); an elementwise layer's rows need the same rows of its inputs. A producer whose rows are
  not the input rows the layer reads (another shape, a [C, 1, 1] scale) is needed whole.
- A chunk may start once every producer has written the chunk holding the last row it needs
  (the network input is loaded whole). Each input row is read once: a chunk reads the rows its
  predecessor did not (the window's overlap stays in the tile's local buffer), and the last
  chunk reads what is left, so a layer reads exactly its inputs' bytes.
- Integer quantities (bytes, MVMs, vector ops) split over chunks in proportion to rows, by
  cumulative floors, so the chunks' shares add up to the whole exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from hicsim.workload.layers import _pair
from hicsim.workload.model import NETWORK_INPUT, Workload


@dataclass(frozen=True)
class ChunkKey:
    """The event of one chunk of a layer's output for one sample (the last chunk's event is the
    whole tensor's ``TensorKey``)."""

    producer: str
    sample: int
    chunk: int


@dataclass(frozen=True)
class Need:
    """What chunk k of a layer reads from one producer: the producer's chunk to wait for, and
    the share of the producer's rows that is new to this chunk, [start, end) of ``rows``."""

    producer: str
    wait_chunk: int
    start: int
    end: int
    rows: int


def split(total: int, start: int, end: int, rows: int) -> int:
    """The share of ``total`` that rows [start, end) of ``rows`` hold (cumulative floors)."""
    return total * end // rows - total * start // rows


def output_rows(layer) -> int:
    if layer.op in ("conv2d", "pool") and layer.output_hw != (1, 1):
        return layer.output_hw[0]
    if layer.op in ("add", "mul", "concat") and len(layer.shape) == 3:
        return layer.shape[1]
    return 1


def _input_rows(layer) -> int:
    """Rows of the feature map the layer reads (0: it reads no rows, only whole tensors)."""
    if layer.op in ("conv2d", "pool"):
        return layer.input_hw[0]
    if layer.op in ("add", "mul", "concat") and len(layer.shape) == 3:
        return layer.shape[1]
    return 0


def _rows_needed(layer, end: int) -> int:
    """Input rows needed to produce output rows [0, end)."""
    if layer.op == "conv2d":
        kh, sh = layer.kernel_hw[0], _pair(layer.stride)[0]
        ph, dh = _pair(layer.padding)[0], _pair(layer.dilation)[0]
    elif layer.op == "pool":
        kh = _pair(layer.kernel)[0]
        sh = _pair(layer.stride if layer.stride is not None else layer.kernel)[0]
        ph, dh = _pair(layer.padding)[0], 1
    else:
        return end
    return max(1, min(layer.input_hw[0], (end - 1) * sh - ph + dh * (kh - 1) + 1))


class Chunks:
    """Chunk counts and needs of every layer of ``workload``."""

    def __init__(self, workload: Workload, chunk_rows: int | None, copies: dict[str, int]):
        """``copies``: per weighted layer, the copies that share one sample's MVMs."""
        self.workload = workload
        layers = workload.layers
        self.rows = [output_rows(layer) if chunk_rows else 1 for layer in layers]
        self.size = []
        for layer, rows in zip(layers, self.rows):
            most = -(-layer.mvms_per_sample // copies[layer.name]) if layer.weighted else rows
            self.size.append(max(min(rows, chunk_rows or 1), -(-rows // max(1, most))))
        self.count = [-(-r // s) for r, s in zip(self.rows, self.size)]
        self._index = {layer.name: i for i, layer in enumerate(layers)}

    def bounds(self, i: int, k: int) -> tuple[int, int]:
        """Output rows [start, end) of chunk k of layer i."""
        s = self.size[i]
        return k * s, min(self.rows[i], (k + 1) * s)

    def share(self, i: int, k: int, total: int) -> int:
        """Chunk k's share of an integer quantity of layer i (bytes, MVMs, ops)."""
        a, e = self.bounds(i, k)
        return split(total, a, e, self.rows[i])

    def needs(self, i: int, k: int) -> list[Need]:
        """Per producer of layer i: what its chunk k waits for and reads."""
        layer = self.workload.layers[i]
        last = k == self.count[i] - 1
        out = []
        for src in self.workload.inputs_of(i):
            rows_in = _input_rows(layer)
            j = self._index.get(src)
            src_rows = rows_in if src == NETWORK_INPUT else self.rows[j]
            src_count = 1 if src == NETWORK_INPUT else self.count[j]
            if self.count[i] == 1 or rows_in == 0 or src_rows != rows_in:  # needed whole
                out.append(Need(src, src_count - 1, 0 if k == 0 else 1, 1, 1))
                continue
            a, e = self.bounds(i, k)
            start = 0 if k == 0 else _rows_needed(layer, a)
            end = rows_in if last else _rows_needed(layer, e)
            wait = src_count - 1 if src == NETWORK_INPUT else (end - 1) // self.size[j]
            out.append(Need(src, wait, start, end, rows_in))
        return out
