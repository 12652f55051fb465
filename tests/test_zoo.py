"""Zoo networks against published parameter and MAC counts.

Parameter counts: torchvision's published ``num_params`` (and, for the CIFAR ResNets, the
reference implementations' printed totals) include biases and batch-norm affine parameters;
the zoo's layers carry those beside their crossbar weights (``bias``, ``batch_norm_channels``),
so each published total is compared *exactly* with the zoo's weights plus them.
"""

import pytest

from hicsim.spec.errors import InputError
from hicsim.workload import zoo
from hicsim.workload.layers import Add, Concat, Conv2d, Linear, Mul, Pool

# name -> (published total parameters incl. bias and BN, where it is published)
PUBLISHED_PARAMS = {
    "resnet18_imagenet": 11_689_512,           # torchvision ResNet18_Weights.IMAGENET1K_V1
    "resnet152_imagenet": 60_192_808,          # torchvision ResNet152_Weights.IMAGENET1K_V1
    "densenet121_imagenet": 7_978_856,         # torchvision DenseNet121_Weights
    "mobilenetv2_imagenet": 3_504_872,         # torchvision MobileNet_V2_Weights
    "mobilenetv3_large_imagenet": 5_483_032,   # torchvision MobileNet_V3_Large_Weights
    "mobilenetv3_small_imagenet": 2_542_856,   # torchvision MobileNet_V3_Small_Weights
    "resnet18_cifar10": 11_173_962,            # kuangliu/pytorch-cifar ResNet18 (11.17M)
}


def _bias_and_bn(workload) -> int:
    """Bias and BN-affine parameters (2 per channel) the zoo's layers carry."""
    total = sum(l.bias_params + l.batch_norm_params for l in workload.weighted_layers)
    assert total == sum(l.parameters for l in workload.layers)  # the parameters off the crossbars
    return total


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMS))
def test_weights_plus_bias_and_bn_equal_published_total(name):
    w = zoo.build(name)
    assert w.total_weights + _bias_and_bn(w) == PUBLISHED_PARAMS[name]


@pytest.mark.parametrize("name, bn", [("resnet18_cifar10", 9_600), ("densenet121_cifar10", 83_648),
                                      ("resnet18_imagenet", 9_600),
                                      ("densenet121_imagenet", 83_648)])
def test_batch_norm_parameters_match_the_published_accounting(name, bn):
    # The in-situ generation paper's accounting counts BN weight and bias: 9,600 for ResNet-18
    # (2 x 4,800 channels) and 83,648 for DenseNet-121 (2 x 41,824), stem or not.
    assert sum(l.batch_norm_params for l in zoo.build(name).weighted_layers) == bn


def test_cifar_variants_keep_the_imagenet_body():
    # Only the stem and the classifier differ: DenseNet-121's 7x7x3x64 stem becomes 3x3x3x64.
    cifar, imagenet = zoo.build("densenet121_cifar10"), zoo.build("densenet121_imagenet")
    assert imagenet.total_weights - cifar.total_weights == (49 - 9) * 3 * 64 + 1024 * (1000 - 10)
    assert cifar.layers[1].input_hw == (32, 32)  # no max pool after the stem
    for name in ("mobilenetv2", "mobilenetv3_small", "mobilenetv3_large"):
        c, i = zoo.build(f"{name}_cifar10"), zoo.build(f"{name}_imagenet")
        assert c.layers[0].stride == 1 and i.layers[0].stride == 2
        assert i.total_weights - c.total_weights == c.layers[-1].in_features * (1000 - 10)


def test_weight_counts():
    # Weight-only counts (no bias, no BN); ResNet-18: 11,689,512 - 1,000 fc bias - 9,600 BN.
    counts = {n: zoo.build(n).total_weights for n in zoo.names()}
    assert counts["resnet18_imagenet"] == 11_678_912
    # ResNet-32, He et al. 2016: "0.46M". The zoo uses 1x1 conv shortcuts (option B), which add
    # 16*32 + 32*64 = 2,560 weights to option A's 461,872 conv+fc weights; within 1%.
    assert counts["resnet32_cifar10"] == 461_872 + 2_560
    assert counts["resnet32_cifar10"] == pytest.approx(0.46e6, rel=0.01)
    assert counts["mobilenetv2_imagenet"] == pytest.approx(3.5e6, rel=0.01)
    assert counts["densenet121_imagenet"] == pytest.approx(8.0e6, rel=0.015)
    assert counts["mobilenetv3_small_imagenet"] == pytest.approx(2.5e6, rel=0.02)
    assert counts["mobilenetv3_large_imagenet"] == pytest.approx(5.5e6, rel=0.01)
    # VGG-8 (NeuroSim): 3*128*9 + 128*128*9 + 128*256*9 + 256*256*9 + 256*512*9 + 512*512*9
    # + 8192*1024 + 1024*10
    assert counts["vgg8_cifar10"] == 9 * (3 * 128 + 128 * 128 + 128 * 256 + 256 * 256 + 256 * 512
                                          + 512 * 512) + 8192 * 1024 + 1024 * 10


def test_mac_counts_against_published():
    macs = {n: zoo.build(n).macs_per_sample for n in zoo.names()}
    # torchvision's published GFLOPS (multiply-accumulates of conv and linear layers):
    # resnet18 1.81, mobilenet_v2 0.30, densenet121 2.83, v3 large 0.22, v3 small 0.06.
    assert macs["resnet18_imagenet"] == 1_814_073_344
    assert macs["resnet18_imagenet"] == pytest.approx(1.82e9, rel=0.005)
    assert macs["mobilenetv2_imagenet"] == pytest.approx(300e6, rel=0.005)
    assert macs["densenet121_imagenet"] == pytest.approx(2.83e9, rel=0.005)
    assert macs["mobilenetv3_large_imagenet"] == pytest.approx(0.22e9, rel=0.02)
    assert macs["mobilenetv3_small_imagenet"] == pytest.approx(0.06e9, rel=0.06)
    # ResNet-32: ~69M (68.86M with option A; option B shortcuts add 2 x 131,072).
    assert macs["resnet32_cifar10"] == pytest.approx(69e6, rel=0.005)
    # ResNet-18 CIFAR (kuangliu): 0.56 GMACs
    assert macs["resnet18_cifar10"] == pytest.approx(0.556e9, rel=0.005)


def test_names_and_layer_names_follow_torchvision():
    assert zoo.names() == sorted(zoo.NETWORKS) and len(zoo.names()) == 16
    r18 = {l.name for l in zoo.build("resnet18_imagenet").layers}
    assert {"conv1", "maxpool", "layer1.0.conv1", "layer2.0.downsample.0", "avgpool", "fc"} <= r18
    v2 = {l.name: l for l in zoo.build("mobilenetv2_imagenet").layers}
    assert v2["features.3.conv.1.0"].groups == 144 and v2["features.3.conv.1.0"].kernel == 3
    assert "features.1.conv.1" in v2 and "features.18.0" in v2 and "classifier.1" in v2
    v3 = {l.name: l for l in zoo.build("mobilenetv3_large_imagenet").layers}
    assert v3["features.4.block.2.fc1"].out_channels == 24  # make_divisible(72 // 4, 8)
    assert v3["features.16.0"].out_channels == 960 and v3["classifier.0"].out_features == 1280
    dn = {l.name for l in zoo.build("densenet121_imagenet").layers}
    assert {"features.denseblock4.denselayer16.conv2", "features.transition3.pool"} <= dn


def test_op_counts_per_network():
    def ops(name):
        layers = zoo.build(name).layers
        return {kind.__name__: sum(isinstance(l, kind) for l in layers)
                for kind in (Conv2d, Linear, Add, Mul, Concat, Pool)}
    assert ops("resnet32_cifar10") == dict(Conv2d=33, Linear=1, Add=15, Mul=0, Concat=0, Pool=1)
    assert ops("resnet18_imagenet") == dict(Conv2d=20, Linear=1, Add=8, Mul=0, Concat=0, Pool=2)
    # ResNet-152: 50 bottlenecks of 3 convs, 4 downsample shortcuts, the stem
    assert ops("resnet152_imagenet") == dict(Conv2d=155, Linear=1, Add=50, Mul=0, Concat=0, Pool=2)
    assert ops("densenet121_imagenet") == dict(Conv2d=120, Linear=1, Add=0, Mul=0, Concat=58, Pool=5)
    # MobileNetV2: 10 residual blocks; V3 small: 9 SE blocks (channel scale: mul) + 6 residuals
    assert ops("mobilenetv2_imagenet")["Add"] == 10
    assert ops("mobilenetv3_small_imagenet") == dict(Conv2d=52, Linear=2, Add=6, Mul=9, Concat=0, Pool=10)
    assert ops("vgg8_cifar10") == dict(Conv2d=6, Linear=2, Add=0, Mul=0, Concat=0, Pool=3)


def test_options_reach_the_workload(tmp_path):
    rates = tmp_path / "rates.yaml"
    rates.write_text("version: 1\nsource: by hand\nbatch: 8\n"
                     "per_weight: {set_pulses: 0.01, reset_pulses: 0.001}\n")
    w = zoo.build("resnet32_cifar10", batch=16, input_bits=4, weight_bits=6, phase="training",
                  width=2, num_classes=100, rates=str(rates), dataset_size=50000)
    assert (w.batch, w.input_bits, w.weight_bits, w.phase) == (16, 4, 6, "training")
    assert w.layers[0].out_channels == 32 and w.layers[-1].out_features == 100
    assert w.layers[-1].in_features == 128
    assert w.dataset_size == 50000
    assert w.source == ("hicsim export --model resnet32_cifar10 --batch 16 --input-bits 4 "
                        f"--weight-bits 6 --phase training --width 2 --num-classes 100 "
                        f"--rates {rates} --dataset-size 50000")
    fc = w.layers[-1]
    # per-weight rates x weights x (simulated batch 16 / measured batch 8)
    assert fc.programming.set_pulses == pytest.approx(0.01 * 128 * 100 * 2)
    assert fc.programming.reset_pulses == pytest.approx(0.001 * 128 * 100 * 2)


def test_training_needs_rates():
    with pytest.raises(InputError, match="programming-rate file"):
        zoo.build("resnet32_cifar10", phase="training")


def test_mobilenet_width_follows_torchvision_rounding():
    w = zoo.build("mobilenetv2_imagenet", width=0.5)
    assert w.layers[0].out_channels == 16                         # make_divisible(16)
    convs = [l for l in w.layers if isinstance(l, Conv2d)]
    assert convs[-1].out_channels == 1280                         # last channel kept at >= 1280


def test_input_size_changes_feature_maps_not_weights():
    small = zoo.build("resnet18_imagenet", input_size=112)
    assert small.layers[0].input_hw == (112, 112)
    assert small.total_weights == zoo.build("resnet18_imagenet").total_weights
    layer4 = next(l for l in small.layers if l.name == "layer4.1.conv2")
    assert layer4.input_hw == (4, 4) and small.layers[-1].in_features == 512


@pytest.mark.parametrize("name, options, match", [
    ("resnet99", {}, "unknown network"),
    ("resnet18_imagenet", {"batch": 0}, "batch"),
    ("resnet18_imagenet", {"colour": 1}, "unknown key"),
    ("resnet18_imagenet", {"phase": "testing"}, "phase"),
    ("densenet121_imagenet", {"width": 2}, "no width multiplier"),
    ("vgg8_cifar10", {"input_size": 4}, "cannot build"),
])
def test_bad_options_are_input_errors(name, options, match):
    with pytest.raises(InputError, match=match):
        zoo.build(name, **options)
