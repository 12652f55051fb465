"""The batch as waves: groups of samples that take every operation together.

Samples that run on the same copies of every layer (``Mapping.copies_for``: sample b and
b + copy_sets share copies) meet the same units in the same order. ``waves`` cuts each such class
into runs of consecutive samples, at most ``mapping.waves`` waves in all; a batch of no more
samples than that runs sample by sample. A wave travels as one sample does (one SimPy process per
layer and wave), and each of its operations is its samples' operations back to back on the same
units: ``n`` samples of ``d`` cycles each take ``n x d`` cycles as one engine event, and their
counts and bytes are ``n`` times one sample's. That is exact for the wave: a unit that receives
``n`` equal operations at once serves them back to back, with nothing between them, which is what
the per-sample reference (``run_engine(per_sample=True)``: one unit operation and one count per
sample) checks. What waves change is the model, against samples that each travel on their own:
a wave's samples wait for one another at every operation (a batched operation), and the engine's
cost follows the waves, not the batch.
"""

from __future__ import annotations

import math

from hicsim.mapping.place import Mapping


def waves(mapping: Mapping, batch: int, count: int | None) -> list[tuple[int, ...]]:
    """The samples of each wave, ordered by their first sample. ``count`` (None: a wave per
    sample) waves share the batch in proportion to the classes of samples that run on the same
    copies of every layer (at least one wave each); a class's waves are runs of consecutive
    samples whose sizes differ by at most one."""
    if count is None or batch <= count:
        return [(b,) for b in range(batch)]
    sets = [mapping.copy_sets(lm, place) for lm in mapping.layers.values()
            for place in mapping.placements(lm)]
    period = math.lcm(*sets) if sets else 1
    out = []
    for r in range(min(period, batch)):
        members = range(r, batch, period)
        parts = max(1, len(members) * count // batch)
        bounds = [len(members) * j // parts for j in range(parts + 1)]
        out += [tuple(members[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]
    return sorted(out)
