"""The generation unit's basis buffer as a capacity: what the unit reads again and again, and what
it must fetch from DRAM again when that does not fit.

The unit generates a layer's weights one input channel at a time: W[:, c, :] from the level-1
bases B, channel c's slice of U (or of the stored basis kernels W1) and the level-2 coefficients
V (``hicsim.generation.plan``). B and V, the tensors without a channel index, are read again for
every channel: they are the unit's working set; U and W1 stream through once. A working set larger
than the buffer keeps what fits, and the rest is read from DRAM again for every channel after the
first (DRAM reads and basis-buffer writes), while the unit waits for the DRAM channels to deliver
it. Channel by channel is an assumption (the unit's loop order is not published): of the loop
orders it is the one with the smallest working set (V is K x Bo coefficients, B nB x Bi x R.S).
"""

from __future__ import annotations

REUSED = ("B", "V")  # the stored tensors without an input-channel index


def working_set_bytes(plan) -> int:
    """Bytes of a plan's bases and coefficients that every input channel reads."""
    return sum(t.bytes for t in plan.tensors if t.name in REUSED)


def refetch_bytes(plan, capacity: float) -> int:
    """DRAM bytes read again for a whole layer when its working set overflows ``capacity``: the
    overflow once per input channel after the first."""
    over = working_set_bytes(plan) - capacity
    return int(over) * (plan.shape.c - 1) if over > 0 else 0
