"""The results file: JSON lines, one row per finished point, appended as each point finishes.

Each line is written whole, flushed and fsync'ed, so a sweep killed at any moment loses at most
the line being written. On resume, that torn last line (no newline, or not valid JSON) is cut
off before new rows are appended, so it can never glue itself to the next row.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from hicsim.spec.errors import single


class ResultsWriter:
    """Appends rows to a results file; use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")

    def append(self, row: dict[str, Any]) -> None:
        self._file.write(json.dumps(row, default=_plain) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "ResultsWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _plain(value: Any) -> Any:
    """numpy scalars (and anything else with ``.item()``) as plain Python values."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to a results file")


def read_rows(path: str | Path, repair: bool = False) -> list[dict[str, Any]]:
    """The complete rows of a results file, in file order. A torn last line is skipped (and, with
    ``repair``, cut off the file); a bad line anywhere else is an error, not something to skip."""
    p = Path(path)
    if not p.exists():
        return []
    data = p.read_bytes()
    lines = data.splitlines(keepends=True)
    rows, good_end = [], 0
    for i, line in enumerate(lines):
        row = _parse(line) if line.endswith(b"\n") else None
        if row is None and line.strip():
            if i < len(lines) - 1:
                raise single(str(p), f"line {i + 1} is not a JSON row: the file is damaged "
                                     "(only the last line may be torn by a kill)")
            break  # the torn last line
        if row is not None:
            rows.append(row)
        good_end += len(line)
    if repair and good_end < len(data):
        with open(p, "r+b") as f:
            f.truncate(good_end)
            f.flush()
            os.fsync(f.fileno())
    return rows


def _parse(line: bytes) -> dict | None:
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return row if isinstance(row, dict) and "point_id" in row else None


def rows_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a table sorted by point index. Columns follow the first point's keys (then keys
    only later points have), so neither rows nor columns depend on the order points finished."""
    return pd.DataFrame(sorted(rows, key=lambda row: row["point"]))


def read_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results file as a tidy table: one row per point, sorted by point index."""
    return rows_frame(read_rows(path))
