"""Accounting conventions against hand counts: a small network with batch norms, a 1x1 conv, a
depthwise conv and a classifier with a bias, under hicsim's default convention, the published
one, and the published one with keys overridden."""

import pytest

from hicsim.generation import memory_table, network_memory, plan_network
from hicsim.spec.errors import InputError
from hicsim.spec.generation import GenerationUnit
from hicsim.spec.load import validate
from hicsim.workload.layers import Conv2d, Linear, Pool
from hicsim.workload.model import Workload

UNIT = {"macs_per_cycle": 64, "energy_per_mac": "0.1 pJ",
        "basis_buffer": {"capacity": "64 KiB", "bandwidth": "32 GB/s", "read_energy": "0.5 pJ/B",
                         "write_energy": "0.6 pJ/B"},
        "factorisation": {"bi": 2, "bo": 12, "bits_b": 4, "bits_u": 4, "bits_v": 4}}
CROSSBAR_BITS = 8


def spec(**keys) -> GenerationUnit:
    return GenerationUnit.model_validate({**UNIT, **keys})


def small_net() -> Workload:
    conv = dict(op="conv2d", kernel=3, padding=1, input_hw=(8, 8))
    return Workload(version=1, name="small", layers=[
        Conv2d(name="conv1", in_channels=3, out_channels=16, batch_norm_channels=16, **conv),
        Conv2d(name="dw", in_channels=16, out_channels=16, groups=16, batch_norm_channels=16,
               **conv),
        Conv2d(name="pw", op="conv2d", in_channels=16, out_channels=32, kernel=1,
               input_hw=(8, 8), batch_norm_channels=32),
        Pool(name="gap", op="pool", mode="avg", channels=32, input_hw=(8, 8)),
        Linear(name="fc", op="linear", in_features=32, out_features=10, bias=True)])


# Weights: conv1 16x3x3x3 = 432, dw 16x1x3x3 = 144, pw 32x16 = 512, fc 10x32 = 320: 1,408.
# Extras: BN 2 x (16 + 16 + 32) = 128, fc bias 10: 138 parameters, at 32 bits 552 B.
WEIGHTS, EXTRAS, EXTRA_BYTES = 432 + 144 + 512 + 320, 2 * 64 + 10, (2 * 64 + 10) * 4
FP32_BYTES = (WEIGHTS + EXTRAS) * 4  # 6,184: every parameter at 32 bits
CROSSBAR_BYTES = WEIGHTS * CROSSBAR_BITS // 8 + EXTRA_BYTES  # 1,960: extras as stored


def test_extras_of_the_small_net():
    w = small_net()
    assert [(l.batch_norm_params, l.bias_params) for l in w.weighted_layers] == \
        [(32, 0), (32, 0), (64, 0), (0, 10)]


def test_hicsim_default_convention_by_hand():
    # conv1 (K=16, C=3, R.S=9): Bi=2 < 3 and Bo=12 < 16, both eligible. Cheapest of:
    #   both  B 12x2x9 + U 12x3x2 + V 16x12 = 216 + 72 + 192 = 480 codes at 4 b = 240 B
    #   intra B 16x2x9 + U 16x3x2 = 288 + 96 = 384 codes = 192 B  <- stored
    #   cross W1 12x3x9 + V = 324 + 192 = 516 codes = 258 B;  direct 432 B at 8 b
    # dw: depthwise, no level (Bi=2 >= C=1, Bo=12 >= R.S=9): direct at the crossbar's 8 b, 144 B
    # pw: pointwise and fc: classifier, stored directly by the default rule at 8 b: 512 B, 320 B
    plans = plan_network(small_net(), spec(), CROSSBAR_BITS)
    assert {n: p.levels for n, p in plans.items()} == \
        {"conv1": "intra", "dw": "direct", "pw": "direct", "fc": "direct"}
    total = network_memory(plans, CROSSBAR_BITS)
    assert total.stored_bytes == 192 + 144 + 512 + 320 + EXTRA_BYTES == 1720
    assert total.stored_params == 384 + 144 + 512 + 320 + EXTRAS == 1498
    assert (total.params, total.fp32_bytes, total.crossbar_bytes) == \
        (WEIGHTS + EXTRAS, FP32_BYTES, CROSSBAR_BYTES)
    assert total.fp32_ratio == pytest.approx(6184 / 1720)
    assert total.fp32_fraction == pytest.approx(1720 / 6184)
    assert total.param_fraction == pytest.approx(1498 / 1546)
    assert total.crossbar_ratio == pytest.approx(1960 / 1720)


def test_published_convention_by_hand():
    # Every eligible level: conv1 both levels, 240 B (not the cheaper intra-only 192 B).
    # dw: no level is eligible: a non-generated conv, at 32 b: 144 x 4 = 576 B.
    # pw: generated across kernels (Bo=12 < min(K=32, C=16)): W1 12x16 + V 32x12 = 192 + 384 = 576
    #     codes at 4 b = 288 B.  fc: the classifier, direct at 8 b: 320 B.
    plans = plan_network(small_net(), spec(convention="published"), CROSSBAR_BITS)
    assert {n: p.levels for n, p in plans.items()} == \
        {"conv1": "intra+cross", "dw": "direct", "pw": "cross", "fc": "direct"}
    assert (plans["dw"].direct_bits, plans["fc"].direct_bits) == (32, 8)
    total = network_memory(plans, CROSSBAR_BITS)
    assert total.tensor_bytes == {"B": 108, "U": 36, "W1": 96, "V": 96 + 192, "W": 576 + 320,
                                  "BN": 128 * 4, "bias": 40}
    assert total.stored_bytes == 240 + 576 + 288 + 320 + EXTRA_BYTES == 1976
    assert total.stored_params == 480 + 144 + 576 + 320 + EXTRAS == 1658
    assert total.fp32_bytes == FP32_BYTES
    assert total.fp32_fraction == pytest.approx(1976 / 6184)


def test_keys_given_win_over_the_convention():
    # Published, but cheapest plans and non-generated convs at 8 b: conv1 intra (192 B),
    # dw 144 B; pw and fc as published (288 B, 320 B); BN at 16 b: 128 x 2 = 256 B.
    s = spec(convention="published", policy="cheapest", direct_precision={"conv": 8,
                                                                          "batch_norm": 16})
    assert s.direct == ["classifier"] and s.direct_precision.classifier == 8
    total = network_memory(plan_network(small_net(), s, CROSSBAR_BITS), CROSSBAR_BITS)
    assert total.tensor_bytes["BN"] == 256
    assert total.stored_bytes == 192 + 144 + 288 + 320 + 256 + 40


def test_policy_per_layer_forces_every_eligible_level_on():
    plans = plan_network(small_net(), spec(layers={"conv1": {"policy": "all_eligible"}}),
                         CROSSBAR_BITS)
    assert plans["conv1"].levels == "intra+cross" and plans["conv1"].stored_bytes == 240


def test_table_has_both_ratio_directions_and_the_extras():
    table = memory_table(small_net(), spec(convention="published"), CROSSBAR_BITS)
    total = table.iloc[-1]
    assert total["extra_params"] == EXTRAS and total["bytes_BN"] == 512
    assert total["fp32_ratio"] * total["fp32_fraction"] == pytest.approx(1.0)
    assert total["param_ratio"] == pytest.approx(1546 / 1658)
    row = table.set_index("layer").loc["fc"]
    assert (row["bytes_bias"], row["bytes_W"], row["fp32_bytes"]) == (40, 320, 330 * 4)


def test_unknown_convention_is_bad_input():
    with pytest.raises(InputError, match="convention"):
        validate(GenerationUnit, {**UNIT, "convention": "paper"}, "spec.yaml")


def test_bias_on_an_activation_matmul_is_refused():
    with pytest.raises(ValueError, match="need static weights"):
        Workload(version=1, name="x", layers=[{"name": "mm", "op": "matmul", "m": 2, "k": 2,
                                               "n": 2, "rhs": "activation", "bias": True}])


@pytest.mark.parametrize("network, values, stored", [
    ("resnet18_cifar10", "2,44,3,6,3", (11_173_962, 555_530, 358_440, 44_695_848)),
    ("densenet121_cifar10", "1,25,4,6,6", (6_956_426, 1_381_648, 1_099_196, 27_825_704))])
def test_published_tuples_on_cifar_networks(network, values, stored, capsys):
    """The README's figures: parameters and bytes, dense and stored, under the published
    convention (BN scale and shift, 9,600 and 83,648, at 32 bits on both sides)."""
    from hicsim.cli import main
    from conftest import ROOT
    spec_path = str(ROOT / "arch_specs" / "hic_pcm_generation.yaml")
    assert main(["generation", spec_path, network, "--convention", "published",
                 "--tuple", values]) == 0
    total = capsys.readouterr().out.splitlines()[-1].split()
    assert total[0] == "total" and tuple(int(v) for v in total[1:5]) == stored


def test_generation_command_refuses_a_bad_tuple(capsys):
    from hicsim.cli import main
    from conftest import ROOT
    assert main(["generation", str(ROOT / "arch_specs" / "hic_pcm.yaml"), "resnet18_cifar10",
                 "--tuple", "2,44"]) == 2
    assert "Bi,Bo,qb,qu,qv" in capsys.readouterr().err
