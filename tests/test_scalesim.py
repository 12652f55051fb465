"""SCALE-Sim topology import: columns by header, padding folded into IFMAP, clear errors."""

import pytest

from hicsim.spec.errors import InputError
from hicsim.workload.scalesim import from_scalesim

CONV_CSV = """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
Conv1, 230, 230, 7, 7, 3, 64, 2,

\tConv2,58,58,3,3,64,64,1,#a comment cell
Conv2,58,58,3,3,64,32,1
DP_conv3, 30, 30, 3, 3, 32, 1, 2,
FC, 1, 1, 1, 1, 32, 1000, 1,
"""


def _write(tmp_path, text, name="topo.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_conv_topology(tmp_path):
    w = from_scalesim(_write(tmp_path, CONV_CSV), batch=4, weight_bits=4)
    assert (w.name, w.batch, w.weight_bits) == ("topo", 4, 4)
    assert w.source == "SCALE-Sim convolution topology topo.csv"
    names = [l.name for l in w.layers]
    assert names == ["Conv1", "Conv2", "Conv2_2", "DP_conv3", "FC"]  # repeated name made unique
    conv1 = w.layers[0]
    assert (conv1.in_channels, conv1.out_channels, conv1.kernel, conv1.stride, conv1.padding) == \
        (3, 64, 7, 2, 0)
    assert conv1.output_hw == (112, 112)  # (230 - 7) // 2 + 1: padding is inside the IFMAP
    assert conv1.macs_per_sample == 112 * 112 * 7 * 7 * 3 * 64
    dw = w.layers[3]  # SCALE-Sim splits 'DP' rows into Channels single-channel layers
    assert (dw.groups, dw.in_channels, dw.out_channels, dw.output_hw) == (32, 32, 32, (14, 14))
    assert w.layers[4].macs_per_sample == 32 * 1000


def test_separate_stride_columns_and_rectangles(tmp_path):
    text = ("layer name,ifmap height,ifmap width,filter height,filter width,channels,"
            "num filter,stride height,stride width\nc,10,20,3,5,2,4,1,3\n")
    layer = from_scalesim(_write(tmp_path, text), name="rect").layers[0]
    assert (layer.kernel, layer.stride, layer.output_hw) == ((3, 5), (1, 3), (8, 6))


def test_gemm_topology(tmp_path):
    w = from_scalesim(_write(tmp_path, "Layer Name, M, N, K,\nTest 1, 256, 128, 64,\n"))
    mm = w.layers[0]
    assert (mm.op, mm.m, mm.n, mm.k, mm.rhs) == ("matmul", 256, 128, 64, "weight")
    assert mm.weights == 64 * 128 and mm.macs_per_sample == 256 * 64 * 128


def test_dense_sparsity_column_is_accepted(tmp_path):
    w = from_scalesim(_write(tmp_path, "Layer Name, M, N, K, Sparsity,\nG, 3, 5, 16, 4:4,\n"))
    assert w.layers[0].n == 5


@pytest.mark.parametrize("text, where, message", [
    ("", "", "empty file"),
    ("\n  \n", "", "empty file"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides,\n", "", "no layer rows"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Strides,\n"
     "c,8,8,3,3,1,1,\n", "line 1", "missing column(s): num filter"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,\n"
     "c,8,8,3,3,1,1,\n", "line 1", "missing column(s): strides"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides, MACCycle,\nc,8,8,3,3,1,1,1,2,\n", "line 1, column 'MACCycle'", "unknown column"),
    ("Layer, M, N, K, Channels,\ng,1,2,3,4,\n", "line 1, column 'Channels'", "not used by GEMM"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides,\nc,8,8,3,x3,1,1,1,\n", "line 2, column 'filter width'", "got 'x3'"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides,\nc,8,8,3,3,0,1,1,\n", "line 2, column 'channels'", "positive whole number"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides,\n\nc,8,8,3,3,1,1\n", "line 3, column 'strides'", "missing value"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides,\nc,2,2,3,3,1,1,1,\n", "line 2", "does not fit"),
    ("Layer, M, N, K,\ng,1,2,3,oops\n", "line 2, column 5", "column with no header"),
    ("Layer, M, N, K, Sparsity,\ng,1,2,3,2:4,\n", "line 2, column 'sparsity'", "not supported"),
])
def test_malformed_files_are_input_errors(tmp_path, text, where, message):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        from_scalesim(path)
    (got_where, got_message), = info.value.problems
    assert info.value.source == str(path)
    assert got_where == where and message in got_message


def test_missing_file_and_bad_options(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        from_scalesim(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="batch"):
        from_scalesim(_write(tmp_path, CONV_CSV), batch=0)


@pytest.mark.parametrize("text, where", [
    ("Layer, M, N, K\nQKT, 1024, 1024, 64\nLinear1, 1024, 4800, 1600\n", "line 3, column 'K'"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
     "Strides\nc1, 34, 34, 3, 3, 3, 16, 1\nc2, 34, 34, 3, 3, 17, 16, 1\n", "line 3, column 'Channels'"),
])
def test_rows_that_break_the_chain_are_refused(tmp_path, text, where):
    with pytest.raises(InputError) as err:
        from_scalesim(_write(tmp_path, text))
    assert err.value.problems[0][0] == where
    assert "producers give" in err.value.problems[0][1]


def test_padding_inside_ifmap_chains_by_channels(tmp_path):
    """c1 outputs 32x32; c2's IFMAP of 34x34 includes its padding: accepted."""
    text = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
            "Num Filter, Strides\nc1, 34, 34, 3, 3, 3, 16, 1\nc2, 34, 34, 3, 3, 16, 16, 1\n")
    w = from_scalesim(_write(tmp_path, text))
    assert (w.chaining, [l.in_channels for l in w.layers]) == ("channels", [3, 16])
