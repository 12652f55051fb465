"""Bytes between the staging buffer (or other tiles) and a layer's tiles, over the tiles' links.

A layer's inputs or outputs for one sample form a stream that its tiles share by crossbar count,
in whole bytes (``stream_shares``); each tile's share goes over its own link (``Chip.spread``),
and the local buffers it lands in or leaves are booked over the span the links take. A wave
(``samples``) sends each of its samples' streams, each at its own time (``engine.waves``).
"""

from __future__ import annotations

import math

import simpy

from hicsim.engine.chip import Chip, span_of
from hicsim.engine.ledger import Ledger
from hicsim.engine.waves import times, wait
from hicsim.hardware.ids import Direction, Phase
from hicsim.mapping.place import Mapping

READ, WRITE = Direction.READ, Direction.WRITE


def stream_shares(tiles: dict[int, int], nbytes: float, offset: int = 0) -> dict[int, int]:
    """Bytes [offset, offset + nbytes) of a stream between the staging buffer and a layer's
    tiles, shared by the tiles' crossbar counts in whole bytes: tile t's share of the stream's
    first x bytes is floor(x C_t / N) - floor(x C_(t-1) / N) (C: cumulative crossbars, N: all
    of them), so a stream sent in chunks gives every tile the bytes it gets when sent at once."""
    end, on_chip = offset + math.ceil(nbytes), sum(tiles.values())
    shares, low = {}, 0
    for t, n in tiles.items():
        high = low + n
        shares[t] = (end * high // on_chip - end * low // on_chip
                     - (offset * high // on_chip - offset * low // on_chip))
        low = high
    return shares


class TileLinks:
    def __init__(self, env: simpy.Environment, chip: Chip, ledger: Ledger, mapping: Mapping,
                 local):
        self.env, self.chip, self.ledger, self.mapping, self.local = env, chip, ledger, mapping, local

    def over(self, name: str, phase: Phase, tiles: dict[int, int], nbytes: float,
             offset: int = 0, sources: dict[int, int] | None = None,
             shares: dict[int, float] | None = None, samples: int = 1):
        """Bytes [offset, offset + nbytes) of a stream over the links of a layer's tiles, each
        its whole-byte share (``stream_shares``), or as ``shares`` says; from ``sources``
        (tile -> crossbars) instead of the staging buffer when given. Returns the event of all
        the links' transfers."""
        if shares is None:
            shares = stream_shares(tiles, nbytes, offset)
        return self.chip.spread(shares, lambda t, s: self.chip.link_transfer(t, s, name, phase,
                                                                             sources, samples))

    def between(self, name: str, src: str, b: int, tiles: dict[int, int], nbytes: int,
                copies: int, offset: int, phase: Phase, samples: int = 1):
        """``nbytes`` of layer ``name``'s input from the tiles of the copies that ran ``src`` for
        sample ``b``: read once from their local buffers, sent ``copies`` times (column
        partitions) to ``tiles``, each its crossbar share, over the hops between them; read and
        written as the links send them."""
        lm = self.mapping.layers[src]
        sources = self.mapping.copies_for(lm, self.mapping.placements(lm)[-1], b).tiles
        start, end = span_of((yield from wait(self.env, self.over(
            name, phase, tiles, nbytes * copies, offset, sources, samples=samples))),
            times(self.env))
        self.ledger.move(start, self.local.name, READ, nbytes, src, phase, end, samples)
        self.ledger.move(start, self.local.name, WRITE, nbytes * copies, name, phase, end, samples)

    def to_tiles(self, name: str, phase: Phase, tiles: dict[int, int], nbytes: float,
                 offset: int = 0, shares: dict[int, float] | None = None, samples: int = 1):
        """Bytes to the tiles' local buffers, written as they arrive over the links (``shares``:
        each tile's bytes, in place of its share of ``nbytes``)."""
        if shares is not None:
            nbytes = sum(shares.values())
        yield from self._through_local(WRITE, name, phase, tiles, nbytes, offset, shares, samples)

    def from_tiles(self, name: str, phase: Phase, tiles: dict[int, int], nbytes: float,
                   offset: int = 0, samples: int = 1):
        """Bytes out of the tiles' local buffers, read as the links send them."""
        yield from self._through_local(READ, name, phase, tiles, nbytes, offset, None, samples)

    def _through_local(self, direction: Direction, name: str, phase: Phase,
                       tiles: dict[int, int], nbytes: float, offset: int, shares, samples: int):
        start, end = span_of((yield from wait(self.env, self.over(
            name, phase, tiles, nbytes, offset, shares=shares, samples=samples))),
            times(self.env))
        self.ledger.move(start, self.local.name, direction, math.ceil(nbytes), name, phase, end,
                         samples)
