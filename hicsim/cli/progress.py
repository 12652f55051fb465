"""A one-line progress indicator on stderr for ``hicsim run``, fed by the engine's per-layer
callback (``hicsim.engine.progress``). It draws nothing unless stderr is a terminal and the run
has taken longer than ``DELAY_S``: pipes, files and tests see no extra output, and short runs
stay quiet."""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY_S = 2.0  # quiet before this: most runs finish sooner and a flash of text is noise
REDRAW_S = 0.1  # at most ten redraws a second: the line is for a person


class LayerProgress:
    def __init__(self, stream: TextIO | None = None, clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.start = clock()
        self.last = float("-inf")
        self.drawn = False
        self.live = _is_terminal(self.stream)

    def __call__(self, name: str, index: int, count: int, cycle: int) -> None:
        if not self.live:
            return
        now = self.clock()
        if now - self.start < DELAY_S or (now - self.last < REDRAW_S and index + 1 < count):
            return
        self.last = now
        line = (f"simulating: layer {index + 1}/{count} {name}, engine time {cycle:,} cycles "
                f"({now - self.start:.1f} s)")
        self.stream.write("\r\033[K" + line[:200])
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the line, so the summary that follows starts on a clean line."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: not a terminal
        return False
