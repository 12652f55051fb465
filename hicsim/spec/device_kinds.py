"""Device spec models registered by ``kind``: the ``devices`` section of an arch spec accepts
every registered kind, so a new device technology adds its spec model without editing the Arch.

The two PCM kinds are registered here; a new kind registers through
``hicsim.hardware.technology.register_device_kind`` (spec model and technology together).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from hicsim.spec.devices import PcmBinary, PcmMultilevel

SPEC_MODELS: dict[str, type[BaseModel]] = {"pcm_multilevel": PcmMultilevel, "pcm_binary": PcmBinary}


def register_spec_model(kind: str, model: type[BaseModel]) -> None:
    known = SPEC_MODELS.get(kind)
    if known is not None and known is not model:
        raise ValueError(f"device kind {kind!r} is already registered ({known.__name__})")
    SPEC_MODELS[kind] = model


def _validate(value: Any, info: core_schema.ValidationInfo) -> BaseModel:
    if isinstance(value, tuple(SPEC_MODELS.values())):
        return value
    kind = value.get("kind") if isinstance(value, dict) else None
    model = SPEC_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise ValueError(f"kind: {kind!r} is not a device kind (known: {', '.join(sorted(SPEC_MODELS))})")
    # Errors inside keep their key paths (pydantic nests a ValidationError raised here).
    return model.model_validate(value, context=info.context)


class DeviceSpec:
    """Annotation for one entry of ``devices``: the registered spec model its ``kind`` names."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.with_info_plain_validator_function(
            _validate, serialization=core_schema.plain_serializer_function_ser_schema(
                lambda m: m.model_dump(mode="json") if isinstance(m, BaseModel) else m))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema, handler: GetJsonSchemaHandler) -> dict:
        return {"oneOf": [handler(m.__pydantic_core_schema__) for _, m in sorted(SPEC_MODELS.items())]}
