"""hicsim.torch: converted modules run the numpy layers' own analog ops (bit-identical to the
numpy path on the same seed), tensors cross without copies, counters match a hand count, and
convert handles torchvision's ResNet-18 and MobileNetV2 (tests/torchvision_models.py) and
ResNet-32."""

from __future__ import annotations

import copy
import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from hicsim.devices.ideal import ideal_device_overrides  # noqa: E402
from hicsim.spec import load_arch, override_arch  # noqa: E402
from hicsim.torch import AnalogConv2d, AnalogLinear, AnalogSGD, analog_modules, as_array, convert  # noqa: E402
from hicsim.torch.convert import device_range  # noqa: E402
from hicsim.torch.models import resnet32  # noqa: E402
from hicsim.train.layers import Conv2d, Linear, he_init  # noqa: E402
from hicsim.train.models import layer_seed  # noqa: E402

HIC = "arch_specs/hic_pcm.yaml"
ML = "arch_specs/pcm_multilevel.yaml"


def test_import_hicsim_does_not_import_torch():
    code = ("import sys, hicsim, hicsim.train, hicsim.cli, hicsim.train.study; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tensors_cross_into_the_kernels_without_copies():
    x = torch.rand(4, 6)
    assert as_array(x).__array_interface__["data"][0] == x.data_ptr()
    assert as_array(x[:, :3]).__array_interface__["data"][0] != x.data_ptr()  # not contiguous: a copy
    m = convert(nn.Linear(6, 3), load_arch(HIC), seed=0)
    y = m(x)
    assert np.shares_memory(m.layer._x, x.numpy())  # the array the MVM kernel read is x's memory
    g = torch.rand(4, 3)
    y.backward(g)
    assert np.shares_memory(m.layer._delta, g.numpy())  # and so did the transposed read


def _pair(kind: str, arch, rule: str, seed: int):
    """A numpy weight layer drawn as the built-in models draw it (first layer of seed ``seed``),
    and the same weights in a torch module, converted."""
    rng = np.random.default_rng([seed, 1])
    if kind == "linear":
        w, w_max = he_init(rng, 12, 5)
        w = w.astype(np.float32).astype(np.float64)  # what a float32 torch weight holds exactly
        layer = Linear("m", 12, 5, arch, rule, None, layer_seed(seed, 1), bias=False, init=(w, w_max))
        module = nn.Linear(12, 5, bias=False)
        module.weight.data = torch.from_numpy(w.T.astype(np.float32).copy())
        return layer, module
    w, w_max = he_init(rng, 3 * 9, 4)
    w = w.astype(np.float32).astype(np.float64)
    layer = Conv2d("m", 3, 4, 3, arch, rule, None, layer_seed(seed, 1), stride=2, padding=1,
                   bias=False, init=(w, w_max))
    module = nn.Conv2d(3, 4, 3, 2, 1, bias=False)
    module.weight.data = torch.from_numpy(np.ascontiguousarray(w.T.reshape(4, 3, 3, 3)).astype(np.float32))
    return layer, module


@pytest.mark.parametrize("kind,shape", [("linear", (7, 12)), ("conv", (2, 3, 6, 6))])
@pytest.mark.parametrize("spec,rule", [(HIC, "hic"), (ML, "mixed_precision"), (HIC, "fp32")])
@pytest.mark.parametrize("input_grad", [True, False])
def test_converted_module_is_bit_identical_to_the_numpy_layer(kind, shape, spec, rule, input_grad):
    """Also as a first layer (an input that needs no gradient): the module skips its transposed
    read, and its outputs, updates and device state stay those of the layer that made it."""
    arch = load_arch(spec)
    layer, module = _pair(kind, arch, rule, seed=3)
    analog = convert(module, arch, rule=rule, seed=3)
    assert isinstance(analog, AnalogLinear if kind == "linear" else AnalogConv2d)
    opt = AnalogSGD(analog, lr=0.05, momentum=0.5)
    rng = np.random.default_rng(0)
    for _ in range(3):  # three steps: the random streams stay aligned through updates
        x = rng.random(shape, dtype=np.float32)
        expected = layer.forward(x, train=True)
        probe = rng.standard_normal(expected.shape).astype(np.float32)
        dx = layer.backward(probe)
        layer.update(0.05, 0.5)
        xt = torch.from_numpy(x.copy()).requires_grad_(input_grad)
        y = analog(xt)
        y.backward(torch.from_numpy(probe))
        opt.step()
        np.testing.assert_array_equal(y.detach().numpy(), expected)
        if input_grad:
            np.testing.assert_array_equal(xt.grad.numpy(), dx)
        else:
            assert xt.grad is None
    for (name, a), b in zip(vars(layer.store).items(), vars(analog.store).values()):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=name)
    if rule != "fp32":
        for field, a, b in zip(layer.store.state._fields, layer.store.state, analog.store.state):
            np.testing.assert_array_equal(a, b, err_msg=field)


def test_analog_forward_equals_the_numpy_forward_on_the_same_seed():
    arch = load_arch(HIC)
    for kind, shape in (("linear", (9, 12)), ("conv", (2, 3, 7, 7))):
        layer, module = _pair(kind, arch, "hic", seed=11)
        analog = convert(module, arch, rule="hic", seed=11)
        x = np.random.default_rng(5).random(shape, dtype=np.float32)
        expected = layer.forward(x, train=True)
        with torch.no_grad():
            got = analog(torch.from_numpy(x)).numpy()
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)


def test_counters_equal_a_hand_count_on_a_tiny_layer():
    """Ideal differential multi-level pair (16 levels, g+ - g- in levels), closed-loop mixed
    precision (chi in levels; whole levels move, each a verified SET; up SETs g+, down SETs
    g-; a full device to SET first refreshes: both RESET, the difference programmed onto one in
    one pulse). Drives of +3.5, -5, +13 and +1 levels, by hand:
    chi 3.5 -> 3 SETs on g+ (3, 0), chi 0.5; chi -4.5 -> 4 SETs on g- (3, 4), weight -1;
    chi 12.5 -> 12 SETs on g+ (15, 4): g+ full, weight 11; chi 1.5 -> refresh (RESET both: one
    write-erase cycle each, both had been SET; 11 levels programmed onto g+: 1 SET) then 1 SET:
    (17, 4) SETs, (1, 1) RESETs, weight 12."""
    base = load_arch(ML, {"devices.pcm_ml.verify_iterations": 1})
    arch = override_arch(base, ideal_device_overrides(base))
    assert arch.devices["pcm_ml"].levels == 16
    module = nn.Linear(1, 1, bias=False)
    module.weight.data.zero_()
    analog = convert(module, arch, rule="mixed_precision_closed_loop", seed=0)
    step = analog.store.step
    opt = AnalogSGD(analog, lr=1.0)
    initial = {k: v.astype(np.int64).copy() for k, v in analog.store.wear().items()}

    def drive(levels):  # loss = -levels * step * w: W += levels steps
        out = analog(torch.ones(1, 1))
        (out * (-levels * step)).sum().backward()
        opt.step()
        return {k: (v.astype(np.int64) - initial[k])[:, 0, 0].tolist()
                for k, v in analog.store.wear().items()}

    hand = [(3.5, [3, 0], [0, 0], 3), (-5, [3, 4], [0, 0], -1), (13, [15, 4], [0, 0], 11),
            (1, [17, 4], [1, 1], 12)]
    for levels, sets, resets, weight in hand:
        w = drive(levels)
        assert (w["set_pulses"], w["reset_pulses"], w["write_erase_cycles"]) == (sets, resets, resets)
        assert analog.weight.item() / step == pytest.approx(weight, abs=1e-5)


def _train_step(model, x, y, opt):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _forward_and_a_training_step(model) -> int:
    """An ImageNet network on two small random images (their own seed): logits of 1,000
    classes, then one training step with a finite loss; returns the weights it programmed."""
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([3, 7])
    with torch.no_grad():
        assert model.eval()(x).shape == (2, 1000)
    model.train()
    opt = AnalogSGD(model, lr=0.01)
    assert np.isfinite(_train_step(model, x, y, opt))
    return opt.programmed


def _converted_on_pcm_multilevel(factory, layers):
    """``factory()`` (seeded) converted on pcm_multilevel: (model, its analog modules), after
    checking that each of its ``layers`` Linear / Conv2d modules became one analog module."""
    torch.manual_seed(0)
    model = factory()
    weighted = sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())
    model = convert(model, load_arch(ML), seed=0)
    analog = analog_modules(model)
    assert len(analog) == weighted == layers
    assert not any(type(m) in (nn.Conv2d, nn.Linear) for m in model.modules())
    return model, analog


def test_convert_runs_torchvisions_resnet18_forward_and_a_training_step():
    from torchvision_models import resnet18
    model, analog = _converted_on_pcm_multilevel(resnet18, 21)
    assert analog[0].name == "conv1" and analog[-1].name == "fc"
    assert "layer2.0.downsample.0" in {m.name for m in analog}
    # pinned: deterministic for the seeds (the same on 1 and 2 numba threads, 1 and 2 torch
    # threads), so a change that moves the forward, backward or update moves it
    assert _forward_and_a_training_step(model) == 171


def test_convert_runs_torchvisions_mobilenet_v2_forward_and_a_training_step():
    """Depthwise convolutions get one block per group (7,136 blocks in all), sharing one BLAS
    guard (a guard each made convert take 17 s, now 3.5). torchvision initialises them at 1 /
    sqrt(channels) of the He std, so each gets a device range of its own (``device_range``): on
    the He range every depthwise weight read as 0 and the features were all zero."""
    from torchvision_models import mobilenet_v2
    model, analog = _converted_on_pcm_multilevel(mobilenet_v2, 53)
    depthwise = [m for m in analog if isinstance(m, AnalogConv2d) and m.groups > 1]
    assert len(depthwise) == 17 and depthwise[-1].groups == 960
    for m in depthwise:  # every group reads weights, not zeros
        w = m.store.effective_weights()
        assert np.count_nonzero(np.abs(w).max(axis=0)) == w.shape[1]
        assert len({id(block._blas) for block in m.store.blocks}) == 1
    assert sum(m.layer.weight_count for m in analog) == sum(
        p.numel() for n, p in mobilenet_v2().named_parameters() if n.endswith("weight") and p.dim() > 1)
    assert _forward_and_a_training_step(model) == 964  # pinned as ResNet-18's


def test_resnet32_converts_and_trains_end_to_end_on_digit_sized_inputs():
    torch.manual_seed(0)
    model = convert(resnet32(classes=10, in_channels=1, width=0.25), load_arch(HIC), seed=1)
    analog = analog_modules(model)
    assert len(analog) == 34  # 31 convolutions + 2 shortcut convolutions + fc
    assert analog[1].name == "layer1.0.conv1" and analog[-1].name == "fc"
    opt = AnalogSGD(model, lr=0.1)
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(8, 1, 8, 8, generator=g), torch.randint(0, 10, (8,), generator=g)
    before = {m.name: m.store.state.set_pulses.sum() for m in analog}
    losses = [_train_step(model, x, y, opt) for _ in range(3)]
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    assert sum(int(m.store.state.set_pulses.sum() - before[m.name]) for m in analog) > 0


def test_convert_is_deterministic_for_a_seed():
    arch = load_arch(HIC)
    outs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = convert(resnet32(classes=4, in_channels=1, width=0.25), arch, seed=2).eval()
        with torch.no_grad():
            outs.append(model(torch.ones(2, 1, 8, 8)).numpy())
    np.testing.assert_array_equal(*outs)


def test_convert_refuses_what_a_crossbar_cannot_hold():
    with pytest.raises(ValueError, match="dilation"):
        convert(nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2)), load_arch(HIC))
    with pytest.raises(ValueError, match="no nn.Linear or nn.Conv2d"):
        convert(nn.Sequential(nn.ReLU()), load_arch(HIC))
    with pytest.raises(ValueError, match="rule must be one of"):
        convert(nn.Linear(2, 2), load_arch(HIC), rule="adam")
    with pytest.raises(ValueError, match="accumulator"):
        convert(nn.Linear(2, 2), load_arch(ML, {"tile.accumulator": None}), rule="hic")


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1), (2, 4, 7, 7)),
    (lambda: nn.Conv2d(4, 8, 3, padding=1, groups=2, bias=False), (2, 4, 5, 5)),
    (lambda: nn.Conv2d(6, 6, 3, padding=1, groups=6), (3, 6, 4, 4)),  # depthwise
    (lambda: nn.Linear(5, 3), (4, 2, 5)),
])
def test_fp32_conversion_computes_what_torch_computes(make, shape):
    """On the fp32 store the analog modules are exact products: forward, input gradient and the
    weight step equal torch's own layer (float32 rounding), grouped convolutions included."""
    torch.manual_seed(0)
    reference = make()
    analog = convert(copy.deepcopy(reference), None, rule="fp32")
    analog_weights = reference.weight.detach().clone()
    x = torch.rand(*shape, generator=torch.Generator().manual_seed(1))
    xa, xr = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ya, yr = analog(xa), reference(xr)
    probe = torch.rand(*yr.shape, generator=torch.Generator().manual_seed(2))
    (ya * probe).sum().backward()
    (yr * probe).sum().backward()
    np.testing.assert_allclose(ya.detach().numpy(), yr.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xa.grad.numpy(), xr.grad.numpy(), rtol=1e-5, atol=1e-6)
    AnalogSGD(analog, lr=0.5).step()
    expected = analog_weights - 0.5 * reference.weight.grad
    np.testing.assert_allclose(analog.weight.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_grouped_convolution_on_devices_keeps_state_wear_and_reprograms():
    from hicsim.train.stores import input_width, programmed_copy, store_state
    arch = load_arch(HIC)
    torch.manual_seed(0)
    source = nn.Conv2d(4, 6, 3, padding=1, groups=2, bias=False)
    a = convert(copy.deepcopy(source), arch, seed=5)
    b = convert(copy.deepcopy(source), arch, seed=5)
    assert a.store.groups == 2 and a.store.shape == (18, 6) and input_width(a.store) == 36
    read = convert(copy.deepcopy(source), arch, seed=5)  # the same steps, input gradient read
    x = torch.rand(2, 4, 5, 5)
    for model, x_in in ((a, x), (read, x.clone().requires_grad_(True))):
        opt = AnalogSGD(model, lr=0.2, momentum=0.5)
        for _ in range(2):
            model(x_in).square().sum().backward()
            opt.step()
    # per step and group: a forward, a transposed read (made or skipped), two update keys
    calls = [[blk._calls for blk in m.store.blocks] for m in (a, read)]
    assert calls == [[8, 8], [8, 8]]
    for k, v in store_state(read.store).items():  # a's groups skipped their reads: same state
        np.testing.assert_array_equal(store_state(a.store)[k], v, err_msg=k)
    wear = a.store.wear()
    devices = a.store.layout.devices
    assert all(v.shape == (devices, 18, 6) for v in wear.values())
    assert np.array_equal(wear["set_pulses"][:, :, 3:], a.store.blocks[1].wear()["set_pulses"])
    b.layer.load_state(a.layer.state())  # a resume restores every group's devices
    with torch.no_grad():
        np.testing.assert_array_equal(a.eval()(x).numpy(), b.eval()(x).numpy())
    fresh = programmed_copy(arch, a.store, seed=1)  # the drift study's inference copy
    assert fresh.groups == 2 and fresh.shape == a.store.shape
    np.testing.assert_allclose(fresh.effective_weights(), a.store.effective_weights(),
                               atol=0.2 * np.abs(a.store.effective_weights()).max())


def test_device_range_is_he_unless_a_layer_spreads_far_less_or_exceeds_it():
    """W_MAX_STDS (4) He std of the fan-in (9 inputs: 4 x sqrt(2/9) = 1.886); max |w| where that
    is larger; 4 of the weights' own std where it is below a quarter of the He std (and not 0)."""
    he = 4 * math.sqrt(2 / 9)
    rng = np.random.default_rng(0)
    default = rng.uniform(-1 / 3, 1 / 3, (9, 64))  # PyTorch's default: 0.41 He std
    tiny = rng.normal(0, 0.015, (9, 960))  # torchvision's depthwise fan-out: 0.03 He std
    large = np.full((9, 2), -2.5)
    assert device_range(default) == pytest.approx(he, rel=1e-15)
    assert device_range(tiny) == pytest.approx(max(4 * np.std(tiny), np.abs(tiny).max()),
                                               rel=1e-15)
    assert 0.059 < device_range(tiny) < 0.061
    assert device_range(large) == 2.5
    assert device_range(np.zeros((9, 3))) == pytest.approx(he, rel=1e-15)


@pytest.mark.parametrize("share,expected_in_he_std", [(0.24, 4 * 0.24), (0.26, 4.0)])
def test_device_range_either_side_of_the_narrow_threshold(share, expected_in_he_std):
    """A quarter of the He std is the threshold (``device_range``'s docstring): weights spread
    0.24 He std get 4 of their own std (0.96 He std), 0.26 the He range (4 He std), a 4.2x jump.
    The weights are +-s in equal numbers (std exactly s, max |w| = s, below either range)."""
    rows = 144  # a 3 x 3 convolution of 16 channels
    he = math.sqrt(2 / rows)
    w = share * he * np.resize([1.0, -1.0], (rows, 32))
    assert np.std(w) == pytest.approx(share * he, rel=1e-14)
    assert device_range(w) == pytest.approx(expected_in_he_std * he, rel=1e-14)
