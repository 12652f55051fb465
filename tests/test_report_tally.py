"""A result's summary is summed from its rows without pandas (hicsim.report.tally): the sums are
exact or correctly rounded, groups keep their first order, and every figure equals the same sum
taken over the result's DataFrames."""

import math

import pytest

from hicsim import simulate
from hicsim.report.tally import descending, sums_by, total
from conftest import ROOT


def test_float_sums_are_correctly_rounded_and_integer_sums_exact():
    assert total([1e16, 1.0, -1e16]) == 1.0  # a running sum gives 0.0
    assert total([0.1] * 10) == 1.0           # a running sum gives 0.9999999999999999
    assert total([2 ** 62, 2 ** 62, 1]) == 2 ** 63 + 1 and isinstance(total([1, 2]), int)


def test_groups_in_first_order_and_largest_first_with_ties_in_order():
    rows = [("b", 2.0), ("a", 1.0), ("b", 1.0), ("c", 3.0), ("a", 2.0), ("d", 0.5)]
    sums = sums_by(rows, (0,), 1)
    assert list(sums.items()) == [(("b",), 3.0), (("a",), 3.0), (("c",), 3.0), (("d",), 0.5)]
    assert [k for k, _ in descending(sums)] == [("b",), ("a",), ("c",), ("d",)]
    assert sums_by(rows, (0,), 1, where=lambda r: r[1] > 1.5) == {("b",): 2.0, ("c",): 3.0, ("a",): 2.0}


@pytest.fixture(scope="module")
def result():
    return simulate(ROOT / "arch_specs" / "hic_pcm.yaml", ROOT / "workloads" / "resnet32_cifar10.yaml")


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def test_the_summary_equals_the_sums_over_the_dataframes(result):
    s, actions, traffic, units = result.summary, result.actions, result.traffic, result.units
    assert close(s["energy_J"], actions["energy_J"].sum())
    assert close(s["energy_static_J"], actions.loc[actions["phase"] == "static", "energy_J"].sum())
    by_component = actions.groupby("component")["energy_J"].sum()
    assert set(s["energy_by_component_J"]) == set(by_component.index)
    assert all(close(e, by_component[c]) for c, e in s["energy_by_component_J"].items())
    assert list(s["energy_by_component_J"].values()) == sorted(s["energy_by_component_J"].values(),
                                                                 reverse=True)
    by_category = actions.groupby("category")["energy_J"].sum()
    assert all(close(e, by_category[c]) for c, e in s["energy_by_category_J"].items())
    by_level = traffic.groupby(["level", "direction"])["bytes"].sum()
    assert s["bytes_by_level"] == {f"{lv}.{d}": int(b) for (lv, d), b in by_level.items()}
    assert list(s["bytes_by_level"])[0].startswith("local_buffer.")  # innermost level first
    pulses = actions[actions["action"].isin(["set_pulse", "reset_pulse"])]
    assert s["programming_pulses"] == {f"{c}.{a}": int(n) for (c, a), n in
                                       pulses.groupby(["component", "action"])["count"].sum().items()}
    assert s["busiest_unit_cycles"] == units["busy_cycles"].max()
    assert s["busiest_unit"] == units.loc[units["busy_cycles"].idxmax(), "unit"]


def test_the_tables_the_summary_sums_match_it(result):
    layer_energy = result.layers.set_index("layer")["energy_J"]
    by_layer = result.actions.groupby("layer")["energy_J"].sum()
    assert all(close(layer_energy[l], by_layer[l]) for l in layer_energy.index if l in by_layer)
    tbl = result.traffic_by_level()
    assert {f"{lv}.{d}": b for lv, d, b in tbl[["level", "direction", "bytes"]].itertuples(
        index=False, name=None)} == result.summary["bytes_by_level"]
    assert tbl["bandwidth_B_per_s"].tolist() == list(result.summary["bandwidth_B_per_s"].values())
