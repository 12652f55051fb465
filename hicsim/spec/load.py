"""Read YAML files into validated models; apply dotted-path overrides; turn every failure into an
``InputError`` that names the file and the key path.

This is the edge: past it, code receives typed, immutable models and never re-reads a file.
"""

from __future__ import annotations

import copy
import os
import stat
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hicsim import units
from hicsim.spec.errors import InputError, OptionError, single

M = TypeVar("M", bound=BaseModel)


# Spec, workload and sweep files are small (the largest shipped trace is about 60 KB); a bound
# read before parsing keeps a wrong path (a disk image, a log) from costing minutes and gigabytes.
MAX_YAML_BYTES = 16 * 2**20
# Nodes after expanding YAML aliases: a few anchors can otherwise describe billions of nodes.
MAX_YAML_NODES = 1_000_000


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first given on line {first.line + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


def read_text(path: str | Path, what: str = "a YAML file", limit: int = MAX_YAML_BYTES) -> str:
    """The text of a regular file no larger than ``limit``, or an InputError naming it. FIFOs and
    devices are refused before they are opened (reading one can block or never end)."""
    src = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise single(src, "no such file") from None
    except OSError as exc:
        raise single(src, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise single(src, f"is a directory, expected {what}")
    if not stat.S_ISREG(st.st_mode):
        raise single(src, f"is not a regular file (a FIFO, socket or device), expected {what}")
    if st.st_size > limit:
        raise single(src, f"is {st.st_size:,} bytes, more than the {limit:,} accepted for {what}")
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise single(src, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:  # it grew after the stat
        raise single(src, f"is more than the {limit:,} bytes accepted for {what}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise single(src, f"is not UTF-8 text (byte {exc.start}): expected {what}") from None


def read_yaml(path: str | Path) -> dict:
    """The mapping at the top of a YAML file, or an InputError naming the file (and line)."""
    src = str(path)
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise single(src, f"malformed YAML: {where}{problem}") from None
    except RecursionError:
        raise single(src, "malformed YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise single(src, f"expected a mapping of keys at the top, got {type(data).__name__}")
    if _expanded_nodes(data, {}, set()) > MAX_YAML_NODES:
        raise single(src, f"expands to more than {MAX_YAML_NODES:,} values (YAML aliases "
                          "repeating large sections?)")
    return data


def _expanded_nodes(node: Any, memo: dict, path: set) -> int:
    """Values in ``node`` with every alias expanded; shared sub-trees are counted once each time
    they are referenced (that is what validation and copies will walk). A self-reference counts
    as unbounded."""
    if not isinstance(node, (dict, list)):
        return 1
    key = id(node)
    if key in path:
        return MAX_YAML_NODES + 1
    if key not in memo:
        path.add(key)
        items = list(node.items()) if isinstance(node, dict) else [(None, v) for v in node]
        total = 1
        for _, v in items:
            total += _expanded_nodes(v, memo, path)
            if total > MAX_YAML_NODES:
                break
        path.discard(key)
        memo[key] = total
    return memo[key]


def parse_override(text: str) -> tuple[str, Any]:
    """``'tile.adc.bits=6'`` -> ``('tile.adc.bits', 6)``; the value is read as YAML."""
    if "=" not in text:
        raise OptionError("override", f"{text!r}: expected PATH=VALUE, e.g. tile.adc.bits=6")
    path, _, raw = text.partition("=")
    try:
        value = yaml.load(raw, Loader=_StrictLoader)
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
                    node[idx] = copy.deepcopy(value)  # later overrides must not edit the caller's
                else:
                    node = node[idx]
            elif isinstance(node, dict):
                if last:
                    node[key] = copy.deepcopy(value)
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
        clock = units.parse(data.get("clock"), units.FREQUENCY)
    except units.UnitError:
        return {}
    return {"clock_hz": clock} if 0 < clock < float("inf") else {}


def override_model(model: M, overrides: Mapping[str, Any], source: str = "<overrides>",
                   context_of: Callable[[dict], dict] | None = None) -> M:
    """A new model with dotted-path overrides applied, validated like a file."""
    return from_data(type(model), model.model_dump(mode="json"), source, overrides, context_of)
