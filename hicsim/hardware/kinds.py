"""Device technologies by kind: the built-in PCM kinds, plus whatever registers later."""

from __future__ import annotations

from typing import Any

from hicsim.hardware.pcm import PcmBinaryTechnology, PcmMultilevelTechnology
from hicsim.hardware.technology import TECHNOLOGIES, DeviceTechnology, register_device_kind

register_device_kind(PcmMultilevelTechnology)
register_device_kind(PcmBinaryTechnology)


def technology_of(name: str, spec: Any) -> DeviceTechnology:
    """The technology of the device ``name`` whose validated spec model is ``spec``."""
    return TECHNOLOGIES[spec.kind](name, spec)
