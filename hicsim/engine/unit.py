"""A hardware unit as one long-lived SimPy process serving batched operations one at a time.

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
in the order it makes them, which is its tiles' order.

A wave of ``n`` samples (``engine.waves``) submits its samples' operations as one: ``n``
operations of ``cycles`` each, back to back, which take ``n x cycles``. The per-sample reference
(``per_sample``) serves them as ``n`` timed operations instead; the two keep the same time.
"""

from __future__ import annotations

import heapq

import simpy

from hicsim.hardware.ids import UnitKind

# SimPy serves the events of one cycle by priority (0 urgent, 1 normal): an event of priority 2
# comes after every other event of its cycle, when every request of the cycle has arrived.
END_OF_CYCLE = 2


def spawn(env: simpy.Environment, generator, priority: tuple | None = None) -> simpy.Process:
    """Start ``generator`` as a process whose unit requests carry ``priority`` (by default the
    priority of the process that starts it)."""
    process = env.process(generator)
    process.priority = priority if priority is not None else env.active_process.priority
    return process


def _at_end_of_cycle(env: simpy.Environment, event: simpy.Event) -> simpy.Event:
    """Trigger ``event`` to fire after every other event of the current cycle."""
    event._ok, event._value = True, None  # as simpy's own events (Timeout) trigger themselves
    env.schedule(event, END_OF_CYCLE)
    return event


class Unit:
    def __init__(self, env: simpy.Environment, name: str, kind: UnitKind, per_sample: bool = False):
        self.env = env
        self.per_sample = per_sample
        self.name = name
        self.kind = kind
        self.busy_cycles = 0
        self.operations = 0
        # (arrival cycle, priority, submission number, cycles, samples, done): the arbiter takes
        # the least
        self._pending: list[tuple] = []
        self._submitted = 0
        self._idle: simpy.Event | None = None  # what the process waits on while nothing is pending
        env.process(self._serve())

    def submit(self, cycles: int, n: int = 1) -> simpy.Event:
        """An event that fires when the operation (``n`` samples' operations of ``cycles`` each,
        back to back) is done; its value is the cycle it started."""
        done = self.env.event()
        priority = getattr(self.env.active_process, "priority", None)
        if priority is None:  # the arbiter needs every requester's place in the order
            raise RuntimeError(f"{self.name}: a request from a process started without a priority "
                               f"(start engine processes with hicsim.engine.unit.spawn)")
        heapq.heappush(self._pending,
                       (self.env.now, priority, self._submitted, int(cycles), n, done))
        self._submitted += 1
        if self._idle is not None:  # wake the unit at the end of this cycle
            _at_end_of_cycle(self.env, self._idle)
            self._idle = None
        return done

    def _serve(self):
        env = self.env
        while True:
            if not self._pending:
                self._idle = env.event()
                yield self._idle
            elif self._pending[0][0] == env.now:  # more requests of this cycle may still come
                yield _at_end_of_cycle(env, env.event())
            _, _, _, cycles, n, done = heapq.heappop(self._pending)
            start = env.now
            if cycles > 0:
                for _ in range(n if self.per_sample else 1):
                    yield env.timeout(cycles if self.per_sample else cycles * n)
            self.busy_cycles += max(cycles, 0) * n
            self.operations += n
            done.succeed(start)
