"""Crossbar read energy from a layer's weight statistics (``stats.weight_fraction``): V^2 G t with
G the conductance the differential encoding gives at that share of the range."""

import pytest
import yaml

from hicsim import simulate
from hicsim.cli import main
from hicsim.costs import cost_table
from hicsim.spec import load_arch
from hicsim.workload.operand_stats import OperandStats
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
HIST = [0] * 255 + [1]  # every input code 255: every input bit set, so no read is skipped


def _with_weight_fraction(net, layer, fraction):
    stats = OperandStats(input_bits=8, signed=False, scale=1.0, input_density=1.0, histogram=HIST,
                         weight_fraction=fraction)
    return net.model_copy(update={"layers": [l.model_copy(update={"stats": stats})
                                             if l.name == layer else l for l in net.layers]})


def _reads(result, layer, device):
    rows = result.actions.query("layer == @layer and component == @device and action == 'read'")
    return rows["count"].sum(), sorted(set(rows["energy_per_action_J"])), rows["energy_J"].sum()


def test_read_energy_follows_the_layers_weight_fraction(hic, small_net):
    # hic_pcm: 0.2 V, 50 ns reads, differential pairs (one device idles at the low state).
    # weight_fraction 0.2 -> mean share 0.1 above the low state:
    #   pcm_ml  [0, 25 uS]:     G = 2.5 uS,                   E = 0.04 * 2.5e-6 * 50e-9  = 5 fJ
    #   pcm_bin [0.1, 25 uS]:   G = 0.1 + 24.9 * 0.1 = 2.59 uS, E = 0.04 * 2.59e-6 * 50e-9 = 5.18 fJ
    base = simulate(hic, small_net)
    data = simulate(hic, _with_weight_fraction(small_net, "conv2", 0.2))
    default = cost_table(hic)
    for device, joules in (("pcm_ml", 5e-15), ("pcm_bin", 5.18e-15)):
        count, per_read, total = _reads(data, "conv2", device)
        assert count == _reads(base, "conv2", device)[0] > 0
        assert per_read == [pytest.approx(joules, rel=1e-12, abs=0)]
        assert total == pytest.approx(count * joules, rel=1e-12, abs=0)
        # every other layer keeps the stated default (pcm_ml 12.5 fJ at share 0.5)
        assert _reads(data, "conv1", device)[1] == [default[(device, "read")]]
        assert data.summary["cost_sources"][f"{device}.read@conv2"] == \
            "model: V^2 G t, G from the layer's weight statistics"
        assert f"{device}.read@conv1" not in data.summary["cost_sources"]
    assert default[("pcm_ml", "read")] == pytest.approx(12.5e-15, rel=1e-12, abs=0)
    saved = sum(_reads(base, "conv2", d)[2] - _reads(data, "conv2", d)[2] for d in ("pcm_ml", "pcm_bin"))
    assert data.energy_J == pytest.approx(base.energy_J - saved, rel=1e-12, abs=0)


def test_without_weight_statistics_reads_cost_the_default(hic, small_net):
    base = simulate(hic, small_net)
    stats_only = simulate(hic, _with_weight_fraction(small_net, "conv2", None))
    assert stats_only.energy_J == base.energy_J
    assert not any("@" in key for key in base.summary["cost_sources"])


def test_an_explicit_read_energy_overrides_the_statistics(small_net):
    arch = load_arch(HIC, {"devices.pcm_ml.read_energy": "33 fJ"})
    r = simulate(arch, _with_weight_fraction(small_net, "conv2", 0.2))
    assert _reads(r, "conv2", "pcm_ml")[1] == [pytest.approx(33e-15, rel=1e-12, abs=0)]
    assert "pcm_ml.read@conv2" not in r.summary["cost_sources"]
    assert r.summary["cost_sources"]["pcm_bin.read@conv2"].startswith("model")


@pytest.mark.parametrize("stats,key,message", [
    ({"weight_fraction": 1.5}, "weight_fraction", "less than or equal to 1"),
    ({"weight_fraction": -0.1}, "weight_fraction", "greater than or equal to 0"),
    ({"weight_fraktion": 0.5}, "weight_fraktion", "unknown key"),
])
def test_bad_weight_statistics_are_refused_with_file_and_key(tmp_path, small_net, capsys,
                                                             stats, key, message):
    data = _with_weight_fraction(small_net, "conv2", None).model_dump(mode="json", exclude_none=True)
    index = next(i for i, l in enumerate(data["layers"]) if l["name"] == "conv2")
    data["layers"][index]["stats"].update(stats)
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["run", str(HIC), str(path)]) == 2
    err = capsys.readouterr().err
    assert "net.yaml" in err and f"stats.{key}" in err and message in err
    assert "Traceback" not in err
