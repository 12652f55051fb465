"""A memo of what pint made of each unit string, on disk, so a process whose values were all
seen before does not import pint at all (pint's import is about a fifth of a small command's
start-up: its parsers and facets, and numpy and scipy, which it imports when installed).

Every value is still parsed with pint into SI: the memo only keeps the SI float that
``hicsim.units.parse`` returned for an exact string (stripped), dimension and clock, and only for
values that parsed (an error is always pint's, and never memoised). It lives beside pint's own
registry cache (``hicsim.unit_registry``), in a file named by the hash of

- pint's version (the name of its ``dist-info`` folder, read without importing pint),
- Python's version,
- hicsim's unit definitions (``definitions_text``: pint's defaults, the bit and the clock cycle),
- the source of ``hicsim/units.py`` (how a parsed quantity becomes SI),

so another pint, other definitions or another conversion start a new memo. Floats are stored by
``repr`` (JSON), which reads back to the same float. A memo that cannot be read or written is not
an error: values are then parsed with pint, as without it. The file is replaced whole (written
under a temporary name, then renamed), so a process never reads a half-written memo; two
processes that write at once lose one's new entries, which only costs a pint parse later.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from hicsim.unit_registry import definitions_text

Key = tuple[str, str, "float | None"]  # (stripped text, dimension name, clock in Hz or None)
# a spec has about a hundred values; a cap keeps generated inputs (tests, sweeps) from growing it
MAX_ENTRIES = 4096
_DIST_INFO = re.compile(r"pint-(.+)\.dist-info", re.IGNORECASE)


def memo_path(cache_root: Path) -> Path | None:
    """The memo's file under ``cache_root`` for the installed pint and hicsim's definitions, or
    None when pint's version cannot be told without importing it (then there is no memo)."""
    spec = importlib.util.find_spec("pint")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(list(spec.submodule_search_locations)[0])
    versions = [m.group(1) for name in os.listdir(package.parent)
                if (m := _DIST_INFO.fullmatch(name))]
    if len(versions) != 1:
        return None
    conversion = (Path(__file__).with_name("units.py")).read_bytes()
    digest = hashlib.sha256(f"{versions[0]}\n{sys.version}\n{definitions_text(package)}\n".encode()
                            + conversion).hexdigest()[:24]
    return Path(cache_root) / f"parsed-{digest}.json"


class UnitMemo:
    """SI values by (text, dimension, clock), loaded from ``path`` (None: an empty memo that is
    never saved); ``save`` writes it back when something was added."""

    def __init__(self, path: Path | None):
        self.path = path
        self.values: dict[Key, float] = {}
        self.added = False
        if path is not None:
            try:
                for text, dim, clock, value in json.loads(path.read_text(encoding="utf-8")):
                    self.values[(text, dim, clock)] = float(value)
            except (OSError, ValueError, TypeError):  # no memo yet, or an unreadable one
                self.values.clear()

    def get(self, key: Key) -> float | None:
        return self.values.get(key)

    def add(self, key: Key, value: float) -> None:
        if self.values.get(key) != value and len(self.values) < MAX_ENTRIES:
            self.values[key] = value
            self.added = True

    def save(self) -> None:
        if self.path is None or not self.added:
            return
        rows = [[text, dim, clock, value] for (text, dim, clock), value in self.values.items()]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(prefix=".parsed-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(rows, out)
            os.replace(partial, self.path)
            self.added = False
        except OSError:
            pass
