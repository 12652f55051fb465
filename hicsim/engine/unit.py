"""A hardware unit as one long-lived SimPy process serving a FIFO of batched operations.

A requester submits an operation with its closed-form duration in cycles and gets an event that
fires when the unit has finished it. Operations queue while the unit is busy: that queueing is
the contention the engine models. One event per operation, never one per cycle.
"""

from __future__ import annotations

import simpy

from hicsim.hardware.ids import UnitKind


class Unit:
    def __init__(self, env: simpy.Environment, name: str, kind: UnitKind):
        self.env = env
        self.name = name
        self.kind = kind
        self.busy_cycles = 0
        self.operations = 0
        self._queue = simpy.Store(env)
        env.process(self._serve())

    def submit(self, cycles: int) -> simpy.Event:
        """An event that fires when the operation is done; its value is the cycle it started."""
        done = self.env.event()
        self._queue.put((int(cycles), done))
        return done

    def _serve(self):
        while True:
            cycles, done = yield self._queue.get()
            if cycles > 0:
                yield self.env.timeout(cycles)
            self.busy_cycles += cycles
            self.operations += 1
            done.succeed(self.env.now - max(cycles, 0))
