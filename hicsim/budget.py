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
import sys
from dataclasses import dataclass
from typing import Optional

from hicsim.spec.errors import OptionError, single

ENGINE_BASE_BYTES = 256 * 2**20
ENGINE_BYTES_PER_EVENT = 4 * 2**10
# Share of the machine's memory one simulation (or all workers of a sweep together) may plan for.
MEMORY_SHARE = 0.75
# Passes over the layers per sample: a training step runs forward, backward and update.
TRAINING_PASSES = 3
# Wall time of one simulation, planned before a sweep runs: POINT_BASE_S + SECONDS_PER_EVENT per
# engine event (``engine_events``: (layer, sample) x passes x stages). Measured on this project's
# 2-core machine with ``bench/bench_point_time.py`` (simulate from YAML, python 3.11):
# resnet18_imagenet, vgg8_cifar10, mobilenetv2_cifar10 on hermes_core, hic_pcm, pcm_multilevel at
# batch 1 and 16 took 26 ms to 1.3 s over two runs; the slowest per event at batch 16 was 4.1 ms
# and 2.4 ms (vgg8 on hermes_core), the slowest point at batch 1 212 ms and 121 ms (mobilenetv2
# on hermes_core, 64 layers). The constants round those up, so the estimate is an upper bound for
# the shipped specs, not a prediction: a point usually takes less.
POINT_BASE_S = 0.1
SECONDS_PER_EVENT = 5e-3
DEFAULT_MAX_HOURS = 24.0


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


def engine_seconds(estimate: Estimate) -> float:
    """Planned wall time of one simulation (an upper bound, see ``SECONDS_PER_EVENT``)."""
    return POINT_BASE_S + SECONDS_PER_EVENT * estimate.events


def duration(seconds: float) -> str:
    for unit, scale in (("h", 3600), ("min", 60)):
        if seconds >= scale:
            return f"{seconds / scale:,.1f} {unit}"
    return f"{seconds:.1f} s"


def refuse_over_max_hours(seconds: float, max_hours: float, subject: str, what: str, remedy: str,
                          mentions: tuple[str, ...], label: str, say: bool) -> float:
    """``seconds`` of planned wall time, refused (naming the ``max_hours`` option and ``remedy``)
    when over ``max_hours``; said on stderr as ``label: what`` when ``say``. Shared by the sweep
    and training time plans."""
    if seconds > max_hours * 3600:
        raise OptionError("max_hours", f"{subject} would take {what}, over the bound of "
                                       f"{max_hours:g} h: raise {{max_hours}}, or {remedy}",
                          mentions=mentions)
    if say:
        print(f"{label}: {what}", file=sys.stderr)
    return seconds


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
