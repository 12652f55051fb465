"""Spec overrides that switch off every device non-ideality: for ablations and for tests of the
update rules' bookkeeping, which must then be exact. Each device's technology says which of its
spec keys to set."""

from __future__ import annotations

from typing import Any

from hicsim.hardware.kinds import technology_of
from hicsim.spec.arch import Arch


def ideal_device_overrides(arch: Arch) -> dict[str, Any]:
    """Dotted-path overrides (for ``load_arch`` / ``override_arch``) making every device ideal:
    no programming, read or SET noise, no drift, no device-to-device spread, and a linear SET
    response whose step is exactly one level."""
    return {f"devices.{name}.{key}": value for name, dev in arch.devices.items()
            for key, value in technology_of(name, dev).ideal_overrides().items()}
