"""Resource estimates made from validated inputs before any work: a run that cannot fit in this
machine's memory is refused with what it would need and which key to change, instead of failing
after minutes and gigabytes.

The engine starts one SimPy process per (layer, sample) and per decode step or training pass,
so its memory grows with ``batch x layers x passes``. Measured with ``bench/bench_engine_memory.py``
(resnet32_cifar10, 50 layers, batch 1, 64 and 256, peak RSS of each run in a fresh process):
3.47 KiB per (layer, sample) above a base of 99 MiB (the ``hicsim run`` CLI measured 206 MB at
batch 1 with /usr/bin/time). ``ENGINE_BYTES_PER_EVENT`` and ``ENGINE_BASE_BYTES`` round both up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from hicsim.spec.errors import single

ENGINE_BASE_BYTES = 256 * 2**20
ENGINE_BYTES_PER_EVENT = 4 * 2**10
# Share of the machine's memory one simulation (or all workers of a sweep together) may plan for.
MEMORY_SHARE = 0.75
# Passes over the layers per sample: a training step runs forward, backward and update.
TRAINING_PASSES = 3


def machine_memory() -> int:
    """Physical memory in bytes."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


@dataclass(frozen=True)
class Estimate:
    events: int
    bytes: int

    def fits(self, copies: int = 1) -> bool:
        return self.bytes * copies <= MEMORY_SHARE * machine_memory()


def engine_events(layers: int, batch: int, phase: str = "inference",
                  decode_steps: Optional[int] = None) -> int:
    """SimPy processes the engine starts for one run."""
    passes = TRAINING_PASSES if phase == "training" else 1
    return layers * batch * passes * (1 + (decode_steps or 0))


def engine_estimate(layers: int, batch: int, phase: str = "inference",
                    decode_steps: Optional[int] = None) -> Estimate:
    events = engine_events(layers, batch, phase, decode_steps)
    return Estimate(events, ENGINE_BASE_BYTES + ENGINE_BYTES_PER_EVENT * events)


def workload_estimate(workload) -> Estimate:
    decode = getattr(workload, "decode", None)
    steps = len(decode.steps_to_simulate()) if decode is not None else None
    return engine_estimate(len(workload.layers), workload.batch, workload.phase, steps)


def memory_problem(estimate: Estimate, copies: int = 1, what: str = "the simulation") -> Optional[str]:
    """Why ``copies`` runs of ``estimate`` at once do not fit in memory, or None."""
    if estimate.fits(copies):
        return None
    need = estimate.bytes * copies
    per = f" ({copies} at once)" if copies > 1 else ""
    return (f"{what}{per} would need about {_size(need)} of memory ({estimate.events:,} engine "
            f"events of about {_size(ENGINE_BYTES_PER_EVENT)} each); this machine has "
            f"{_size(machine_memory())}")


def largest_batch(layers: int, phase: str = "inference", decode_steps: Optional[int] = None,
                  copies: int = 1) -> int:
    """The largest batch whose run fits (for the message that says what to change)."""
    per_sample = ENGINE_BYTES_PER_EVENT * engine_events(layers, 1, phase, decode_steps)
    room = MEMORY_SHARE * machine_memory() / copies - ENGINE_BASE_BYTES
    return max(0, int(room // per_sample))


def _size(n: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 2**10:,.0f} KiB"


def check_fits(workload, source: str, copies: int = 1) -> None:
    """Raise an InputError at ``batch`` if simulating ``workload`` cannot fit in memory."""
    problem = memory_problem(workload_estimate(workload), copies)
    if problem:
        decode = getattr(workload, "decode", None)
        steps = len(decode.steps_to_simulate()) if decode is not None else None
        most = largest_batch(len(workload.layers), workload.phase, steps, copies)
        raise single(source, f"{problem}: lower batch (at most {most:,} fits)", "batch")


def workload_estimate_fits_batch(layers: int, batch: int, phase: str = "inference") -> bool:
    """Whether an inference (or training) run of ``layers`` layers at ``batch`` fits."""
    return engine_estimate(layers, batch, phase).fits()
