"""The unit's placement as it was first written (``hicsim.engine.unit`` until session 8): one
list of (key, start, end) per sample operation, every sample placed one by one. Slow and plain;
tests/test_unit_placement.py holds the engine's faster placement (three lists, samples before a
conflict merged at once, a running maximum for those after every operation) equal to it."""

from __future__ import annotations

from bisect import bisect_right
from operator import itemgetter

from hicsim.engine.unit import ALONE, NORMAL, Unit, key_order

_key = itemgetter(0)  # a placed operation's key


class ReferenceUnit(Unit):
    """``Unit`` with the first placement (``submit`` and the counts are the engine's), whose
    operations ``waves.wait`` waits for the general way, without its shortcut."""

    def __init__(self, *args):
        super().__init__(*args)
        self._jobs: list[tuple] = []  # (key, start, end) of the operations still to arrive

    def submit(self, cycles: int):
        done = super().submit(cycles)
        del done.asked_lag  # so that ``waves.wait`` takes its general way for this operation
        return done

    def _place(self, _event) -> None:
        env, now, jobs = self.env, self.env.now, self._jobs
        self._flush = None
        if jobs and jobs[0][0][0] < now:  # arrived before: only their end counts
            over = 1  # a linear scan: a conflict can leave the list out of key order
            while over < len(jobs) and jobs[over][0][0] < now:
                over += 1
            self._done_by = max(self._done_by, jobs[over - 1][2])
            del jobs[:over]
        arrived, self._arrived = self._arrived, []
        if len(arrived) == 1 and (not jobs or jobs[-1][0] < (now, arrived[0][2][0], arrived[0][0])):
            # one request after every operation placed: each sample at max(its arrival, the
            # end of the one before)
            sub, lag, priorities, cycles, _ = arrived[0]
            end, first = jobs[-1][2] if jobs else self._done_by, []
            for d, p in zip(lag, priorities):
                start = max(now + d, end)
                end = start + cycles
                first.append(start)
                jobs.append(((now + d, p, sub), start, end))
            starts, conflicted = [first], [False]
        else:
            starts, conflicted = self._place_in_order(now, arrived)
        for r, (_, lag, _, cycles, done) in enumerate(arrived):
            first = starts[r]
            done._ok, done._value = True, first[0]
            if len(first) == 1:
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
        jobs = self._jobs
        if len(arrived) == 1:  # one request: its samples come in key order, each after the last
            sub, lag, priorities, cycles, _ = arrived[0]
            first, conflicted, previous, lo = [], False, self._done_by, 0
            for d, p in zip(lag, priorities):
                key, earliest = (now + d, p, sub), max(now + d, previous)
                if not jobs or jobs[-1][0] < key:  # after every operation placed
                    start = max(jobs[-1][2], earliest) if jobs else earliest
                    jobs.append((key, start, start + cycles))
                    lo = len(jobs)
                else:
                    start, moved, lo = _fit(jobs, key, earliest, cycles, lo)
                    conflicted = conflicted or moved
                first.append(start)
                previous = start
            return [first], [conflicted]
        starts = [[0] * len(request[1]) for request in arrived]
        conflicted = [False] * len(arrived)
        for key, r, i in key_order(now, arrived):
            cycles, first = arrived[r][3], starts[r]
            earliest = max(key[0], self._done_by, first[i - 1] if i else 0)
            if not jobs or jobs[-1][0] < key:
                first[i] = max(earliest, jobs[-1][2]) if jobs else earliest
                jobs.append((key, first[i], first[i] + cycles))
            else:
                first[i], moved, _ = _fit(jobs, key, earliest, cycles)
                conflicted[r] = conflicted[r] or moved
        return starts, conflicted


def _fit(jobs: list, key: tuple, earliest: int, cycles: int, lo: int = 0) -> tuple[int, bool, int]:
    """After the last operation with a smaller key (bisecting from ``lo``); a conflict goes in
    the first gap after that holds it. Returns the start, the conflict and the position after."""
    pos = bisect_right(jobs, key, lo, key=_key)
    start = max(earliest, jobs[pos - 1][2]) if pos else earliest
    conflicted = pos < len(jobs) and start + cycles > jobs[pos][1]
    while pos < len(jobs) and start + cycles > jobs[pos][1]:
        start = max(start, jobs[pos][2])
        pos += 1
    jobs.insert(pos, (key, start, start + cycles))
    return start, conflicted, pos + 1
