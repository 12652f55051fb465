"""A training study's wall time, planned before any epoch runs and refused above ``--max-hours``.

How it is measured: each run of the study (rule, width) is built once as a throwaway copy and
timed on its first training batch, twice; the second step is the figure (the first may load
compiled kernels). Its seconds per sample times the training samples, plus one forward pass per
sample over the test set, is one epoch; times the epochs, summed over the runs. The throwaway
copy has its own seeded generators, so the real runs are unchanged. Not counted: building each
run and programming its initial weights (once per run), the measurements after training, and
``--step-time auto``'s engine simulation; with ``--resume`` the whole study is planned.
"""

from __future__ import annotations

import time

from hicsim.budget import duration, refuse_over_max_hours
from hicsim.train.run import EVAL_BATCH, RunConfig, TrainingRun


def seconds_per_sample(config: RunConfig, arch, data) -> tuple[float, float]:
    """(training, evaluation) seconds per sample, timed on a throwaway copy of the run."""
    run = TrainingRun(config, arch, data)
    x, y = data.x_train[:config.batch], data.y_train[:config.batch]
    for _ in range(2):
        started = time.perf_counter()
        run.step(x, y)
        train = (time.perf_counter() - started) / len(x)
    x = data.x_test[:EVAL_BATCH]
    started = time.perf_counter()
    run.model.forward(x, train=False)
    return train, (time.perf_counter() - started) / len(x)


def check_time(configs: list[RunConfig], arch, data, max_hours: float, say: bool = True) -> float:
    """Planned seconds of training every run in ``configs``; refused at ``--max-hours``."""
    seconds = 0.0
    for c in configs:
        train, evaluate = seconds_per_sample(c, arch, data)
        seconds += c.epochs * (train * len(data.x_train) + evaluate * len(data.x_test))
    what = (f"{len(configs)} run(s) x {configs[0].epochs} epoch(s) x {len(data.x_train):,} "
            f"samples: about {duration(seconds)} (timed on one batch per run)")
    return refuse_over_max_hours(seconds, max_hours, "training", what, "lower {epochs}",
                                 ("epochs",), "hicsim train", say)
