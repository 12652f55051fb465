"""A training study: one run per (update rule, width), optionally with the FP32 baseline on the
same network and seed, each checkpointed per epoch; then per run the measurements (accuracy,
wear, rates, drift) and their tables (``report``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from hicsim.budget import DEFAULT_MAX_HOURS
from hicsim.devices.layout import build_layout
from hicsim.kernels import blas_single_threaded
from hicsim.spec.errors import OptionError, single
from hicsim.train.data import load_dataset
from hicsim.train.drift import PROGRAMMINGS, drift_table
from hicsim.train.models import MODELS, TORCH_MODELS, build_network
from hicsim.train.report import RunResult, write_results
from hicsim.train.run import RunConfig, TrainingRun
from hicsim.train.step_time import AUTO, default_rates_path, simulated_step_time
from hicsim.train.stores import ALL_RULES
from hicsim.train.time_plan import check_time
from hicsim.train.wear import rates_file, wear_tables
from hicsim.train.wear_map import FILE as WEAR_MAP, most_written, wear_map, write_wear_map

CHECKPOINT = "checkpoint.npz"


@dataclass(frozen=True)
class Study:
    arch_path: str
    arch: object
    config: RunConfig            # the chosen rule at the first width
    widths: tuple[float, ...]
    baseline: bool
    out: Path
    resume: bool
    progress: bool
    command: str                 # the command line that reproduces this study
    step_time: float | str = 0.0  # seconds per training step, or "auto" (the engine's latency)
    max_hours: float = DEFAULT_MAX_HOURS  # refuse a study planned to take longer (time_plan)
    drift_programmings: int = PROGRAMMINGS  # programmings the drift study averages over

    def runs(self) -> list[RunConfig]:
        rules = [self.config.rule] + (["fp32"] if self.baseline and self.config.rule != "fp32" else [])
        return [replace(self.config, rule=r, width=w) for w in self.widths for r in rules]


def check_study(study: Study) -> None:
    """Everything the runs need, checked before any training starts (``InputError``)."""
    c, src = study.config, study.arch_path
    check_model(c.model)
    if c.rule not in ALL_RULES:
        raise OptionError("rule", f"unknown rule {c.rule!r}; known: {', '.join(ALL_RULES)}")
    if c.rule == "hic" and study.arch.tile.accumulator is None:
        raise single(src, "the hic update rule needs a low-precision accumulator "
                          "(tile.accumulator: {bits: 8, rounding: stochastic})", "tile.accumulator")
    try:
        build_layout(study.arch, 1.0)
    except (ValueError, KeyError) as exc:
        raise single(src, f"cannot hold weights on these devices: {exc}", "tile.weights") from None
    for name, value, low in (("epochs", c.epochs, 1), ("batch", c.batch, 1)):
        if value < low:
            raise OptionError(name, f"must be at least {low}, got {value}")
    if not c.lr > 0 or not 0 <= c.momentum < 1:
        raise OptionError("lr", f"need {{lr}} > 0 and 0 <= {{momentum}} < 1, got {c.lr}, {c.momentum}",
                          mentions=("momentum",))
    if not study.widths or min(study.widths) <= 0:
        raise OptionError("widths", f"widths must be positive, got {list(study.widths)}")
    if study.step_time == AUTO and c.rule != "fp32" and not default_rates_path(study.arch).exists():
        raise OptionError("step_time", f"auto needs the measured programming rates of this spec in "
                                    f"{default_rates_path(study.arch)} (run from the repository "
                                    "root), or give the step time in seconds")


def check_model(name: str) -> None:
    """A built-in model, or a PyTorch one with torch importable (the factory itself is imported
    and checked when the run builds it)."""
    if name in MODELS:
        return
    torch_source = name in TORCH_MODELS or ":" in name
    if not torch_source:
        raise OptionError("model", f"unknown model {name!r}; known: {', '.join(MODELS + TORCH_MODELS)}")
    try:
        import torch  # noqa: F401
    except ImportError:
        raise OptionError("torch" if ":" in name else "model",
                     f"{name} is a PyTorch network: install the torch extra "
                     "(pip install 'hicsim[torch]')") from None


def run_study(study: Study) -> list[RunResult]:
    check_study(study)
    data = load_dataset(study.config.dataset)
    results = []
    with blas_single_threaded():
        check_time(study.runs(), study.arch, data, study.max_hours)
        for config in study.runs():
            run = _train(study, config, data)
            results.append(_measure(study, run))
    write_results(study, results)
    return results


def step_time_of(study: Study, config: RunConfig, data) -> float:
    """Seconds per step for this run: the study's figure, or with ``auto`` the engine's simulated
    latency of one training step of this run's network (rule and width) on the study's spec."""
    if study.step_time != AUTO:
        return float(study.step_time)
    if config.rule == "fp32":
        return 0.0
    model = build_network(config.model, data.input_shape, data.classes, config.width, study.arch,
                        config.rule, config.seed)
    return simulated_step_time(study.arch, model, data.input_shape, config.batch,
                               default_rates_path(study.arch), f"{config.model}_{config.tag}")


def _train(study: Study, config: RunConfig, data) -> TrainingRun:
    config = replace(config, step_time=step_time_of(study, config, data))
    run = TrainingRun(config, study.arch, data)
    path = study.out / "runs" / config.tag / CHECKPOINT
    if path.exists():
        if not study.resume:
            raise OptionError("", f"already holds a checkpoint ({path}): continue it "
                                  "({resume}) or choose another output directory ({out})",
                              str(study.out),
                              mentions=("resume", "out"))
        run.restore(path)
    while not run.done:
        row = run.train_epoch(study.progress)
        run.save(path)  # only after the epoch is complete: an interrupt loses at most this epoch
        print(f"{config.tag:>14} epoch {row['epoch']:>3}/{config.epochs}: loss {row['train_loss']:.4f}, "
              f"train {row['train_accuracy']:.4f}, test {row['test_accuracy']:.4f} "
              f"({row['seconds']:.1f} s)", flush=True)
    return run


def _measure(study: Study, run: TrainingRun) -> RunResult:
    devices = run.config.rule != "fp32"
    wear, histogram = wear_tables(run) if devices else (None, None)
    peak = None
    if devices:
        maps = wear_map(run)
        write_wear_map(study.out / "runs" / run.config.tag / WEAR_MAP, maps)
        peak = most_written(maps)
    return RunResult(config=run.config, history=run.history, steps=run.steps,
                     weights=sum(l.weight_count for l in run.weight_layers),
                     drift=drift_table(run, study.arch, study.drift_programmings), wear=wear, wear_histogram=histogram,
                     rates=rates_file(run, study.command) if devices else None,
                     most_written=peak)
