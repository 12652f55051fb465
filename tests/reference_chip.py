"""A cycle-by-cycle reference of a small chip schedule: jobs that each move inputs out of the
global buffer (one port), over one shared link to their tile, run one operation there, and send
their outputs back the same way. Slow, small, and written from the hardware's behaviour: each
port, link and tile serves one request at a time, in the order requests arrived; the link's last
byte reaches the far side ``hop`` cycles after it leaves. Requests that reach one unit in the
same cycle go by their job's priority, lowest first (the arbiter of ``hicsim.engine.unit``);
``Schedule.ties`` counts them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class ChipRates:
    buffer_bytes_per_cycle: Fraction
    link_bytes_per_cycle: Fraction
    hop: int  # cycles


@dataclass(frozen=True)
class Job:
    tile: int
    start: int  # cycle the job starts
    in_bytes: int
    tile_cycles: int
    out_bytes: int
    priority: int = 0  # the arbiter's order among requests of the same cycle, lowest first


def _steps(job: Job, rates: ChipRates) -> list[tuple[str, int]]:
    """(unit or 'wait', cycles) in the order the job needs them; an empty transfer is skipped."""
    def move(nbytes):
        if nbytes <= 0:
            return []
        return [("buffer", math.ceil(nbytes / rates.buffer_bytes_per_cycle)),
                ("link", math.ceil(nbytes / rates.link_bytes_per_cycle)), ("wait", rates.hop)]
    inbound, outbound = move(job.in_bytes), move(job.out_bytes)
    # outputs go over the link first, then into the buffer
    outbound = [outbound[1], outbound[2], outbound[0]] if outbound else []
    return inbound + [(f"tile{job.tile}", job.tile_cycles)] + outbound


@dataclass
class Schedule:
    finished: list  # the cycle each job finishes
    ties: int  # requests that reached a unit in the same cycle as another (the arbiter ordered)


def chip_schedule(jobs: list[Job], rates: ChipRates, limit: int = 10**6) -> Schedule:
    """When each job finishes, stepping every unit one cycle at a time."""
    steps = [_steps(j, rates) for j in jobs]
    at = [0] * len(jobs)  # the next step of each job
    ready = [j.start for j in jobs]  # the cycle a job moves on to its next step (None: waiting)
    finished = [None] * len(jobs)
    queue: dict[str, list[tuple[int, int, int]]] = {}  # unit -> (arrival, priority, job)
    busy: dict[str, tuple[int, int]] = {}  # unit -> (job, cycle it is done)
    ties = 0
    for cycle in range(limit):
        arrived: dict[str, int] = {}
        for unit, (j, until) in list(busy.items()):  # operations that end now
            if until == cycle:
                del busy[unit]
                ready[j] = cycle
        for j in range(len(jobs)):  # jobs move on, lower job first
            while ready[j] == cycle:
                if at[j] == len(steps[j]):
                    finished[j], ready[j] = cycle, None
                    break
                unit, cycles = steps[j][at[j]]
                at[j] += 1
                if unit == "wait":
                    ready[j] = cycle + cycles
                else:
                    queue.setdefault(unit, []).append((cycle, jobs[j].priority, j))
                    ready[j] = None
                    arrived[unit] = arrived.get(unit, 0) + 1
        ties += sum(n for n in arrived.values() if n > 1)
        for unit, waiting in queue.items():  # a free unit takes the oldest, then highest-priority
            if waiting and unit not in busy:
                waiting.sort()
                _, _, j = waiting.pop(0)
                busy[unit] = (j, cycle + steps[j][at[j] - 1][1])
        if all(f is not None for f in finished):
            return Schedule(finished, ties)
    raise RuntimeError("the schedule did not finish")
