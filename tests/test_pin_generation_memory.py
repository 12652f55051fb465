"""The generation memory table, every column of every row, against hand-computed values."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from hicsim.generation import LayerPlan, WeightShape, layer_memory
from hicsim.generation.memory import TENSOR_NAMES, plans_table
from hicsim.generation.plan import TensorSpec

# "c": K=8, C=4, 3x3 (288 weights), Bi=2, Bo=4, with BN scale+shift and a bias at 32 b:
#   B 4x2x9 at 8 b = 72 elems, 72 B; U 4x4x2 at 4 b = 32 elems, 16 B; V 8x4 at 4 b = 32, 16 B;
#   BN 2x8 = 16 elems, 64 B; bias 8 elems, 32 B.  24 extra params, 96 extra bytes.
#   stored params 136 + 24 = 160, stored bytes 200; FP32 ceil(312 * 32 / 8) = 1248 B;
#   crossbar at 6 b: ceil(288 * 6 / 8) = 216 + 96 = 312 B.
#   generation MACs: level 1 Bo.C.Bi.RS = 4*4*2*9 = 288, level 2 K.Bo.CRS = 8*4*36 = 1152.
# "x": K=6, C=4, 1x1 (24 weights), level 2 only with Bo=2: W1 2x4x1 at 8 b = 8 elems, 8 B;
#   V 6x2 at 4 b = 12 elems, 6 B.  Stored params 20, bytes 14; FP32 96 B; crossbar
#   ceil(24 * 6 / 8) = 18 B; MACs 6*2*4 = 48.
C = LayerPlan("c", WeightShape(8, 4, 3, 3), bi=2, bo=4, reasons=("first", "second"),
              extras=(TensorSpec("BN", (2, 8), 32), TensorSpec("bias", (8,), 32)))
X = LayerPlan("x", WeightShape(6, 4, 1, 1, groups=2), bi=None, bo=2)

COLUMNS = ["layer", "shape", "groups", "levels", "bi", "bo", "reason", "weights", "extra_params",
           "stored_params", "bytes_B", "bytes_U", "bytes_W1", "bytes_V", "bytes_W", "bytes_BN",
           "bytes_bias", "stored_bytes", "fp32_bytes", "crossbar_bytes", "param_ratio",
           "fp32_ratio", "crossbar_ratio", "param_fraction", "fp32_fraction", "crossbar_fraction",
           "generation_macs"]


@pytest.fixture(scope="module")
def table():
    return plans_table({"c": C, "x": X}, crossbar_bits_per_weight=6)


def test_columns_in_order(table):
    assert list(table.columns) == COLUMNS
    assert TENSOR_NAMES == ("B", "U", "W1", "V", "W", "BN", "bias")


def test_layer_rows_every_column(table):
    c, x = table.iloc[0].to_dict(), table.iloc[1].to_dict()
    assert {k: c[k] for k in COLUMNS[:20]} == {
        "layer": "c", "shape": "8x4x3x3", "groups": 1, "levels": "intra+cross", "bi": 2, "bo": 4,
        "reason": "first; second", "weights": 288, "extra_params": 24, "stored_params": 160,
        "bytes_B": 72, "bytes_U": 16, "bytes_W1": 0, "bytes_V": 16, "bytes_W": 0, "bytes_BN": 64,
        "bytes_bias": 32, "stored_bytes": 200, "fp32_bytes": 1248, "crossbar_bytes": 312}
    assert c["generation_macs"] == 1440
    assert [c[k] for k in COLUMNS[20:26]] == pytest.approx(
        [312 / 160, 1248 / 200, 312 / 200, 160 / 312, 200 / 1248, 200 / 312], rel=1e-12)
    assert x["layer"] == "x" and x["shape"] == "6x4x1x1" and x["groups"] == 2
    assert x["levels"] == "cross" and pd.isna(x["bi"]) and x["bo"] == 2 and x["reason"] == ""
    assert [x[k] for k in COLUMNS[7:20]] == [24, 0, 20, 0, 0, 8, 6, 0, 0, 0, 14, 96, 18]
    assert x["generation_macs"] == 48
    assert [x[k] for k in COLUMNS[20:26]] == pytest.approx(
        [24 / 20, 96 / 14, 18 / 14, 20 / 24, 14 / 96, 14 / 18], rel=1e-12)


def test_total_row_sums_layers_and_leaves_the_plan_columns_blank(table):
    t = table.iloc[2].to_dict()
    assert t["layer"] == "total"
    for blank in ("shape", "groups", "levels", "bi", "bo", "reason"):
        assert pd.isna(t[blank]), blank
    assert [t[k] for k in COLUMNS[7:20]] == [312, 24, 180, 72, 16, 8, 22, 0, 64, 32, 214, 1344, 330]
    assert t["generation_macs"] == 1488
    assert [t[k] for k in COLUMNS[20:26]] == pytest.approx(
        [336 / 180, 1344 / 214, 330 / 214, 180 / 336, 214 / 1344, 214 / 330], rel=1e-12)
    # integer plan columns stay integers with blanks, not floats with NaN
    assert [str(table[k].dtype) for k in ("groups", "bi", "bo")] == ["Int64"] * 3


def test_crossbar_bits_must_be_positive_and_may_be_fractional():
    with pytest.raises(ValueError) as exc:
        layer_memory(C, 0)
    assert str(exc.value) == "crossbar_bits_per_weight must be positive, got 0"
    assert layer_memory(C, 0.5).crossbar_bytes == 18 + 96  # ceil(288 * 0.5 / 8) + extras


def test_layer_memory_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer_memory(C, 6).weights = 1
