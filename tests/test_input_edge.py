"""The input edge: information as a dimension, strict YAML, files that are not files, sanity
ceilings in the schema. Each refusal names the file and the key path."""

from __future__ import annotations

import os

import pytest

from hicsim import units
from hicsim.spec import load_arch
from hicsim.spec.errors import InputError
from hicsim.spec.load import MAX_YAML_BYTES, read_yaml
from conftest import ROOT, error_path

SPEC = ROOT / "arch_specs" / "hic_pcm.yaml"


@pytest.mark.parametrize("text, dim", [
    ("25.6 GHz", units.BANDWIDTH),  # pint's dimensionless bit read this as 3.2 GB/s
    ("2 pJ", units.ENERGY_PER_BYTE),  # ... and this as 2 pJ per bit
    ("4 percent", units.BYTES),  # ... and this as 0.005 bytes
    ("1 Hz", units.BYTES),
])
def test_byte_valued_fields_need_information_in_their_unit(text, dim):
    with pytest.raises(units.UnitError, match="wrong dimension"):
        units.parse(text, dim)


@pytest.mark.parametrize("text, dim, expected", [
    ("25.6 Gbit/s", units.BANDWIDTH, 3.2e9),
    ("20 pJ/bit", units.ENERGY_PER_BYTE, 160e-12),
    ("64 KiB", units.BYTES, 65536.0),
    ("1 mm^2", units.AREA, 1e-6),
])
def test_information_units_convert(text, dim, expected):
    assert units.parse(text, dim) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text", ["10**10**10 B", "2**1000 B", "1 B**(99)", "1 B^99", "9" * 90 + " B"])
def test_values_that_would_make_pint_compute_for_hours_are_refused(text):
    with pytest.raises(units.UnitError):
        units.parse(text, units.BYTES)


def _spec_with(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_duplicate_keys_are_an_error(tmp_path):
    text = SPEC.read_text().replace("clock: 1 GHz", "clock: 1 GHz\nclock: 2 GHz")
    with pytest.raises(InputError, match=r"duplicate key 'clock' \(first given on line \d+\)"):
        load_arch(_spec_with(tmp_path, text))
    nested = _spec_with(tmp_path, "a: {b: 1, b: 2}\n")
    with pytest.raises(InputError, match="duplicate key 'b'"):
        read_yaml(nested)


def test_fifo_and_devices_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_yaml(fifo)  # would block forever if it were opened
    with pytest.raises(InputError, match="/dev/zero: is not a regular file"):
        read_yaml("/dev/zero")
    with pytest.raises(InputError, match="is a directory"):
        read_yaml(tmp_path)


def test_size_is_bounded_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(MAX_YAML_BYTES + 1)
    with pytest.raises(InputError, match=f"is {MAX_YAML_BYTES + 1:,} bytes, more than"):
        read_yaml(big)


def test_alias_bombs_are_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    with pytest.raises(InputError, match="expands to more than"):
        read_yaml(_spec_with(tmp_path, "\n".join(lines) + "\n"))


def test_binary_and_non_utf8_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_yaml(_spec_with_bytes(tmp_path, b"clock: \xff\xfe\n"))


def _spec_with_bytes(tmp_path, data: bytes):
    path = tmp_path / "bin.yaml"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("path, value, message", [
    ("clock", "0 Hz", "must be greater than zero"),
    ("clock", "1 PHz", "beyond the largest accepted frequency, 100 GHz"),
    ("chip.tiles", 100_000_000, "less than or equal to 65536"),
    ("tile.crossbar.rows", 10 ** 12, "less than or equal to 16384"),
    ("tile.crossbars", 10 ** 6, "less than or equal to 4096"),
    ("memory.global_buffer.capacity", "4 percent", "wrong dimension"),
    ("memory.global_buffer.capacity", "2 PiB", "beyond the largest accepted size, 1 TiB"),
    ("memory.dram.channel_bandwidth", "25.6 GHz", "wrong dimension"),
    ("memory.global_buffer.write_energy", "2.0 pJ", "wrong dimension"),
    ("tile.crossbar.read_latency", "1e30 s", "beyond the largest accepted time, 1 day"),
    ("devices.pcm_ml.levels", 10 ** 9, "less than or equal to 65536"),
    ("devices.pcm_ml.endurance", 1e300, "less than or equal to 100000000000000000000"),
])
def test_values_out_of_sane_bounds_name_their_key(path, value, message):
    with pytest.raises(InputError) as err:
        load_arch(SPEC, {path: value})
    where = error_path(path, read_yaml(SPEC))
    assert any(p == where and message in m for p, m in err.value.problems), err.value.problems
    assert str(err.value).startswith(str(SPEC))


def test_a_zero_clock_is_one_error_at_clock_not_a_crash():
    with pytest.raises(InputError) as err:
        load_arch(SPEC, {"clock": "0 Hz"})
    assert err.value.problems[0] == ("clock", "must be greater than zero, got '0 Hz'")


def test_shipped_specs_are_within_bounds():
    names = []
    for path in sorted((ROOT / "arch_specs").glob("*.yaml")):
        names.append(load_arch(path).name)  # the strict loader reads every shipped spec
    assert len(names) == len(set(names)) >= 4
