import pytest

from hicsim import units as u


@pytest.mark.parametrize("text,dim,clock,expected", [
    ("100 ns", u.TIME, None, 100e-9),
    ("2 cycle", u.TIME, 1e9, 2e-9),
    ("2 cycles", u.TIME, 500e6, 4e-9),
    ("32 B/cycle", u.BANDWIDTH, 1e9, 32e9),
    ("51.2 GB/s", u.BANDWIDTH, None, 51.2e9),
    ("8 Gbit/s", u.BANDWIDTH, None, 1e9),
    ("4 pJ/bit", u.ENERGY_PER_BYTE, None, 32e-12),
    ("1.8 pJ/B", u.ENERGY_PER_BYTE, None, 1.8e-12),
    ("64 KiB", u.BYTES, None, 65536),
    ("4 MiB", u.BYTES, None, 4 * 2 ** 20),
    ("25 uS", u.CONDUCTANCE, None, 25e-6),
    ("0.2 fJ", u.ENERGY, None, 0.2e-15),
    ("1 GHz", u.FREQUENCY, None, 1e9),
    ("0.01 mm^2", u.AREA, None, 1e-8),
    ("16 mW", u.POWER, None, 0.016),
])
def test_parse_to_si(text, dim, clock, expected):
    assert u.parse(text, dim, clock) == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.parametrize("value,dim,fragment", [
    ("5 ns", u.ENERGY, "wrong dimension: expected energy"),
    ("5", u.ENERGY, "has no unit"),
    (5, u.TIME, "has no unit"),
    ("5 foo", u.ENERGY, "cannot read"),
    (None, u.TIME, "expected time"),
    (True, u.TIME, "expected time"),
    ("3 cycle", u.TIME, "no clock"),
    ("3 cycle", u.ENERGY, "wrong dimension"),
    ("inf ns", u.TIME, "not finite"),
])
def test_parse_rejects(value, dim, fragment):
    with pytest.raises(u.UnitError, match=fragment):
        u.parse(value, dim)


def test_cycles_round_up_but_not_exact_multiples():
    assert u.to_cycles(100e-9, 1e9) == 100  # 100.00000000000001 must not become 101
    assert u.to_cycles(100.5e-9, 1e9) == 101
    assert u.to_cycles(0.0, 1e9) == 0
    assert u.to_seconds(250, 1e9) == pytest.approx(250e-9, rel=1e-12, abs=0)


def test_approx_in_these_tests_is_relative_only():
    # conftest drops pytest.approx's default absolute tolerance of 1e-12 (see there)
    assert 0.2e-15 != pytest.approx(1e-12) and 1.0000001e-15 == pytest.approx(1e-15)
    assert 1.02e-12 != pytest.approx(1e-12, rel=0.01) and 0.0 != pytest.approx(1e-15)
