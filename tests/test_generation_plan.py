"""Factorisation plans: the rank rule, the bytes rule, direct-storage roles, reasons, MAC counts."""

import pytest

from hicsim.generation import LayerPlan, WeightShape, plan_layer, plan_network
from hicsim.spec.generation import GenerationUnit
from hicsim.workload.layers import Conv2d, Linear, Pool
from hicsim.workload.model import Workload

HW = {"macs_per_cycle": 64, "energy_per_mac": "0.1 pJ",
      "basis_buffer": {"capacity": "64 KiB", "bandwidth": "32 GB/s",
                       "read_energy": "0.5 pJ/B", "write_energy": "0.6 pJ/B"}}


def unit(**changes) -> GenerationUnit:
    return GenerationUnit.model_validate({**HW, **changes})


def conv(name="conv", c=4, k=8, kernel=3, groups=1, padding=0) -> Conv2d:
    return Conv2d(name=name, op="conv2d", in_channels=c, out_channels=k, kernel=kernel,
                  groups=groups, padding=padding, input_hw=(8, 8))


def test_both_levels_by_hand():
    # K=8, C=4, 3x3 (R.S=9); Bi=2 < min(4, 9), Bo=4 < min(8, 36): both levels eligible.
    spec = unit(factorisation={"bi": 2, "bo": 4, "bits_b": 8, "bits_u": 4, "bits_v": 4})
    plan = plan_layer(conv(), spec, crossbar_bits_per_weight=8)
    assert (plan.intra, plan.cross, plan.levels) == (True, True, "intra+cross")
    shapes = {t.name: t.shape for t in plan.tensors}
    assert shapes == {"B": (4, 2, 9), "U": (4, 4, 2), "V": (8, 4)}
    # B: 4*2*9 = 72 codes at 8 b = 72 B; U: 4*4*2 = 32 at 4 b = 16 B; V: 8*4 = 32 at 4 b = 16 B.
    # The alternatives are larger: intra only 8*2*9 + 8*4*2/2 = 176 B; cross only 4*4*9 + 16 =
    # 160 B; direct 8*4*9 = 288 weights at 8 b = 288 B.
    assert {t.name: t.bytes for t in plan.tensors} == {"B": 72, "U": 16, "V": 16}
    assert plan.stored_bytes == 104 and plan.stored_params == 72 + 32 + 32
    # MACs: level 1 = Bo*C*Bi*R*S = 4*4*2*9 = 288; level 2 = K*Bo*C*R*S = 8*4*36 = 1152.
    assert (plan.intra_macs, plan.cross_macs, plan.generation_macs) == (288, 1152, 1440)
    assert plan.cross_macs_per_kernel == 4 * 36


def test_macs_when_a_level_is_skipped():
    shape = WeightShape(k=16, c=8, r=3, s=3)
    intra_only = LayerPlan("a", shape, bi=2, bo=None)
    assert intra_only.generation_macs == 16 * 8 * 2 * 9  # every one of the K kernels from bases
    cross_only = LayerPlan("b", shape, bi=None, bo=5)
    assert cross_only.generation_macs == 16 * 5 * 8 * 9  # K*Bo*C*R*S, W1 read as stored
    assert LayerPlan("c", shape, None, None).generation_macs == 0


def test_shared_spatial_basis_stores_one_b():
    spec = unit(factorisation={"bi": 2, "bo": 4, "spatial_basis": "shared"})
    # K=16: both levels B 1*2*9 + U 4*4*2/2 + V 16*4/2 = 18 + 16 + 32 = 66 B beat intra only,
    # 18 + 16*4*2/2 = 82 B.
    plan = plan_layer(conv(k=16), spec, 8)
    assert plan.levels == "intra+cross" and plan.stored_bytes == 66
    assert plan.tensor("B").shape == (1, 2, 9)
    assert plan.intra_macs == 4 * 4 * 2 * 9  # the MACs do not change, only what is stored


def test_layer_where_generation_does_not_pay_is_stored_directly():
    # K=4, C=3, 3x3: both ranks pass the rank rule (Bi=2 < 3, Bo=3 < 4), but at 8-bit factors
    # against 4-bit direct weights every factorisation is larger than the 4*27 = 108 weights
    # at 4 b = 54 B: both levels B 3*2*9 + U 3*3*2 + V 4*3 = 84 B; intra only 72 + 24 = 96 B;
    # cross only W1 3*3*9 + V 12 = 93 B.
    spec = unit(factorisation={"bi": 2, "bo": 3, "bits_b": 8, "bits_u": 8, "bits_v": 8})
    plan = plan_layer(conv(c=3, k=4), spec, crossbar_bits_per_weight=4)
    assert plan.direct and plan.levels == "direct" and plan.stored_bytes == 54
    assert plan.generation_macs == 0
    assert plan.reasons == ("intra-kernel skipped, does not pay: 96 B with it, 54 B without",
                            "cross-kernel skipped, does not pay: 93 B with it, 54 B without",
                            "stored directly at 4 bits/weight")


def test_level_that_does_not_pay_is_dropped_alone():
    # 1x3 kernels, C=3: Bi=2 < min(3, 3) but B 2*3 + U 3*2 = 12 codes replace 9 per basis kernel.
    # Both levels: B 4*2*3 + U 4*3*2 + V 16*4 = 112 B; cross only: W1 4*3*3 + V 64 = 100 B.
    spec = unit(factorisation={"bi": 2, "bo": 4, "bits_b": 8, "bits_u": 8, "bits_v": 8})
    plan = plan_layer(conv(c=3, k=16, kernel=(1, 3)), spec, 8)
    assert plan.levels == "cross" and plan.stored_bytes == 100
    assert plan.reasons[0] == "intra-kernel skipped, does not pay: 112 B with it, 100 B without"
    assert plan.reasons[1] == "cross-kernel: Bo=4 < min(K=16, C.R.S=9) = 9"


def test_depthwise_fails_the_rank_rule_and_says_why():
    plan = plan_layer(conv(c=32, k=32, groups=32), unit(direct=[]), 8)
    assert plan.shape == WeightShape(k=32, c=1, r=3, s=3, groups=32)
    assert plan.direct
    assert plan.reasons[:2] == ("intra-kernel: Bi=3 is not < min(C=1, R.S=9) = 1",
                                "cross-kernel: Bo=32 is not < min(K=32, C.R.S=9) = 9")


def test_grouped_conv_is_factorised_on_its_per_group_channels():
    plan = plan_layer(conv(c=64, k=64, groups=4), unit(factorisation={"bi": 3, "bo": 8}), 8)
    assert plan.shape.c == 16 and plan.levels == "intra+cross"
    assert plan.tensor("U").shape == (8, 16, 3)


def network() -> Workload:
    return Workload(version=1, name="tiny", layers=[
        conv("conv1", c=3, k=64, kernel=7, padding=3),
        conv("conv2", c=64, k=64, padding=1),
        conv("proj", c=64, k=128, kernel=1),
        Pool(name="gap", op="pool", mode="avg", channels=128, input_hw=(8, 8)),
        Linear(name="fc", op="linear", in_features=128, out_features=10)])


def test_network_roles_send_pointwise_and_classifier_to_direct_storage():
    plans = plan_network(network(), unit(), crossbar_bits_per_weight=8)
    assert list(plans) == ["conv1", "conv2", "proj", "fc"]
    assert plans["conv2"].levels == "intra+cross"
    assert plans["proj"].direct and plans["proj"].reasons == (
        "pointwise layer: stored directly by the rule direct: [pointwise, classifier]",)
    assert plans["fc"].direct and "classifier" in plans["fc"].reasons[0]


def test_overrides_by_layer_name():
    spec = unit(direct=["pointwise", "classifier", "first"],
                layers={"fc": {"direct": False, "bo": 4}, "conv2": {"direct": True},
                        "proj": {"direct": False}})
    plans = plan_network(network(), spec, 8)
    assert plans["conv1"].direct and plans["conv1"].reasons[0].startswith("first layer")
    assert plans["conv2"].reasons == ("layer override direct: true",)
    assert plans["fc"].levels == "cross" and plans["fc"].bo == 4  # a K x C low-rank product
    assert plans["proj"].levels == "cross"  # 1x1: only level 2 can apply


def test_disabled_unit_stores_everything_directly():
    plans = plan_network(network(), unit(enabled=False), 8)
    assert all(p.direct and p.reasons == ("generation unit disabled",) for p in plans.values())


def test_override_of_an_unknown_layer_is_an_error():
    with pytest.raises(ValueError, match="no weighted layer named 'conv9' in workload 'tiny'"):
        plan_network(network(), unit(layers={"conv9": {"bi": 2}}), 8)


@pytest.mark.parametrize("kwargs, message", [
    ({"bi": 0, "bo": None}, "bi must be a positive integer"),
    ({"bi": 5, "bo": None}, r"bi=5 exceeds the full rank min\(C=4, R.S=9\) = 4"),
    ({"bi": None, "bo": 9}, r"bo=9 exceeds the full rank min\(K=8, C.R.S=36\) = 8"),
    ({"bi": 2, "bo": None, "bits_u": 17}, "bits_u must be an integer in 1..16"),
    ({"bi": None, "bo": None, "direct_bits": 0}, "direct_bits must be in"),
])
def test_bad_plans_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LayerPlan("x", WeightShape(k=8, c=4, r=3, s=3), **kwargs)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="c must be a positive integer"):
        WeightShape(k=8, c=0, r=3, s=3)
