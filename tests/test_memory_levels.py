"""The memory hierarchy is the spec's ordered list of levels: a level added in the spec (an L2
between the global buffer and DRAM) is counted, priced, leaks, takes area and shows in the report
with no code naming it."""

from __future__ import annotations

import math

import pytest
import yaml

from hicsim import simulate
from hicsim.costs import area_breakdown, costed_actions, static_power
from hicsim.report.text import summary_text
from hicsim.spec import load_arch
from hicsim.spec.errors import InputError
from hicsim.spec.load import read_yaml
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
L2 = {"name": "l2", "kind": "sram", "capacity": "1 MiB", "bandwidth": "16 GB/s",
      "read_energy": "1.0 pJ/B", "write_energy": "1.5 pJ/B", "leakage": "2 mW", "area": "0.5 mm^2"}


def spec_with(tmp_path, edit) -> str:
    data = read_yaml(HIC)
    edit(data)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def with_l2(data, global_buffer="1 B"):
    """An L2 between the global buffer and DRAM; a global buffer too small for any tensor, so
    every tensor it held goes to the L2."""
    data["memory"].insert(2, dict(L2))
    data["memory"][1]["capacity"] = global_buffer


def test_a_level_added_in_the_spec_is_counted_priced_and_reported(tmp_path, small_net):
    base = simulate(HIC, small_net)
    assert base.mode == "resident"
    arch = load_arch(spec_with(tmp_path, with_l2))
    r = simulate(arch, small_net)
    got, was = r.summary["bytes_by_level"], base.summary["bytes_by_level"]
    # counts: what the global buffer held now lives in the L2; DRAM and the tiles' buffers as before
    assert got["l2.read"] == was["global_buffer.read"] > 0
    assert got["l2.write"] == was["global_buffer.write"] > 0
    assert not any(key.startswith("global_buffer.") for key in got)
    for key in ("dram.read", "dram.write", "local_buffer.read", "local_buffer.write"):
        assert got[key] == was[key]
    # time: the L2's port is a unit of its own, busy ceil(bytes / 16) cycles per transfer
    l2 = r.traffic[r.traffic.level == "l2"]
    unit = r.units.set_index("unit").loc["l2"]
    assert unit["kind"] == "buffer_port"
    assert unit["busy_cycles"] == sum(math.ceil(n / 16) for n in l2["bytes"])
    # costs: the spec's energies per byte, its leakage and area on the chip's account
    costs = costed_actions(arch)
    assert costs[("l2", "read_bytes")] == (pytest.approx(1.0e-12), "spec")
    assert costs[("l2", "write_bytes")] == (pytest.approx(1.5e-12), "spec")
    rows = r.actions[(r.actions.component == "l2") & (r.actions.phase != "static")]
    assert set(rows.category) == {"memory"}
    assert rows.energy_J.sum() == pytest.approx(got["l2.read"] * 1.0e-12 + got["l2.write"] * 1.5e-12)
    assert static_power(arch)[0]["l2"] == pytest.approx(2e-3)
    assert area_breakdown(arch)[0]["l2"] == pytest.approx(0.5e-6)
    assert "dram" not in area_breakdown(arch)[0]  # off chip
    # report: traffic in hierarchy order, innermost first
    text = summary_text(r)
    order = [text.index(f"    {key}") for key in ("local_buffer.read", "l2.read", "dram.read",
                                                    "interconnect.transfer")]
    assert order == sorted(order)


def test_a_level_override_addresses_it_by_name(tmp_path):
    arch = load_arch(spec_with(tmp_path, with_l2), {"memory.l2.capacity": "2 MiB"})
    assert arch.level("l2").capacity == 2 * 2 ** 20


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["memory"].append(dict(L2)), "the last level (l2) must be off chip (kind: dram)"),
    (lambda d: d["memory"].insert(0, dict(L2)), "the first level (l2) must be the tiles' own buffer"),
    (lambda d: d["memory"].insert(1, {**L2, "per": "tile"}), "l2: only the first level is per tile"),
    (lambda d: d["memory"].insert(2, {**L2, "name": "global_buffer"}),
     "level names given more than once: global_buffer"),
    (lambda d: d["memory"].insert(2, {**L2, "name": "adc"}),
     "memory[2].name: 'adc' is already the name of a component or device"),
    (lambda d: d["tile"]["accumulator"].update(location="dram"),
     "tile.accumulator.location: 'dram' is not an on-chip memory level"),
    (lambda d: d["memory"].pop(1), "List should have at least 3 items"),
])
def test_hierarchy_shape_is_checked_at_the_edge(tmp_path, edit, message):
    with pytest.raises(InputError) as err:
        load_arch(spec_with(tmp_path, edit))
    assert message in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "spec.yaml"))
