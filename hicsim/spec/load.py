"""Read YAML files into validated models; apply dotted-path overrides; turn every failure into an
``InputError`` that names the file and the key path.

This is the edge: past it, code receives typed, immutable models and never re-reads a file.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hicsim import units
from hicsim.spec.errors import InputError, single

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> dict:
    """The mapping at the top of a YAML file, or an InputError naming the file (and line)."""
    p = Path(path)
    src = str(path)
    try:
        text = p.read_text()
    except FileNotFoundError:
        raise single(src, "no such file") from None
    except IsADirectoryError:
        raise single(src, "is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise single(src, f"cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise single(src, f"malformed YAML: {where}{problem}") from None
    if not isinstance(data, dict):
        raise single(src, f"expected a mapping of keys at the top, got {type(data).__name__}")
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """``'tile.adc.bits=6'`` -> ``('tile.adc.bits', 6)``; the value is read as YAML."""
    if "=" not in text:
        raise single("--set", f"{text!r}: expected PATH=VALUE, e.g. tile.adc.bits=6")
    path, _, raw = text.partition("=")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return path.strip(), value


def apply_overrides(data: dict, overrides: Mapping[str, Any], source: str) -> dict:
    """A deep copy of ``data`` with each dotted path set. Lists are indexed by position or, for
    lists of named items (workload layers), by name: ``layers.conv1.kernel``."""
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        keys = [k for k in path.split(".") if k]
        if not keys:
            raise single(source, "empty override path", path)
        node: Any = out
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if isinstance(node, list):
                idx = _list_index(node, key)
                if idx is None:
                    raise single(source, f"no item {key!r} in this list", ".".join(keys[: i + 1]))
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
            elif isinstance(node, dict):
                if last:
                    node[key] = value
                else:
                    if not isinstance(node.get(key), (dict, list)):
                        node[key] = {}  # a section left out (or null): the override creates it
                    node = node[key]
            else:
                raise single(source, f"{'.'.join(keys[:i])} is a value, not a section", path)
    return out


def _list_index(node: list, key: str) -> int | None:
    if key.lstrip("-").isdigit():
        idx = int(key)
        return idx if -len(node) <= idx < len(node) else None
    for idx, item in enumerate(node):
        if isinstance(item, dict) and item.get("name") == key:
            return idx
    return None


def validate(cls: type[M], data: dict, source: str, context: dict | None = None) -> M:
    """``cls.model_validate`` with errors rewritten as file + key path + message."""
    try:
        return cls.model_validate(data, context=context or {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            path = _key_path(data, err["loc"])
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check its spelling)"
            elif err["type"] == "missing":
                msg = "required key is missing"
            elif err["type"] == "union_tag_invalid":
                msg = f"{msg}"
            problems.append((path, msg))
        raise InputError(source, _dedupe(problems)) from None


def _key_path(data: Any, loc: tuple) -> str:
    """Join a pydantic error location into ``a.b[2].c``, dropping the tags pydantic inserts for
    discriminated unions (they are not keys of the file)."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(node, list) and isinstance(key, int):
            name = node[key].get("name") if 0 <= key < len(node) and isinstance(node[key], dict) else None
            parts.append(f"[{key}]" + (f"({name})" if name else ""))
            node = node[key] if 0 <= key < len(node) else None
        elif isinstance(node, dict) and key in node:
            parts.append(f".{key}" if parts else str(key))
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, str) and _is_union_tag(node, key):
            continue
        else:
            parts.append(f".{key}" if parts else str(key))
            node = None
    return "".join(parts)


def _is_union_tag(node: dict, key: str) -> bool:
    return key in {node.get("kind"), node.get("op"), node.get("representation")} or "[" in key


def _dedupe(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def from_data(cls: type[M], data: dict, source: str, overrides: Mapping[str, Any] | None = None,
              context_of: Callable[[dict], dict] | None = None) -> M:
    """Override, validate: the edge for data already read (a file's, or a dumped model's)."""
    if overrides:
        data = apply_overrides(data, overrides, source)
    return validate(cls, data, source, context_of(data) if context_of else None)


def load(cls: type[M], path: str | Path, overrides: Mapping[str, Any] | None = None,
         context_of: Callable[[dict], dict] | None = None) -> M:
    """Read, override, validate: the whole edge for one file."""
    return from_data(cls, read_yaml(path), str(path), overrides, context_of)


def clock_context(data: dict) -> dict:
    """Validation context for an arch spec: its clock, so values in cycles can become seconds.
    A bad clock is left for validation to report at ``clock``."""
    try:
        return {"clock_hz": units.parse(data.get("clock"), units.FREQUENCY)}
    except units.UnitError:
        return {}


def override_model(model: M, overrides: Mapping[str, Any], source: str = "<overrides>",
                   context_of: Callable[[dict], dict] | None = None) -> M:
    """A new model with dotted-path overrides applied, validated like a file."""
    return from_data(type(model), model.model_dump(mode="json"), source, overrides, context_of)
