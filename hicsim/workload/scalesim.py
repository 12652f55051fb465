"""Import SCALE-Sim topology CSVs as workloads.

Columns are found by header name (case, spacing and trailing commas do not matter):

- convolution topologies: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
  Channels, Num Filter`` and either ``Strides`` or ``Stride height`` + ``Stride width``;
- GEMM topologies: ``Layer name, M, N, K`` (SCALE-Sim's M x K input times K x N weights), imported
  as weight-stationary ``matmul`` layers;
- an optional ``Sparsity`` column (``N:M``) is accepted only when every layer is dense (N == M):
  hicsim maps dense weights only.

Conversion of convolutions. SCALE-Sim has no padding field: its IFMAP sizes already include any
padding. So each row becomes a ``conv2d`` with ``padding: 0`` and ``input_hw`` = the IFMAP size.
Output sizes follow PyTorch, ``(IFMAP - filter) // stride + 1``; SCALE-Sim itself computes
``ceil((IFMAP - filter + stride) / stride)``, one more row or column when the stride does not
divide ``IFMAP - filter`` (it counts a partial last window), so MAC counts differ for those rows.
SCALE-Sim expands a row whose name contains ``DP`` into ``Channels`` single-channel layers of
``Num Filter`` filters each; that is one depthwise conv with ``groups = Channels`` and
``Channels x Num Filter`` outputs here.

SCALE-Sim topologies are layer lists, not graphs: pooling, residual adds and concatenations are
absent and layers simply follow one another, each reading the one before. Feature-map sizes need
not chain (IFMAP sizes include padding, pooling is left out), but channels do: a row's Channels
must be the previous row's output channels, and a GEMM row's M x K input must hold the previous
row's M x N output. A row that breaks the chain is refused, naming its line and column, since
simulating it would move the wrong amount of data (a topology of independent layers, such as a
ResNet's shortcut rows or unrelated GEMMs, goes in separate files). The workload says
``chaining: channels``. Repeated layer names, which SCALE-Sim allows, get ``_2``, ``_3``, ...
appended.

Errors name the file, the line (as numbered in the file) and the column.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from hicsim.spec.errors import InputError, single
from hicsim.spec.load import validate
from hicsim.workload.layers import Conv2d, Matmul
from hicsim.workload.model import NETWORK_INPUT, Workload
from hicsim.workload.shapes import mismatches

# Our field -> header spellings seen across SCALE-Sim versions (normalised: lower case, single
# spaces). Any other non-empty header is refused, so a column we would ignore cannot go unnoticed.
COLUMNS = {
    "name": ("layer name", "layer"),
    "ifmap_h": ("ifmap height",),
    "ifmap_w": ("ifmap width",),
    "filter_h": ("filter height",),
    "filter_w": ("filter width",),
    "channels": ("channels",),
    "filters": ("num filter", "num filters"),
    "stride": ("strides", "stride"),
    "stride_h": ("stride height", "strides height", "stride h", "strides h"),
    "stride_w": ("stride width", "strides width", "stride w", "strides w"),
    "m": ("m",),
    "n": ("n",),
    "k": ("k",),
    "sparsity": ("sparsity",),
}
HEADER_OF = {spelling: field for field, spellings in COLUMNS.items() for spelling in spellings}
CONV_FIELDS = ("name", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "filters")
GEMM_FIELDS = ("name", "m", "n", "k")


def from_scalesim(path: str | Path, name: Optional[str] = None, **options: Any) -> Workload:
    """The workload of a SCALE-Sim topology file. ``name`` defaults to the file's stem;
    ``options`` are Workload fields (batch, input_bits, weight_bits, phase)."""
    source = str(path)
    rows = _rows(path)
    if not rows:
        raise single(source, "empty file: expected a SCALE-Sim header row and layer rows")
    columns, gemm = _columns(source, *rows[0])
    if len(rows) == 1:
        raise single(source, "no layer rows after the header")
    to_layer = _gemm_layer if gemm else _conv_layer
    layers, taken, lines = [], {NETWORK_INPUT}, []
    for line, cells in rows[1:]:
        row = _Row(source, line, cells, columns)
        layer_name = _unique(row.text("name"), taken)
        layers.append(to_layer(row, layer_name))
        lines.append(line)
    kind = "GEMM" if gemm else "convolution"
    data = {"version": 1, "name": name or Path(path).stem, **options,
            "source": f"SCALE-Sim {kind} topology {Path(path).name}", "chaining": "channels",
            "layers": layers}
    chain = validate(Workload, data, source, {"check_shapes": False})
    broken = [(f"line {lines[i]}, column {COLUMN_OF_KEY.get(key, key)!r}", message)
              for i, key, message in mismatches(chain)]
    if broken:
        raise InputError(source, broken)
    return validate(Workload, data, source)


# Layer keys a broken chain is reported at -> the SCALE-Sim column holding them.
COLUMN_OF_KEY = {"in_channels": "Channels", "k": "K"}


def _rows(path: str | Path) -> list[tuple[int, list[str]]]:
    """(line number, stripped cells) of every non-blank, non-comment line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise single(str(path), f"cannot read: {exc}") from None
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            cells = next(csv.reader([line]))
            out.append((number, [c.strip() for c in cells]))
    return out


def _columns(source: str, line: int, header: list[str]) -> tuple[dict[str, int], bool]:
    """Our field -> column index, and whether it is a GEMM topology, from the header row;
    refuses unknown, repeated, missing and (for the topology's kind) unused columns."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        if not cell:
            continue  # the empty column a trailing comma makes
        field = HEADER_OF.get(re.sub(r"\s+", " ", cell.lower()))
        where = f"line {line}, column {cell!r}"
        if field is None:
            raise single(source, "unknown column; SCALE-Sim columns are Layer name, IFMAP Height, "
                                 "IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                                 "Strides (or Stride height, Stride width), or Layer name, M, N, K",
                         where)
        if field in columns:
            raise single(source, f"column given twice (as {header[columns[field]]!r} too)", where)
        columns[field] = index
    gemm = all(f in columns for f in GEMM_FIELDS[1:])
    required = GEMM_FIELDS if gemm else CONV_FIELDS
    missing = [COLUMNS[f][0] for f in required if f not in columns]
    if not gemm and "stride" not in columns and not {"stride_h", "stride_w"} <= columns.keys():
        missing.append("strides")
    if missing:
        raise single(source, f"missing column(s): {', '.join(missing)}", f"line {line}")
    usable = set(required) | {"sparsity"} | (set() if gemm else {"stride", "stride_h", "stride_w"})
    for field in columns.keys() - usable:
        raise single(source, f"column not used by {'GEMM' if gemm else 'convolution'} topologies",
                     f"line {line}, column {header[columns[field]]!r}")
    return columns, gemm


class _Row:
    """One layer row: cells read by field name, errors naming line and column."""

    def __init__(self, source: str, line: int, cells: list[str], columns: dict[str, int]):
        self.source, self.line, self.cells, self.columns = source, line, cells, columns
        self.header = {index: field for field, index in columns.items()}
        for index, cell in enumerate(cells):
            if index not in self.header and cell and not cell.startswith("#"):
                raise self.error(f"value {cell!r} in a column with no header",
                                 f"column {index + 1}")

    def error(self, message: str, column: str = "") -> InputError:
        return single(self.source, message, f"line {self.line}" + (f", {column}" if column else ""))

    def text(self, field: str) -> str:
        index = self.columns[field]
        if index >= len(self.cells) or not self.cells[index]:
            raise self.error("missing value", f"column {COLUMNS[field][0]!r}")
        return self.cells[index]

    def count(self, field: str) -> int:
        cell = self.text(field)
        if not cell.isdigit() or int(cell) == 0:
            raise self.error(f"expected a positive whole number, got {cell!r}",
                             f"column {COLUMNS[field][0]!r}")
        return int(cell)

    def strides(self) -> tuple[int, int]:
        if "stride" in self.columns:
            return self.count("stride"), self.count("stride")
        return self.count("stride_h"), self.count("stride_w")

    def check_dense(self) -> None:
        if "sparsity" not in self.columns or self.columns["sparsity"] >= len(self.cells):
            return
        cell = self.cells[self.columns["sparsity"]]
        kept, _, group = cell.partition(":")
        if cell and not (kept.strip().isdigit() and kept.strip() == group.strip()):
            raise self.error(f"sparsity {cell!r} is not supported: hicsim maps dense weights only "
                             f"(use N:N or leave the cell empty)", "column 'sparsity'")


def _conv_layer(row: _Row, name: str) -> Conv2d:
    row.check_dense()
    channels, filters = row.count("channels"), row.count("filters")
    groups = channels if "DP" in name else 1
    fields = dict(name=name, op="conv2d", in_channels=channels, out_channels=filters * groups,
                  groups=groups, kernel=_pair(row.count("filter_h"), row.count("filter_w")),
                  stride=_pair(*row.strides()), padding=0,
                  input_hw=(row.count("ifmap_h"), row.count("ifmap_w")))
    return _layer(Conv2d, row, fields)


def _gemm_layer(row: _Row, name: str) -> Matmul:
    row.check_dense()
    fields = dict(name=name, op="matmul", m=row.count("m"), k=row.count("k"), n=row.count("n"),
                  rhs="weight")
    return _layer(Matmul, row, fields)


def _layer(cls, row: _Row, fields: dict):
    try:
        return cls(**fields)
    except ValidationError as exc:  # e.g. a filter larger than the IFMAP
        message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise row.error(message) from None


def _pair(a: int, b: int):
    return a if a == b else (a, b)


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``, ... if already used (SCALE-Sim allows repeats)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate
