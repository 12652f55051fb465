"""Each device's mean conductance from a layer's weight distribution, for every representation
and sign scheme, against a direct encoding of the same weights onto ideal devices."""

from pathlib import Path

import numpy as np
import pytest

from hicsim.costs.weight_shares import device_shares
from hicsim.devices.encode import encode
from hicsim.devices.ideal import ideal_device_overrides
from hicsim.devices.layout import build_layout
from hicsim.hardware.kinds import technology_of
from hicsim.hardware.weights import weight_representation
from hicsim.spec import load_arch
from hicsim.workload.weight_stats import WeightStats, weight_stats

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
REPRESENTATIONS = {
    "hic": {"representation": "hic", "binary_devices": 4, "binary": "pcm_bin", "multilevel": "pcm_ml"},
    "multilevel": {"representation": "multilevel", "device": "pcm_ml"},
    "bit_sliced": {"representation": "bit_sliced", "device": "pcm_ml", "bits_per_cell": 2, "weight_bits": 8},
}


def encoded_shares(arch, weights):
    """Mean (g - g_low) / (g_high - g_low) of each device name's devices after programming
    ``weights`` onto fresh ideal devices (the largest |w| at the top of the range)."""
    ideal = load_arch(HIC, {"tile.weights": arch.tile.weights.model_dump(), **ideal_device_overrides(arch)})
    layout, ml, bp = build_layout(ideal, float(np.abs(weights).max()))
    g = encode(layout, ml, bp, weights, np.random.default_rng(0)).g
    names = weight_representation(ideal.tile.weights).device_names * layout.sides
    shares = {}
    for name in set(names):
        low, high = technology_of(name, ideal.devices[name]).conductance_range()
        rows = [d for d, n in enumerate(names) if n == name]
        shares[name] = float(((g[rows] - low) / (high - low)).mean())
    return shares


@pytest.mark.parametrize("sign", ["differential", "offset"])
@pytest.mark.parametrize("name", sorted(REPRESENTATIONS))
@pytest.mark.parametrize("spread", ["uniform", "normal", "sparse"])
def test_shares_equal_a_direct_encoding(name, sign, spread):
    arch = load_arch(HIC, {"tile.weights": {**REPRESENTATIONS[name], "sign": sign}})
    rng = np.random.default_rng(7)
    draw = {"uniform": lambda: rng.uniform(-1, 1, (48, 40)), "normal": lambda: rng.normal(0, 0.3, (48, 40)),
            "sparse": lambda: rng.normal(0, 0.3, (48, 40)) * (rng.random((48, 40)) < 0.2)}[spread]()
    # weights on the statistics' codes (multiples of max|w| / 1024, max|w| = 1 so that the
    # encoding's binary boundaries fall on the same codes without rounding), so the histogram is exact
    weights = np.rint(draw / np.abs(draw).max() * 1024) / 1024
    direct = encoded_shares(arch, weights)
    shares = device_shares(arch, weight_stats(weights))
    assert shares.keys() == direct.keys()
    for device, share in shares.items():
        # the device state holds float32 conductances
        assert share == pytest.approx(direct[device], rel=1e-6, abs=1e-9), device


def test_shares_follow_the_distribution_as_the_encoding_says():
    # all weights at +max|w|: a differential HIC pair holds the top magnitude (2^4 units) on one
    # side as binary code 15 and a full multi-level cell -> mean share 0.5 over the pair for each
    arch = load_arch(HIC)
    top = WeightStats(resolution=4, histogram=[0] * 8 + [10])
    assert device_shares(arch, top) == {"pcm_bin": 0.5, "pcm_ml": 0.5}
    # zero weights: every device at its low state (differential), an offset scheme holds w_max
    zero = WeightStats(resolution=4, histogram=[0] * 4 + [3] + [0] * 4)
    assert device_shares(arch, zero) == {"pcm_bin": 0.0, "pcm_ml": 0.0}
    offset = load_arch(HIC, {"tile.weights.sign": "offset"})
    # 2^4 / 2 = 8 units: binary code 8 (only the top bit of four set), remainder 0
    assert device_shares(offset, zero) == {"pcm_bin": 0.25, "pcm_ml": 0.0}


def test_statistics_record_codes_of_w_over_max_w():
    s = weight_stats(np.array([[0.5, -1.0], [0.25, 0.0]]), resolution=4)
    assert s.histogram == [1, 0, 0, 0, 1, 1, 1, 0, 0]
    assert s.mean_magnitude == pytest.approx((0.5 + 1 + 0.25) / 4, rel=1e-15)
    assert weight_stats(np.zeros(5), resolution=2).histogram == [0, 0, 5, 0, 0]


def test_a_layers_reads_cost_the_encoded_conductance(small_net):
    from hicsim import simulate
    arch = load_arch(HIC)  # differential HIC: 0.2 V, 50 ns reads
    # on the statistics' codes with max|w| = 1, as above, so the histogram is exact (drawn at
    # 0.25 and clipped at 1, max|w| was 0.9375 and the codes moved the mean read energy by 0.23 %)
    drawn = np.random.default_rng(1).normal(0, 0.25, (64, 32))
    weights = np.rint(drawn / np.abs(drawn).max() * 1024) / 1024
    stats = weight_stats(weights)
    net = small_net.model_copy(update={"layers": [
        l.model_copy(update={"weight_stats": stats}) if l.name == "conv2" else l for l in small_net.layers]})
    r = simulate(arch, net)
    direct = encoded_shares(arch, weights)
    for device in ("pcm_ml", "pcm_bin"):
        low, high = technology_of(device, arch.devices[device]).conductance_range()
        want = 0.2 ** 2 * (low + (high - low) * direct[device]) * 50e-9
        rows = r.actions.query("layer == 'conv2' and component == @device and action == 'read'")
        assert sorted(set(rows["energy_per_action_J"])) == [pytest.approx(want, rel=1e-6)]
        assert r.summary["cost_sources"][f"{device}.read@conv2"] == \
            "model: V^2 G t, G from the layer's weight distribution through the encoding"
    # a read energy the spec gives overrides the distribution
    given = simulate(load_arch(HIC, {"devices.pcm_ml.read_energy": "33 fJ"}), net)
    rows = given.actions.query("layer == 'conv2' and component == 'pcm_ml' and action == 'read'")
    assert sorted(set(rows["energy_per_action_J"])) == [pytest.approx(33e-15)]
