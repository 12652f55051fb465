"""The memo of parsed unit values (hicsim.unit_memo): a value read from it is the float pint gave
for the same text, dimension and clock; errors are pint's and never memoised; another pint,
other definitions or another conversion code start another memo; an unreadable memo is ignored."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from hicsim import unit_memo, units
from hicsim.spec import load_arch

SPECS = sorted((Path(__file__).resolve().parents[1] / "arch_specs").glob("*.yaml"))


@pytest.fixture
def memo_file(tmp_path, monkeypatch):
    """units.parse with a memo in tmp_path: ``fresh()`` gives the process a memo reloaded from
    the file (as a new process would), after saving the current one."""
    path = tmp_path / "parsed.json"
    current = {"memo": unit_memo.UnitMemo(path)}
    monkeypatch.setattr(units, "memo", lambda: current["memo"])

    def fresh():
        current["memo"].save()
        current["memo"] = unit_memo.UnitMemo(path)
        return current["memo"]

    return SimpleNamespace(path=path, fresh=fresh)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_a_spec_loaded_from_the_memo_equals_one_parsed_by_pint(memo_file, spec):
    by_pint = load_arch(spec)
    memo = memo_file.fresh()
    assert memo.values  # every dimensioned value of the spec, from pint
    hits = {}
    real_get = memo.get
    memo.get = lambda key: hits.setdefault(key, real_get(key))
    assert load_arch(spec).model_dump() == by_pint.model_dump()
    assert hits and all(v is not None for v in hits.values())  # all read from the memo


def test_a_memoised_value_is_the_float_pint_gave(memo_file):
    cases = [("100 ns", units.TIME, None), ("2 cycle", units.TIME, 1.2e9),
             ("32 B/cycle", units.BANDWIDTH, 1e9), ("0.1 pJ/bit", units.ENERGY_PER_BYTE, None),
             ("25.6 GB/s", units.BANDWIDTH, 1e9), ("64 KiB", units.BYTES, None)]
    first = [units.parse(text, dim, clock) for text, dim, clock in cases]
    memo_file.fresh()
    assert [units.parse(text, dim, clock) for text, dim, clock in cases] == first
    assert first[1] == pytest.approx(2 / 1.2e9, rel=1e-15, abs=0)
    # the clock is part of the key of values in cycles, and only of those
    assert units.parse("2 cycle", units.TIME, 1e9) == pytest.approx(2e-9, rel=1e-15, abs=0)
    keys = set(memo_file.fresh().values)
    assert ("100 ns", "time", None) in keys and ("2 cycle", "time", 1.2e9) in keys


def test_errors_are_pints_and_are_not_memoised(memo_file):
    for _ in range(2):
        with pytest.raises(units.UnitError, match="wrong dimension"):
            units.parse("2 pJ", units.TIME)
        with pytest.raises(units.UnitError, match="cannot read"):
            units.parse("2 furlongs/zz", units.TIME)
        memo_file.fresh()
    assert not memo_file.path.exists() or json.loads(memo_file.path.read_text()) == []


def test_an_unreadable_memo_is_ignored(tmp_path):
    path = tmp_path / "parsed.json"
    for text in ("{not json", '[["1 ns", "time", null]]', '[["1 ns", "time", null, "x"]]'):
        path.write_text(text)
        assert unit_memo.UnitMemo(path).values == {}


def test_the_memo_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(unit_memo, "MAX_ENTRIES", 2)
    memo = unit_memo.UnitMemo(tmp_path / "parsed.json")
    for i in range(3):
        memo.add((f"{i} ns", "time", None), i * 1e-9)
    assert len(memo.values) == 2


def test_the_memo_file_names_pints_version_the_definitions_and_the_conversion(tmp_path, monkeypatch):
    base = unit_memo.memo_path(tmp_path)
    assert base.parent == tmp_path and base.name.startswith("parsed-")
    assert unit_memo.memo_path(tmp_path) == base
    with monkeypatch.context() as m:
        m.setattr(unit_memo, "definitions_text", lambda package: "other definitions")
        assert unit_memo.memo_path(tmp_path) != base
    with monkeypatch.context() as m:
        m.setattr(unit_memo.sys, "version", "another python")
        assert unit_memo.memo_path(tmp_path) != base
    with monkeypatch.context() as m:  # another conversion in hicsim/units.py
        (tmp_path / "units.py").write_text("changed")
        m.setattr(unit_memo, "__file__", str(tmp_path / "unit_memo.py"))
        assert unit_memo.memo_path(tmp_path) != base
    with monkeypatch.context() as m:  # another pint: another dist-info folder name
        real = unit_memo.os.listdir
        m.setattr(unit_memo.os, "listdir",
                  lambda d: [n.replace("pint-", "pint-9.") if n.lower().startswith("pint-") else n
                             for n in real(d)])
        assert unit_memo.memo_path(tmp_path) != base
    with monkeypatch.context() as m:  # two pints side by side: no memo
        real = unit_memo.os.listdir
        m.setattr(unit_memo.os, "listdir", lambda d: real(d) + ["Pint-0.1.dist-info"])
        assert unit_memo.memo_path(tmp_path) is None
