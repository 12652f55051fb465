"""Memory accounting by hand: stored bytes against FP32 and crossbar precision, and the table."""

import pytest

from hicsim.generation import LayerPlan, WeightShape, layer_memory, memory_table, network_memory
from hicsim.spec.generation import GenerationUnit
from hicsim.workload.layers import Conv2d, Linear
from hicsim.workload.model import Workload

SPEC = GenerationUnit.model_validate({
    "macs_per_cycle": 64, "energy_per_mac": "0.1 pJ",
    "basis_buffer": {"capacity": "64 KiB", "bandwidth": "32 GB/s", "read_energy": "0.5 pJ/B",
                     "write_energy": "0.6 pJ/B"},
    "factorisation": {"bi": 2, "bo": 4, "bits_b": 8, "bits_u": 4, "bits_v": 4}})


def test_layer_memory_by_hand():
    # K=8, C=4, 3x3: 288 weights. B 4x2x9 at 8 b = 72 B, U 4x4x2 at 4 b = 16 B, V 8x4 at 4 b = 16 B.
    m = layer_memory(LayerPlan("c", WeightShape(8, 4, 3, 3), bi=2, bo=4), crossbar_bits_per_weight=6)
    assert m.tensor_bytes == {"B": 72, "U": 16, "V": 16} and m.stored_bytes == 104
    assert m.weights == 288 and m.stored_params == 72 + 32 + 32
    assert m.fp32_bytes == 288 * 4  # 1152
    assert m.crossbar_bytes == 288 * 6 // 8  # 216
    assert m.param_ratio == pytest.approx(288 / 136)
    assert m.fp32_ratio == pytest.approx(1152 / 104)
    assert m.crossbar_ratio == pytest.approx(216 / 104)


def test_odd_bit_counts_round_up_to_whole_bytes():
    # 3 weights at 3 b = 9 bits -> 2 B, stored directly; FP32 12 B; crossbar at 4.5 b = 13.5 -> 14 bits -> 2 B.
    m = layer_memory(LayerPlan("fc", WeightShape(3, 1, 1, 1), None, None, direct_bits=3), 4.5)
    assert (m.stored_bytes, m.fp32_bytes, m.crossbar_bytes) == (2, 12, 2)


def test_network_total_sums_layers():
    plans = {"a": LayerPlan("a", WeightShape(8, 4, 3, 3), bi=2, bo=4),  # 104 B, as above
             "b": LayerPlan("b", WeightShape(10, 16, 1, 1), None, None, direct_bits=8)}  # 160 B
    total = network_memory(plans, crossbar_bits_per_weight=8)
    assert total.name == "total"
    assert total.tensor_bytes == {"B": 72, "U": 16, "W1": 0, "V": 16, "W": 160, "BN": 0, "bias": 0}
    assert total.stored_bytes == 264 and total.weights == 288 + 160
    assert total.fp32_bytes == 448 * 4 and total.crossbar_bytes == 448
    assert total.fp32_ratio == pytest.approx(1792 / 264)


def test_memory_table_has_a_row_per_weighted_layer_and_a_total():
    workload = Workload(version=1, name="tiny", layers=[
        Conv2d(name="conv", op="conv2d", in_channels=4, out_channels=8, kernel=3, input_hw=(8, 8)),
        {"name": "pool", "op": "pool", "mode": "avg", "channels": 8, "input_hw": [6, 6]},
        Linear(name="fc", op="linear", in_features=8, out_features=10)])
    table = memory_table(workload, SPEC, crossbar_bits_per_weight=8)
    assert list(table.layer) == ["conv", "fc", "total"]
    conv, fc, total = (table.iloc[i] for i in range(3))
    assert conv.levels == "intra+cross" and conv.stored_bytes == 104 and conv.generation_macs == 1440
    assert fc.levels == "direct" and fc.stored_bytes == 80 and "classifier" in fc.reason
    assert total.stored_bytes == 184 and total.crossbar_bytes == 288 + 80
    assert total.generation_macs == 1440
    assert total.crossbar_ratio == pytest.approx(368 / 184)
