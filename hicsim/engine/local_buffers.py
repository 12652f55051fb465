"""The tiles' local buffers as capacities: what the MVMs' inputs need at once, and what spills.

The DACs fetch every input bit slice from the tile's local buffer. Inputs stream through it as a
line buffer: what must be there at once is the window of inputs the MVMs in flight read, the
*working set*: for a convolution, the input rows under one row of outputs ((kernel - 1) x
dilation + 1 rows of the input map, all channels); for any other weighted layer, the input
vector of one MVM. A tile holds its crossbars' share of the working set: each crossbar needs the
inputs of its rows (the window x column partitions / crossbars), and a tile never more than the
whole window (a row's inputs, buffered once, feed every crossbar of the tile that reads them).
When that share is larger than the
buffer, the buffer holds what fits and the rest spills: those inputs stay in the global buffer,
and each time the DACs need them they come over the tile's link (global-buffer reads and link
traffic in place of local-buffer reads), and the tile stalls while they arrive (the link's
cycles for them are added to its operation). A layer whose working set fits runs as before.

Training uses the same buffers twice more (``TrainingFlow``): the transposed reads of the backward
pass drive the crossbars' columns with output errors, whose working set is the errors under one
row of input gradients (a convolution: the output rows whose windows cover one input row,
ceil(((kernel - 1) x dilation + 1) / stride); any other layer: one MVM's error vector), shared by
row partitions as the forward's inputs are by column partitions; the gradient units read the kept
inputs as the forward's DACs did (the same working set) and the errors the tiles were sent once
(the transposed reads' working set, spilling as there), and what spills comes over the link
while the unit waits.
"""

from __future__ import annotations

from hicsim.engine.tile_links import stream_shares
from hicsim.engine.unit import spawn
from hicsim.hardware.ids import Direction
from hicsim.workload.layers import _pair


def working_set_fraction(layer, mvms_per_sample: int) -> float:
    """The share of a layer's input (per sample) that its MVMs need in the buffer at once."""
    if layer.op == "conv2d":
        rows = (layer.kernel_hw[0] - 1) * _pair(layer.dilation)[0] + 1
        return min(1.0, rows / layer.input_hw[0])
    return 1.0 / max(1, mvms_per_sample)


def error_working_set_fraction(layer, mvms_per_sample: int) -> float:
    """The share of a layer's output errors (per sample) that its transposed reads need at once."""
    if layer.op == "conv2d":
        window = (layer.kernel_hw[0] - 1) * _pair(layer.dilation)[0] + 1
        rows = -(-window // _pair(layer.stride)[0])
        return min(1.0, rows / layer.output_hw[0])
    return 1.0 / max(1, mvms_per_sample)


def spill_fractions(working_set: dict[int, float], capacity: float) -> dict[int, float]:
    """Per tile whose share of the working set does not fit: the share of it that spills."""
    return {t: (w - capacity) / w for t, w in working_set.items() if w > capacity}


class Spills:
    """A flow's spills: which share of each tile's working set its local buffer cannot hold, what
    the buffer keeps of a stream sent to it, and moving the rest when the tiles use it."""

    def __init__(self, env, chip, links, timing, staging, capacity: float):
        self.env, self.chip, self.links, self.timing = env, chip, links, timing
        self.staging, self.capacity = staging, capacity

    def of(self, lm, tiles: dict[int, int], window: float, parts: int) -> dict[int, float]:
        """Per tile, the share of its working set that spills: ``window`` bytes a layer's MVMs
        need at once, which each of ``parts`` partitions of its crossbars needs again; a tile
        holds its crossbars' share of them, never more than the whole window."""
        return spill_fractions({t: min(window, window * parts * n / lm.crossbars)
                                for t, n in tiles.items()}, self.capacity)

    def held(self, tiles: dict[int, int], nbytes: float, spill: dict[int, float],
             offset: int = 0) -> dict[int, float] | None:
        """Per tile, the bytes of a stream (``stream_shares``) its local buffer keeps: all but
        the share that spills (that stays in the staging buffer); None when nothing spills."""
        if not spill:
            return None
        return {t: s * (1 - spill.get(t, 0.0))
                for t, s in stream_shares(tiles, nbytes, offset).items()}

    def stall(self, spilled: float) -> int:
        """Cycles a tile waits for ``spilled`` bytes of operands over its link."""
        return self.timing.bytes_op(spilled, self.timing.link_bytes_per_cycle)

    def streams(self, name: str, phase, tiles: dict[int, int], spilled: dict[int, float],
                samples: int = 1) -> list:
        """The spilled operands (bytes per tile, for each of ``samples`` samples) out of the
        staging buffer and over the tiles' links, holding its ports and the links while the
        tiles use them."""
        if not spilled:
            return []
        return [spawn(self.env, self.chip.access(self.staging, sum(spilled.values()),
                                                 Direction.READ, name, phase, samples=samples)),
                self.links.over(name, phase, tiles, 0, shares=spilled, samples=samples)]
