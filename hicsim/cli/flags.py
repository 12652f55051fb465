"""How the command line words the library's options: ``OptionError`` names an option as the API
does (``epochs``, ``cluster``); the CLI shows its flag. The one place that maps one to the other."""

from __future__ import annotations

from hicsim.spec.errors import InputError, OptionError

FLAGS = {
    "model": "--model", "torch": "--torch", "rule": "--rule", "epochs": "--epochs",
    "batch": "--batch", "lr": "--lr", "momentum": "--momentum", "widths": "--width",
    "step_time": "--step-time", "resume": "--resume", "force": "--force", "out": "--out",
    "kind": "--kind", "param": "--param", "by": "--by", "cluster": "--dask", "override": "--set",
    "input_shape": "--input-shape", "max_hours": "--max-hours", "workers": "-j",
}


def worded(exc: InputError) -> str:
    """An input error as the command line shows it: options as their flags."""
    return exc.render(FLAGS) if isinstance(exc, OptionError) else exc.render()
