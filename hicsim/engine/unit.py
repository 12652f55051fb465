"""A hardware unit that serves operations one at a time, in closed form.

A requester submits an operation with its closed-form duration in cycles and gets an event that
fires when the unit has finished it. Operations wait while the unit is busy: that waiting is the
contention the engine models. One event per operation, never one per cycle.

The arbiter: a unit that is free takes, at the end of the cycle, the request that has waited
longest; requests that reached it in the same cycle go by priority, lowest first. A request
carries the priority of the process that makes it (``spawn``); the dataflow gives each process
its place in the network (``dataflow.priority``: layer order, then sample, then phase), so the
order is the network's, not the order in which the simulator happened to run the requesters
(a fixed-priority arbiter behind an age queue, as bus and memory arbiters are built). A
process's own requests of one cycle (a transfer spread over several tiles' links on one bus) go
in the order it makes them, which is its tiles' order. So a unit serves every operation in the
order of its key (arrival cycle, priority, submission) as soon as the one before it is done:
operation k starts at max(its arrival, end of operation k-1).

A wave of ``n`` samples (``engine.waves``) submits its samples' operations as one request: sample
i arrives ``lag[i]`` cycles after the first, with its own priority. At the end of the cycle the
unit places each sample where that order puts it among the operations it has already placed
(``_place``), and fires one event, when the first sample is done, whose ``starts`` and ``ends``
are every sample's. A sample that cannot go where its key puts it without moving an operation
already placed (its successor would start later) is a conflict: it is counted (``conflicts``,
once per request) and placed in the first gap after that holds it, so nothing already promised
moves.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from itertools import accumulate, islice, repeat
from operator import add, gt, sub

import simpy

from hicsim.hardware.ids import UnitKind

# SimPy serves the events of one cycle by priority (0 urgent, 1 normal): an event of priority 2
# comes after every other event of its cycle, when every request of the cycle has arrived.
END_OF_CYCLE = 2
NORMAL = 1
ALONE = (0,)  # the lag of a sample on its own


def spawn(env: simpy.Environment, generator, priorities: tuple | None = None) -> simpy.Process:
    """Start ``generator`` as a process whose unit requests carry ``priorities`` (one per sample
    of its wave; by default those of the process that starts it, whose samples' times it also
    takes over: ``engine.waves``)."""
    process = env.process(generator)
    parent = env.active_process
    if priorities is None:  # a parent started without ``spawn`` has none: ``submit`` says so
        process.priorities = getattr(parent, "priorities", None)
        process.lag = getattr(parent, "lag", ALONE)
    else:
        process.priorities, process.lag = priorities, (0,) * len(priorities)
    process.callbacks.append(_stamp)
    return process


def _stamp(process: simpy.Process) -> None:
    """Note when ``process`` finished (its samples: ``lag`` after that) and when the last sample
    of any process has (``finished``: a wave's last samples finish after its last event)."""
    env = process.env
    process.fired_at = env.now
    env.finished = max(getattr(env, "finished", 0), env.now + process.lag[-1])


def _at_end_of_cycle(env: simpy.Environment, event: simpy.Event) -> simpy.Event:
    """Trigger ``event`` to fire after every other event of the current cycle."""
    event._ok, event._value = True, None  # as simpy's own events (Timeout) trigger themselves
    env.schedule(event, END_OF_CYCLE)
    return event


class Unit:
    def __init__(self, env: simpy.Environment, name: str, kind: UnitKind):
        self.env = env
        self.name = name
        self.kind = kind
        self.busy_cycles = 0
        self.operations = 0
        self.conflicts = 0  # requests with a sample placed later than on its own (see above)
        # sample operations placed that arrive this cycle or later, in time order, as three
        # lists, so that bisection and insertion run in C without a key function: their keys
        # (arrival, priority, submission), starts and ends. Those that arrived before are only
        # remembered by when the last of them ends.
        self._keys: list[tuple] = []
        self._starts: list[int] = []
        self._ends: list[int] = []
        # keys after a larger one (only a conflict puts one there): while there is none, the
        # operations that have arrived are the prefix a bisection finds
        self._descents = 0
        self._done_by = 0
        self._arrived: list[tuple] = []  # this cycle's requests
        self._submitted = 0
        self._flush: simpy.Event | None = None

    def submit(self, cycles: int) -> simpy.Event:
        """An event that fires when the active process's operation of ``cycles`` is done for
        its first sample; its value is the cycle that sample started, its ``starts`` and ``ends``
        every sample's."""
        process = self.env.active_process
        priorities = getattr(process, "priorities", None)
        if priorities is None:  # the arbiter needs every requester's place in the order
            raise RuntimeError(f"{self.name}: a request from a process started without a priority "
                               f"(start engine processes with hicsim.engine.unit.spawn)")
        done = self.env.event()
        # what its samples' arrivals were asked from (``waves.wait``: a shortcut)
        done.asked_at, done.asked_lag = self.env.now, process.lag
        self._arrived.append((self._submitted, process.lag, priorities, max(int(cycles), 0), done))
        self._submitted += 1
        if self._flush is None:  # place this cycle's requests at its end
            self._flush = self.env.event()
            self._flush.callbacks.append(self._place)
            _at_end_of_cycle(self.env, self._flush)
        return done

    def _place(self, _event) -> None:
        env, now = self.env, self.env.now
        self._flush = None
        self._forget_arrived(now)
        arrived, self._arrived = self._arrived, []
        if len(arrived) == 1:
            first, conflicted = self._place_request(now, *arrived[0][:4])
            starts, conflicted = [first], [conflicted]
        else:
            starts, conflicted = self._place_in_order(now, arrived)
        for r, (_, lag, _, cycles, done) in enumerate(arrived):
            first = starts[r]
            start = first[0]
            done._ok, done._value = True, start
            if len(first) == 1:  # one sample
                done.starts, done.ends, done.lag = (start,), (start + cycles,), ALONE
            else:
                done.starts, done.ends = tuple(first), tuple(map(cycles.__add__, first))
                done.lag = tuple(map((-start).__add__, first))
            self.conflicts += conflicted[r]
            done.fired_at = start + cycles
            self.busy_cycles += cycles * len(first)
            self.operations += len(first)
            env.schedule(done, NORMAL, done.fired_at - now)

    def _forget_arrived(self, now: int) -> None:
        """Forget the operations placed that arrived before ``now`` but the end of the last."""
        keys = self._keys
        if not keys or keys[0][0] >= now:
            return
        if not self._descents:  # in key order: those before the first key of ``now``
            over = bisect_left(keys, (now,))
        else:
            # a linear scan of the front, not a bisection: out of key order, a bisection could
            # drop an operation that has not arrived yet
            over = 1
            while over < len(keys) and keys[over][0] < now:
                over += 1
            self._descents -= sum(map(gt, keys[:over], keys[1:over + 1]))  # pairs it breaks
        self._done_by = max(self._done_by, self._ends[over - 1])
        del keys[:over], self._starts[:over], self._ends[:over]

    def _place_request(self, now: int, number: int, lag: tuple, priorities: tuple,
                       cycles: int) -> tuple[list, bool]:
        """Place one request's samples, which come in key order: each after the last operation
        with a smaller key (``_fit``), not before the sample before it; returns their starts and
        whether any conflicted. In key order, the samples before the first conflict go in all
        at once (``_merge``); from the first sample that comes after every operation placed,
        every later one does too (``_append``)."""
        keys, arrival = self._keys, now + lag[0]
        if len(lag) == 1:  # one sample (every request of a run without waves): as simply as can be
            key, earliest = (arrival, priorities[0], number), max(arrival, self._done_by)
            if not keys or keys[-1] < key:
                start = self._ends[-1] if keys and self._ends[-1] > earliest else earliest
                keys.append(key)
                self._starts.append(start)
                self._ends.append(start + cycles)
                return [start], False
            start, moved, _ = self._fit(key, earliest, cycles)
            return [start], moved
        arrivals = [now + d for d in lag]
        new = list(zip(arrivals, priorities, repeat(number)))
        first, lo, conflicted = [], 0, False
        if keys and not self._descents:
            first, lo = self._merge(arrivals, new, cycles)
        previous = first[-1] if first else self._done_by
        for i in range(len(first), len(new)):
            if not keys or keys[-1] < new[i]:
                first += self._append(arrivals[i:], new[i:], cycles, previous)
                break
            earliest = arrivals[i] if arrivals[i] > previous else previous
            previous, moved, lo = self._fit(new[i], earliest, cycles, lo)
            conflicted = conflicted or moved
            first.append(previous)
        return first, conflicted

    def _merge(self, arrivals: list, new: list, cycles: int) -> tuple[list, int]:
        """With every key placed in order, place the samples before the first that conflicts,
        at once; returns their starts and the position after the last. Sample i goes after the
        operations placed with smaller keys (p_i of them), so it starts at
        s_i = max(s_(i-1) + cycles, arrival_i, end of operation p_i - 1): a running maximum as
        in ``_append``. It conflicts if it ends after operation p_i starts."""
        keys, starts, ends, done_by = self._keys, self._starts, self._ends, self._done_by
        count = len(new)
        pos = list(map(bisect_right, repeat(keys, count), new))
        ready = map(max, arrivals, [ends[q - 1] if q else done_by for q in pos])
        steps = range(0, count * cycles, cycles) if cycles else [0] * count
        placed = list(map(add, accumulate(map(sub, ready, steps), max), steps))
        # the start of the operation after each (none after the last: never before its end)
        following = map((starts + [placed[-1] + cycles]).__getitem__, pos)
        overlaps = list(map(gt, map(cycles.__add__, placed), following))
        clean = overlaps.index(True) if True in overlaps else count
        if clean < count:
            del placed[clean:], pos[clean:]
        # from the last: each goes in before the operations that follow it, after those before
        at = pos[::-1]
        deque(map(keys.insert, at, new[clean - 1::-1] if clean else ()), 0)
        deque(map(starts.insert, at, placed[::-1]), 0)
        deque(map(ends.insert, at, [s + cycles for s in reversed(placed)]), 0)
        return placed, pos[-1] + clean if clean else 0

    def _append(self, arrivals: list, new: list, cycles: int, previous: int) -> list[int]:
        """Place samples after every operation placed (none before ``previous``): sample k
        starts at max(its arrival a_k, the end of the one before), which is
        k * cycles + max(ready, max over j <= k of a_j - j * cycles): a running maximum."""
        keys, starts, ends = self._keys, self._starts, self._ends
        ready = ends[-1] if ends and ends[-1] > previous else previous
        steps = range(0, len(new) * cycles, cycles) if cycles else [0] * len(new)
        latest = islice(accumulate(map(sub, arrivals, steps), max, initial=ready), 1, None)
        placed = list(map(add, latest, steps))
        keys += new
        starts += placed
        ends += map(cycles.__add__, placed)
        return placed

    def _place_in_order(self, now: int, arrived: list) -> tuple[list, list]:
        """Place every sample of this cycle's requests (more than one) in key order (``_fit``);
        returns their starts and whether each request conflicted."""
        keys, starts_of, ends_of = self._keys, self._starts, self._ends
        starts = [[0] * len(request[1]) for request in arrived]
        conflicted = [False] * len(arrived)
        for key, r, i in key_order(now, arrived):
            cycles, first = arrived[r][3], starts[r]
            earliest = max(key[0], self._done_by, first[i - 1] if i else 0)
            if not keys or keys[-1] < key:  # after every operation placed: no one moves
                first[i] = max(earliest, ends_of[-1]) if keys else earliest
                keys.append(key)
                starts_of.append(first[i])
                ends_of.append(first[i] + cycles)
            else:
                first[i], moved, _ = self._fit(key, earliest, cycles)
                conflicted[r] = conflicted[r] or moved
        return starts, conflicted

    def _fit(self, key: tuple, earliest: int, cycles: int, lo: int = 0) -> tuple[int, bool, int]:
        """Place a sample's operation (``key``: arrival, priority, submission) after the last
        operation placed with a smaller key (none before ``lo`` has a larger one); returns its
        start, whether it conflicted (it would have moved the operation after it, so it goes in
        the first gap after that one that holds it instead) and the position after it."""
        keys, starts, ends = self._keys, self._starts, self._ends
        pos = bisect_right(keys, key, lo)  # in key order too, but for earlier conflicts
        start = ends[pos - 1] if pos and ends[pos - 1] > earliest else earliest
        conflicted = pos < len(keys) and start + cycles > starts[pos]
        if conflicted:
            while pos < len(keys) and start + cycles > starts[pos]:  # the first gap that holds it
                start = max(start, ends[pos])
                pos += 1
            self._descents += _descents_made(keys, pos, key)
        # else the bisection put it after a smaller key (or the sample before it, at ``lo``)
        # and before a larger one: no descent is made or undone
        keys.insert(pos, key)
        starts.insert(pos, start)
        ends.insert(pos, start + cycles)
        return start, conflicted, pos + 1


def _descents_made(keys: list, pos: int, key: tuple) -> int:
    """How many more keys come after a larger one once ``key`` goes in at ``pos``."""
    before = keys[pos - 1] if pos else None
    after = keys[pos] if pos < len(keys) else None
    made = (before is not None and before > key) + (after is not None and key > after)
    return made - (before is not None and after is not None and before > after)


def key_order(now: int, arrived: list) -> list[tuple]:
    """Every sample of this cycle's requests as (key, request, sample), in key order."""
    return sorted(((now + d, priorities[i], number), r, i)
                  for r, (number, lag, priorities, _, _) in enumerate(arrived)
                  for i, d in enumerate(lag))
