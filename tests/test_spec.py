"""Arch specs: shipped files load; every kind of bad input is one message naming file and key."""

import json
import subprocess
import sys

import pytest
import yaml

from conftest import ARCH_SPECS, ROOT
from hicsim.spec import InputError, arch_schema, load_arch, override_arch

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"


@pytest.mark.parametrize("path", ARCH_SPECS, ids=lambda p: p.name)
def test_shipped_specs_load_and_cite_sources(path):
    arch = load_arch(path)
    assert arch.version == 1 and arch.name == path.stem
    assert path.read_text().startswith("#") and "Sources" in path.read_text()[:2000]


def test_values_are_si(hic):
    assert hic.clock == 1e9
    assert hic.chip.interconnect.hop_latency == pytest.approx(2e-9)  # '2 cycle' at 1 GHz
    assert hic.chip.interconnect.link_bandwidth == pytest.approx(32e9)  # '32 B/cycle'
    assert hic.level("global_buffer").capacity == 4 * 2 ** 20
    assert hic.devices["pcm_ml"].g_max == pytest.approx(25e-6)
    assert hic.level("dram").energy == pytest.approx(20e-12 * 8)  # 20 pJ/bit in J/B


def test_cycle_values_follow_the_clock_when_overriding_the_file(hic):
    slow = load_arch(HIC, {"clock": "500 MHz"})
    assert slow.chip.interconnect.hop_latency == pytest.approx(4e-9)
    # A loaded spec holds seconds: overriding its clock keeps latencies in seconds.
    assert override_arch(hic, {"clock": "500 MHz"}).chip.interconnect.hop_latency == pytest.approx(2e-9)


def test_override_round_trips_exactly(hic):
    same = override_arch(hic, {})
    assert same == hic
    six = override_arch(hic, {"tile.adc.bits": 6})
    assert six.tile.adc.bits == 6 and six.tile.crossbar == hic.tile.crossbar


def write(tmp_path, data, name="spec.yaml"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return p


def hic_data():
    return yaml.safe_load(HIC.read_text())


def problems(exc):
    return dict(exc.value.problems)


def test_malformed_yaml_names_line(tmp_path):
    p = write(tmp_path, "version: 1\nchip: {tiles: 4\n")
    with pytest.raises(InputError, match="malformed YAML: line"):
        load_arch(p)


def test_unknown_key(tmp_path):
    d = hic_data()
    d["tile"]["adc"]["bitz"] = 6
    with pytest.raises(InputError) as exc:
        load_arch(write(tmp_path, d))
    assert problems(exc) == {"tile.adc.bitz": "unknown key (check its spelling)"}
    assert str(exc.value).startswith(str(tmp_path / "spec.yaml") + ": tile.adc.bitz:")


def test_wrong_dimension(tmp_path):
    d = hic_data()
    d["devices"]["pcm_ml"]["set_pulse"]["energy"] = "5 ns"
    with pytest.raises(InputError) as exc:
        load_arch(write(tmp_path, d))
    assert "wrong dimension: expected energy" in problems(exc)["devices.pcm_ml.set_pulse.energy"]


@pytest.mark.parametrize("path,value,where", [
    ("chip.tiles", 0, "chip.tiles"), ("chip.tiles", -3, "chip.tiles"),
    ("tile.crossbar.rows", 0, "tile.crossbar.rows"),
    ("memory.global_buffer.capacity", "0 B", "memory[1](global_buffer).capacity"),
    ("memory.dram.channel_bandwidth", "-1 GB/s", "memory[2](dram).channel_bandwidth")])
def test_zero_or_negative_sizes(tmp_path, path, value, where):
    """Memory levels are addressed by name in overrides; errors name the item and its index."""
    with pytest.raises(InputError) as exc:
        load_arch(HIC, {path: value})
    assert where in problems(exc)


def test_crossbar_too_small_for_one_weight():
    with pytest.raises(InputError, match="one weight needs 10 columns, the crossbar has 8"):
        load_arch(HIC, {"tile.crossbar.cols": 8, "tile.adc.columns_per_adc": 8})


def test_missing_key_and_missing_file(tmp_path):
    d = hic_data()
    del d["chip"]["interconnect"]
    with pytest.raises(InputError) as exc:
        load_arch(write(tmp_path, d))
    assert problems(exc) == {"chip.interconnect": "required key is missing"}
    with pytest.raises(InputError, match="no such file"):
        load_arch(tmp_path / "absent.yaml")


def test_dangling_device_reference_and_wrong_kind():
    with pytest.raises(InputError, match="no device named 'nope'"):
        load_arch(HIC, {"tile.weights.binary": "nope"})
    with pytest.raises(InputError, match="is pcm_multilevel, expected pcm_binary"):
        load_arch(HIC, {"tile.weights.binary": "pcm_ml"})


def test_adc_sharing_is_one_or_the_other():
    with pytest.raises(InputError, match="exactly one of columns_per_adc"):
        load_arch(HIC, {"tile.adc.count": 4})


def test_unknown_device_kind():
    with pytest.raises(InputError) as exc:
        load_arch(HIC, {"devices.pcm_ml.kind": "rram"})
    assert "devices.pcm_ml" in problems(exc)


def test_bad_override_path_syntax():
    from hicsim.spec.load import parse_override
    with pytest.raises(InputError, match="expected PATH=VALUE"):
        parse_override("tile.adc.bits")
    assert parse_override("tile.adc.bits=6") == ("tile.adc.bits", 6)
    assert parse_override("tile.crossbar.read_latency=50 ns") == ("tile.crossbar.read_latency", "50 ns")


def test_schema_is_json_and_describes_units():
    schema = arch_schema()
    text = json.dumps(schema)
    assert "additionalProperties" in text and "e.g. '100 ns'" in text


def cli(*args):
    return subprocess.run([sys.executable, "-m", "hicsim", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_cli_validate_and_bad_input_exit_2_without_traceback(tmp_path):
    ok = cli("validate", str(HIC))
    assert ok.returncode == 0 and "ok: hic_pcm" in ok.stdout
    bad = cli("validate", str(HIC), "--set", "tile.adc.bits=sixteen")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "tile.adc.bits" in bad.stderr and str(HIC) in bad.stderr
    schema = cli("schema")
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "Arch"


def test_overrides_never_edit_the_callers_values():
    """A section set by one override and refined by a later one under the same path: the result
    has both, and the caller's dict (and the section in it) is unchanged."""
    from hicsim.spec.load import apply_overrides
    section = {"bits": 8, "rounding": "nearest"}
    overrides = {"tile.accumulator": section, "tile.accumulator.bits": 4}
    out = apply_overrides({"tile": {}}, overrides, "x.yaml")
    assert out["tile"]["accumulator"] == {"bits": 4, "rounding": "nearest"}
    assert section == {"bits": 8, "rounding": "nearest"}
    assert overrides["tile.accumulator"] is section
