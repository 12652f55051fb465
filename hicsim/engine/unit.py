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

from bisect import bisect_right
from operator import itemgetter

import simpy

from hicsim.hardware.ids import UnitKind

# SimPy serves the events of one cycle by priority (0 urgent, 1 normal): an event of priority 2
# comes after every other event of its cycle, when every request of the cycle has arrived.
END_OF_CYCLE = 2
NORMAL = 1
ALONE = (0,)  # the lag of a sample on its own
_key = itemgetter(0)  # a placed operation's key



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
        # sample operations placed that arrive this cycle or later, in time order: (key, start,
        # end); those that arrived before are only remembered by when the last of them ends
        self._jobs: list[tuple] = []
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
        self._arrived.append((self._submitted, process.lag, priorities, max(int(cycles), 0), done))
        self._submitted += 1
        if self._flush is None:  # place this cycle's requests at its end
            self._flush = self.env.event()
            self._flush.callbacks.append(self._place)
            _at_end_of_cycle(self.env, self._flush)
        return done

    def _place(self, _event) -> None:
        env, now, jobs = self.env, self.env.now, self._jobs
        self._flush = None
        if jobs and jobs[0][0][0] < now:  # arrived before: only their end counts
            # a linear scan, not a bisection: a conflict (``_fit``) can leave the operations out
            # of key order, and a bisection could then drop one that has not arrived yet
            over = 1
            while over < len(jobs) and jobs[over][0][0] < now:
                over += 1
            self._done_by = max(self._done_by, jobs[over - 1][2])
            del jobs[:over]
        arrived, self._arrived = self._arrived, []
        if len(arrived) == 1 and (not jobs or jobs[-1][0] < (now, arrived[0][2][0], arrived[0][0])):
            # one request after every operation placed (the common case): its samples in turn,
            # each at max(its arrival, the end of the one before)
            sub, lag, priorities, cycles, _ = arrived[0]
            end, first = jobs[-1][2] if jobs else self._done_by, []
            for d, p in zip(lag, priorities):
                start = now + d if now + d > end else end
                end = start + cycles
                first.append(start)
                jobs.append(((now + d, p, sub), start, end))
            starts, conflicted = [first], [False]
        else:
            starts, conflicted = self._place_in_order(now, arrived)
        for r, (_, lag, _, cycles, done) in enumerate(arrived):
            first = starts[r]
            done._ok, done._value = True, first[0]
            if len(first) == 1:  # one sample
                done.starts, done.ends, done.lag = (first[0],), (first[0] + cycles,), ALONE
            else:
                done.starts, done.ends = tuple(first), tuple(s + cycles for s in first)
                done.lag = tuple(e - done.ends[0] for e in done.ends)
            self.conflicts += conflicted[r]
            done.fired_at = first[0] + cycles
            self.busy_cycles += cycles * len(first)
            self.operations += len(first)
            env.schedule(done, NORMAL, done.fired_at - now)

    def _place_in_order(self, now: int, arrived: list) -> tuple[list, list]:
        """Place every sample of this cycle's requests in key order (``_fit``); returns their
        starts and whether each request conflicted."""
        jobs = self._jobs
        if len(arrived) == 1:  # one request: its samples come in key order, each after the last
            sub, lag, priorities, cycles, _ = arrived[0]
            first, conflicted, previous, lo = [], False, self._done_by, 0
            for d, p in zip(lag, priorities):
                key, earliest = (now + d, p, sub), now + d
                if previous > earliest:
                    earliest = previous
                if not jobs or jobs[-1][0] < key:  # after every operation placed
                    start = jobs[-1][2] if jobs and jobs[-1][2] > earliest else earliest
                    jobs.append((key, start, start + cycles))
                    lo = len(jobs)
                else:
                    start, moved, lo = _fit(jobs, key, earliest, cycles, lo)
                    conflicted = conflicted or moved
                first.append(start)
                previous = start
            return [first], [conflicted]
        order = [((now + d, priorities[i], sub), r, i)
                 for r, (sub, lag, priorities, _, _) in enumerate(arrived)
                 for i, d in enumerate(lag)]
        if len(arrived) > 1:  # one request's samples come in key order already
            order.sort()
        starts = [[0] * len(request[1]) for request in arrived]
        conflicted = [False] * len(arrived)
        for key, r, i in order:
            cycles, first = arrived[r][3], starts[r]
            earliest = max(key[0], self._done_by, first[i - 1] if i else 0)
            if not jobs or jobs[-1][0] < key:  # after every operation placed: no one moves
                first[i] = max(earliest, jobs[-1][2]) if jobs else earliest
                jobs.append((key, first[i], first[i] + cycles))
            else:
                first[i], moved, _ = _fit(jobs, key, earliest, cycles)
                conflicted[r] = conflicted[r] or moved
        return starts, conflicted


def _fit(jobs: list, key: tuple, earliest: int, cycles: int, lo: int = 0) -> tuple[int, bool, int]:
    """Place a sample's operation (``key``: arrival, priority, submission) in ``jobs`` (in time
    order) after the last operation with a smaller key (none before ``lo`` has a larger one);
    returns its start, whether it conflicted (it would have moved the operation after it, so it
    goes in the first gap after that one that holds it instead) and the position after it."""
    pos = bisect_right(jobs, key, lo, key=_key)  # in key order too, but for earlier conflicts
    start = max(earliest, jobs[pos - 1][2]) if pos else earliest
    conflicted = pos < len(jobs) and start + cycles > jobs[pos][1]
    while pos < len(jobs) and start + cycles > jobs[pos][1]:  # the first gap that holds it
        start = max(start, jobs[pos][2])
        pos += 1
    jobs.insert(pos, (key, start, start + cycles))
    return start, conflicted, pos + 1
