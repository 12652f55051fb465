"""SRAM buffers from the shipped CACTI 7.0 table: the table's values come back exactly at its
grid points, larger buffers never cost less per access, in leakage or in area, and the rules
beyond the grid are the stated ones."""

import csv

import pytest

from hicsim.components.memory import TABLE, grid, sram

ROWS = list(csv.DictReader(open(TABLE)))
# (node, width, capacity, figure, relative dip) where the smaller array's figure is kept
KEPT = [(32, 1024, 8192, 0, -0.0054), (45, 1024, 8192, 0, -0.0087)]  # read energy per bit


def test_the_table_covers_its_grid_with_cactis_figures():
    nodes, widths = grid()
    assert nodes == [22, 32, 45] and widths == [64, 128, 256, 512, 1024, 2048]
    assert {int(r["capacity_bytes"]) for r in ROWS} == {2 ** k for k in range(10, 25)}
    # CACTI finds no organisation only for a few small arrays with wide ports
    assert all(int(r["capacity_bytes"]) * 8 // int(r["width_bits"]) >= 8 for r in ROWS)


def _raw(row) -> tuple[float, float, float, float]:
    width = int(row["width_bits"])
    return (float(row["read_nJ"]) * 1e-9 / width, float(row["write_nJ"]) * 1e-9 / width,
            (float(row["leak_mW"]) + float(row["gate_leak_mW"])) * 1e-3,
            float(row["height_mm"]) * float(row["width_mm"]) * 1e-6)


def test_grid_points_come_back_exactly():
    # every figure of every row, except where CACTI's organisation search gives a larger array
    # a lower figure than the next smaller one: there the smaller one's figure is kept
    kept = []
    for row in sorted(ROWS, key=lambda r: (int(r["node_nm"]), int(r["width_bits"]), int(r["capacity_bytes"]))):
        capacity, width, node = int(row["capacity_bytes"]), int(row["width_bits"]), int(row["node_nm"])
        got = sram(capacity, width, node * 1e-9)
        smaller = [r for r in ROWS if (r["node_nm"], r["width_bits"]) == (row["node_nm"], row["width_bits"])
                   and int(r["capacity_bytes"]) == capacity // 2]
        below = sram(capacity // 2, width, node * 1e-9) if smaller else None
        for field, raw in enumerate(_raw(row)):
            if below is not None and raw < below[field]:
                assert got[field] == below[field]
                kept.append((node, width, capacity, field, round(raw / below[field] - 1, 4)))
            else:
                assert got[field] == raw
    assert kept == KEPT


@pytest.mark.parametrize("node_nm", [14, 22, 28, 32, 45, 65])
@pytest.mark.parametrize("width", [32, 64, 96, 256, 512, 2048, 4096])
def test_a_larger_buffer_never_costs_less(node_nm, width):
    sizes = [2 ** k for k in range(9, 27)] + [3 * 2 ** k for k in range(9, 24)]
    figures = [sram(c, width, node_nm * 1e-9) for c in sorted(sizes)]
    for field in range(4):
        values = [f[field] for f in figures]
        assert all(b >= a for a, b in zip(values, values[1:])), (field, values)
        assert values[-1] > values[0]


def test_between_and_beyond_the_grid():
    # between nodes: linear in the node
    lo, hi = sram(65536, 512, 22e-9), sram(65536, 512, 32e-9)
    mid = sram(65536, 512, 27e-9)
    assert mid.leakage_W == pytest.approx((lo.leakage_W + hi.leakage_W) / 2, rel=1e-12)
    # between capacities: geometric (log-log linear)
    a, b = sram(65536, 512, 45e-9), sram(131072, 512, 45e-9)
    assert sram(92681.9, 512, 45e-9).area_m2 == pytest.approx((a.area_m2 * b.area_m2) ** 0.5, rel=1e-4)
    # below 22 nm: 22 nm x sqrt(node / 22) for energy, x 0.79 more for leakage, x node / 22 for area
    s22, s14 = sram(65536, 512, 22e-9), sram(65536, 512, 14e-9)
    r = 14 / 22
    assert s14.read_J_per_bit == pytest.approx(s22.read_J_per_bit * r ** 0.5, rel=1e-12)
    assert s14.leakage_W == pytest.approx(s22.leakage_W * r ** 0.5 * 0.79, rel=1e-12)
    assert s14.area_m2 == pytest.approx(s22.area_m2 * r, rel=1e-12)
    # above 45 nm: 45 nm x node for energy and leakage, x node^2 for area
    s45, s90 = sram(65536, 512, 45e-9), sram(65536, 512, 90e-9)
    assert (s90.write_J_per_bit, s90.leakage_W, s90.area_m2) == pytest.approx(
        (2 * s45.write_J_per_bit, 2 * s45.leakage_W, 4 * s45.area_m2), rel=1e-12)
    # ports beyond the grid cost per bit what the widest (narrowest) grid port does
    assert sram(65536, 8192, 45e-9) == sram(65536, 2048, 45e-9)
    assert sram(65536, 8, 45e-9) == sram(65536, 64, 45e-9)
