"""The batch as waves: groups of samples that travel through the engine as one process each,
each sample keeping its own time (flow-line waves).

Samples that run on the same copies of every layer (``Mapping.copies_for``: sample b and
b + copy_sets share copies) meet the same units in the same order. ``waves`` cuts each such class
into runs of consecutive samples, at most ``mapping.waves`` waves in all; a batch of no more
samples than that runs sample by sample.

A wave travels as one sample does (one SimPy process per layer and wave), but it carries a time
per sample: the process runs at its first sample's time, and ``lag`` (on the process) says how
many cycles after that each of its samples reaches the same point of the code. Each unit
operation of a wave is one request with ``n`` arrival times; the unit serves the samples in the
order samples on their own would reach its arbiter (``engine.unit``: sample i starts at
max(its arrival, the end of the operation before it), ends ``d`` later) and fires one event when
the first sample is done, carrying the samples' ends; waiting on a producer's tensor or on several
operations gives each sample the later of its own time and the time its inputs were there for it
(``wait``). A tandem line of first-come-first-served units with fixed service times is exactly
this recursion, so the waves' times equal those of samples on their own (the default,
``mapping.waves: null``) unless a *conflict* occurs, which the engine counts and reports:

- a unit: an operation placed where samples on their own would go would move the start of one the
  unit had already promised (another request reaches the unit between two samples of a wave and
  does not fit in the gap before the next; requests of one cycle count by the arbiter's order);
- a tensor: a wave's tensor placed at a level where one sample's might not go (it does not fit
  the innermost level that holds one sample's tensor, counting every wave's tensor until its last
  sample has freed it: an upper bound of what samples on their own hold).

With no conflict the run equals the default's in cycles, counts, unit busy cycles, spans and
traffic, and the buffer's peak is an upper bound of the default's (tests/test_waves.py); counts
and bytes differ only where a tensor conflict puts a wave's tensor at another level. The engine's
cost follows the waves, not the batch: one event per wave operation, never one per sample.
"""

from __future__ import annotations

import math

import simpy
from simpy.events import Condition

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


def times(env: simpy.Environment) -> tuple[int, ...]:
    """When each sample of the active process's wave reaches this point of its code."""
    now = env.now
    return tuple(now + d for d in env.active_process.lag)


def announce(env: simpy.Environment, event: simpy.Event) -> None:
    """Fire ``event`` (a tensor or chunk is written) for every sample of the active wave: each
    sample's readers may go on from that sample's time."""
    event.fired_at, event.lag = env.now, env.active_process.lag
    event.succeed()


def _fired(event, now: int, out: list) -> list:
    """Append to ``out`` the (cycle, lag) of what ``event`` brings each sample: a unit operation
    or an announced event its own; a finished process its samples' times; every event of a
    condition; an event of the whole batch, the time it fired."""
    if isinstance(event, Condition):
        for child in event._value.events:
            _fired(child, now, out)
    else:
        lag = getattr(event, "lag", None)
        out.append((now, (0,)) if lag is None else (event.fired_at, lag))
    return out


def _catch_up(env: simpy.Environment, cycles: int) -> simpy.Event:
    """The wait of a wave whose first sample goes on later than now: an event of its own, a
    function of its own so that tests/test_waves.py can count these events."""
    return env.timeout(cycles)


def wait(env: simpy.Environment, event: simpy.Event):
    """Wait for ``event`` (``yield from``) as each sample of the active wave would on its own:
    sample i goes on at the later of its own time and the time ``event`` brings it. The process
    resumes at its first sample's time (a process of the whole batch that waited on a wave: at
    the wave's last sample's). Returns the event's value. A run whose waves are all single
    samples (``env.waves`` unset: ``Dataflow``) only waits."""
    if not getattr(env, "waves", False):  # every sample on its own: nothing lags
        return (yield event)
    process = env.active_process
    at, lag = env.now, process.lag
    value = yield event
    if getattr(event, "asked_lag", None) is lag and event.asked_at == at:
        # a unit operation asked for now with the wave's times: each sample ends after it
        # arrived, so each goes on at its own end, the first at once (the general case below
        # gives the same)
        process.lag = event.lag
        return value
    now = env.now
    ready = [at + d for d in lag] if at != now or lag[-1] else None  # None: all at ``now``
    n = len(lag)
    for cycle, theirs in _fired(event, now, []):
        if ready is None and cycle + theirs[-1] <= now:
            continue  # nothing later than now
        if ready is None:
            ready = [now] * n
        if len(theirs) == n:
            ready = [r if r >= cycle + d else cycle + d for r, d in zip(ready, theirs)]
        elif len(theirs) == 1:
            t = cycle + theirs[0]
            ready = [r if r >= t else t for r in ready]
        elif n == 1:
            ready = [max(ready[0], cycle + max(theirs))]
        else:
            raise RuntimeError(f"a wave of {n} samples waited on one of {len(theirs)}")
    if ready is None:  # every sample goes on now
        return value
    first = min(ready)
    if first > now:
        yield _catch_up(env, first - now)
    process.lag = tuple(r - first for r in ready)
    return value


def op_span(ops) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per sample, the first start and the last end of unit operations (``Unit.submit``)."""
    if len(ops) == 1:
        return ops[0].starts, ops[0].ends
    return (tuple(map(min, zip(*(op.starts for op in ops)))),
            tuple(map(max, zip(*(op.ends for op in ops)))))
