"""The device-technology interface, and the registry of technologies by spec ``kind``.

A technology answers everything the rest of hicsim asks of a device: what it stores (its cell:
an analog cell with levels or a binary one; its levels), how it is written (the time and the
pulses to write one device from scratch, the pulses a training update books), and the parameter
tuple the numba kernels model it with. Mapping, engine, kernels and training ask this interface
and never test a device's class.

Adding a technology: one module with its spec model (a pydantic model with a ``kind`` literal and
a ``cell`` class variable) and a ``DeviceTechnology`` subclass, registered with
``register_device_kind``; the spec's ``devices`` section then accepts the kind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel

from hicsim.hardware.ids import Action
from hicsim.spec.device_kinds import register_spec_model

CELLS = ("analog", "binary")  # the cell models the kernels simulate


class DeviceTechnology(ABC):
    kind: ClassVar[str]
    spec_model: ClassVar[type[BaseModel]]

    def __init__(self, name: str, spec: Any):
        self.name = name  # the spec's name for this device (its component id in counts)
        self.spec = spec

    @property
    def cell(self) -> str:
        """``analog`` (multi-level: holds a weight's analog part) or ``binary`` (one bit)."""
        return self.spec.cell

    @property
    def levels(self) -> int:
        return self.spec.levels

    @property
    def endurance(self) -> float:
        return self.spec.endurance

    @abstractmethod
    def conductance_range(self) -> tuple[float, float]:
        """(lowest, highest) conductance the device is programmed to, in siemens."""

    @abstractmethod
    def write_time(self) -> float:
        """Seconds to write one device from scratch."""

    @abstractmethod
    def pulse_times(self) -> dict[Action, float]:
        """Seconds of each action a training update applies to one device."""

    @abstractmethod
    def program_actions(self, n: int) -> dict[Action, int]:
        """Actions to write ``n`` devices from scratch (their values unknown: bits equally likely)."""

    @abstractmethod
    def update_actions(self, set_pulses: float, reset_pulses: float) -> dict[Action, float]:
        """Actions a training update books for the given SET and RESET pulses (e.g. verify reads)."""

    @abstractmethod
    def ideal_overrides(self) -> dict[str, Any]:
        """Spec keys (relative to this device's entry) and values that switch off every
        non-ideality: noise, drift, spreads; a nonlinear SET response becomes one level a step."""

    @abstractmethod
    def kernel_params(self):
        """The flat parameter tuple of the kernels' cell model (``devices.params``): a
        ``MultilevelParams`` for an analog cell (its SET span from ``set_span_fields``, which
        adds the reciprocal the pulse multiplies by), a ``BinaryParams`` for a binary one."""


TECHNOLOGIES: dict[str, type[DeviceTechnology]] = {}


def register_device_kind(technology: type[DeviceTechnology]) -> None:
    """Make ``technology.kind`` a device kind: its spec model validates ``devices`` entries and
    the hardware model builds this technology for them."""
    if technology.spec_model.cell not in CELLS:
        raise ValueError(f"{technology.kind}: cell must be one of {CELLS}")
    known = TECHNOLOGIES.get(technology.kind)
    if known is not None and known is not technology:
        raise ValueError(f"device kind {technology.kind!r} is already registered ({known.__name__})")
    register_spec_model(technology.kind, technology.spec_model)
    TECHNOLOGIES[technology.kind] = technology
