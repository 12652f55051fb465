"""The unit registry from its disk cache (hicsim.unit_registry): the same registry as one parsed
from the text, a cache filled once and then only read, and no error when the cache is unusable."""

import pytest

from hicsim import units as u
from hicsim.unit_registry import build_registry

# one value of every dimension, in the units the shipped specs use
VALUES = ["100 ns", "2 cycle", "32 B/cycle", "51.2 GB/s", "8 Gbit/s", "4 pJ/bit", "1.8 pJ/B",
          "64 KiB", "25 uS", "0.2 fJ", "1 GHz", "0.01 mm^2", "16 mW", "0.2 V", "0.2 fF", "32 nm"]


def conversions(ureg) -> list:
    out = []
    for text in VALUES:
        q = ureg.Quantity(text)
        out.append((text, dict(q.dimensionality), q.to_base_units().magnitude))
    return out


@pytest.fixture
def parsed():
    return build_registry(u.pint, None)


def test_a_cached_registry_equals_one_parsed_from_the_text(tmp_path, parsed):
    first = build_registry(u.pint, tmp_path)   # fills the cache
    second = build_registry(u.pint, tmp_path)  # reads it
    for ureg in (first, second):  # before any parse (pint adds prefixed units as it meets them)
        assert set(ureg._units) == set(parsed._units)
        assert set(ureg._dimensions) == set(parsed._dimensions)
        assert ureg.default_system == parsed.default_system is None
    for ureg in (first, second):
        assert conversions(ureg) == conversions(parsed)
    assert dict(second.Quantity("1 bit").dimensionality) == {"[information]": 1}
    assert dict(second.Quantity("1 cycle").dimensionality) == {"[clock_cycle]": 1}


def test_the_cache_is_filled_once_then_only_read(tmp_path):
    build_registry(u.pint, tmp_path)
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("units-")  # no partial folder left
    files = {p.name: p.stat().st_mtime_ns for p in folders[0].iterdir()}
    assert "definitions.txt" in files and sum(n.endswith(".pickle") for n in files) == 2
    build_registry(u.pint, tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in folders[0].iterdir()} == files


def test_an_unusable_cache_falls_back_to_parsing(tmp_path, parsed):
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    assert conversions(build_registry(u.pint, blocked)) == conversions(parsed)
    build_registry(u.pint, tmp_path / "cache")
    for pickle in (tmp_path / "cache").glob("units-*/*.pickle"):
        pickle.write_bytes(b"truncated")
    assert conversions(build_registry(u.pint, tmp_path / "cache")) == conversions(parsed)
