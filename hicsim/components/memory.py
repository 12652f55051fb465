"""SRAM buffers from a CACTI 7.0 table: energy per bit read and written, leakage and area as
functions of capacity, port width and technology node (replaces a square-root fit through
Horowitz's 8 KB and 32 KB cache energies, 13 % high at 1 MB).

The table (``data/cacti_sram.csv``) is CACTI 7.0 (HewlettPackard/cacti, commit 1ffd8df) run by
``tools/cacti_sram_table.py`` over 1 KiB .. 16 MiB (powers of two), ports of 64 .. 2048 bits
and 22, 32 and 45 nm (the shipped specs' nodes: 45 nm, 32 nm, and 14 nm below CACTI's smallest
node, 22 nm): a scratchpad ("ram") of one bank and one
read-write port on ITRS low-standby-power devices, every other setting CACTI's own cache.cfg
(the script's docstring lists them). CACTI finds no organisation for small arrays with wide
ports (up to 4 KiB at 512 bits and more); those rows are absent. Where CACTI's organisation
search gives a larger array a lower figure than the next smaller one of the same port and node
(a few rows, by under 1 %), the model keeps the smaller one's: a buffer never gets cheaper per
bit, in leakage or in area by growing.

Between grid points: linear in log(capacity) -> log(value) and in log(width) -> log(value per
bit), linear in the node. Beyond the grid: along the last capacity segment's slope; ports
narrower or wider than the grid cost per bit what the nearest grid width does; below 22 nm,
CACTI's 22 nm values scaled as Accelergy's CACTI plug-in does (hwcomponents-cacti): energy and
leakage by sqrt(node / 22 nm) (SRAM scaling has stalled since, IEDM 2022 as reported there),
leakage by a further 0.79 for FinFETs (Parvais et al., VLSI-TSA 2009), area by node / 22 nm;
above 45 nm, 45 nm values scaled by node (energy and leakage, C ~ feature size as in
``digital.node_scale``) and node^2 (area).

Leakage is CACTI's subthreshold plus gate leakage of the bank. CACTI fixes each device type's
supply, so the spec's ``technology.vdd`` does not enter this model.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

TABLE = Path(__file__).parent / "data" / "cacti_sram.csv"
BELOW_NODE_M, ABOVE_NODE_M = 22e-9, 45e-9


class Sram(NamedTuple):
    read_J_per_bit: float
    write_J_per_bit: float
    leakage_W: float
    area_m2: float


@lru_cache(maxsize=1)
def _table() -> dict[tuple[int, int], list[tuple[int, Sram]]]:
    """(node nm, width bits) -> [(capacity bytes, figures)] sorted by capacity."""
    curves: dict[tuple[int, int], list[tuple[int, Sram]]] = {}
    with open(TABLE) as f:
        for row in csv.DictReader(f):
            width = int(row["width_bits"])
            figures = Sram(float(row["read_nJ"]) * 1e-9 / width, float(row["write_nJ"]) * 1e-9 / width,
                           (float(row["leak_mW"]) + float(row["gate_leak_mW"])) * 1e-3,
                           float(row["height_mm"]) * float(row["width_mm"]) * 1e-6)
            curves.setdefault((int(row["node_nm"]), width), []).append((int(row["capacity_bytes"]), figures))
    return {key: _never_falling(sorted(points)) for key, points in curves.items()}


def _never_falling(points: list[tuple[int, Sram]]) -> list[tuple[int, Sram]]:
    """Each figure at least the one of the next smaller capacity (see the module docstring)."""
    out = [points[0]]
    for capacity, figures in points[1:]:
        out.append((capacity, Sram(*map(max, figures, out[-1][1]))))
    return out


def grid() -> tuple[list[int], list[int]]:
    """(nodes in nm, port widths in bits) of the table."""
    keys = _table().keys()
    return sorted({n for n, _ in keys}), sorted({w for _, w in keys})


def _between(x: float, xs: list[float]) -> tuple[int, int]:
    """Indices of the grid points bracketing ``x`` (the end segment beyond the grid)."""
    i = next((k for k, v in enumerate(xs) if v >= x), len(xs) - 1)
    return (i, i) if xs[i] == x else (max(i - 1, 0), max(i, 1))


def _log_lerp(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    if x == x0 or x0 == x1:
        return y0
    if x == x1:
        return y1
    t = (math.log(x) - math.log(x0)) / (math.log(x1) - math.log(x0))
    return math.exp((1 - t) * math.log(y0) + t * math.log(y1))


def _at_capacity(node: int, width: int, capacity: float) -> Sram:
    points = _table()[(node, width)]
    caps = [c for c, _ in points]
    i, j = _between(capacity, caps)
    return Sram(*(_log_lerp(capacity, caps[i], caps[j], a, b) for a, b in zip(points[i][1], points[j][1])))


def _at_width(node: int, width_bits: float, capacity: float) -> Sram:
    widths = grid()[1]
    width = min(max(width_bits, widths[0]), widths[-1])
    i, j = _between(width, widths)
    lo, hi = _at_capacity(node, widths[i], capacity), _at_capacity(node, widths[j], capacity)
    return Sram(*(_log_lerp(width, widths[i], widths[j], a, b) for a, b in zip(lo, hi)))


def sram(capacity_bytes: float, width_bits: float, node_m: float) -> Sram:
    """Energy per bit read and written, leakage and area of an SRAM of ``capacity_bytes`` with
    a ``width_bits`` port at ``node_m``."""
    nodes = grid()[0]
    nm = round(node_m * 1e9, 6)  # a parsed "45 nm" is 45.000000000000007e-9
    if nm < nodes[0]:
        s, r = _at_width(nodes[0], width_bits, capacity_bytes), node_m / BELOW_NODE_M
        return Sram(s.read_J_per_bit * r ** 0.5, s.write_J_per_bit * r ** 0.5,
                    s.leakage_W * r ** 0.5 * 0.79, s.area_m2 * r)
    if nm > nodes[-1]:
        s, r = _at_width(nodes[-1], width_bits, capacity_bytes), node_m / ABOVE_NODE_M
        return Sram(s.read_J_per_bit * r, s.write_J_per_bit * r, s.leakage_W * r, s.area_m2 * r * r)
    i, j = _between(nm, nodes)
    lo, hi = _at_width(nodes[i], width_bits, capacity_bytes), _at_width(nodes[j], width_bits, capacity_bytes)
    if i == j:
        return lo
    t = (nm - nodes[i]) / (nodes[j] - nodes[i])
    return Sram(*((1 - t) * a + t * b for a, b in zip(lo, hi)))
