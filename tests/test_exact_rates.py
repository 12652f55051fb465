"""Rates and clocks are exact rationals inside the engine: an exact transfer takes exactly its
cycles (256 B at 256 B/cycle is 1 cycle, not 2; 2,048 B over a 32 B/cycle link is 64, not 65),
and DRAM's bandwidth is per channel, as many channels as the spec lists."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from hicsim import simulate, units
from hicsim.engine.timing import Timing
from hicsim.hardware.model import build_hardware
from hicsim.spec import load_arch
from hicsim.units import exact, per_cycle
from hicsim.workload import Workload
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
FC = Workload.model_validate({
    "version": 1, "name": "fc", "batch": 1, "input_bits": 8, "weight_bits": 8,
    "layers": [{"name": "fc", "op": "linear", "in_features": 256, "out_features": 256}]})


def test_rates_are_the_rationals_the_spec_wrote():
    hw = build_hardware(load_arch(HIC))
    assert hw.level("local_buffer").bytes_per_cycle == 64  # 64 B/cycle
    assert hw.level("global_buffer").bytes_per_cycle == 256  # 256 B/cycle, was 255.99999999999997
    assert hw.network.link_bytes_per_cycle == 32  # 32 B/cycle, was 31.999999999999996
    assert hw.level("dram").bytes_per_cycle == Fraction(128, 5)  # 25.6 GB/s at 1 GHz
    assert hw.periphery.conversion_cycles == 1  # 8 bits at a rated 8 bits and 1 GS/s: 1 ns
    assert per_cycle(51.2e9, 1.2e9) == Fraction(128, 3)  # 51.2 GB/s at 1.2 GHz
    assert exact(1 / 3) == Fraction(1, 3) and exact(0.1) == Fraction(1, 10)
    assert exact(2 ** -40) == Fraction(1, 2 ** 40)  # far from any simple fraction: kept as is


def test_exact_transfers_take_exactly_their_cycles():
    hw = build_hardware(load_arch(HIC))
    timing = Timing(hw)
    assert timing.transfer_op(hw.level("global_buffer"), 256) == 1
    assert timing.bytes_op(2048, hw.network.link_bytes_per_cycle) == 64
    assert timing.transfer_op(hw.level("dram"), 256) == 10  # 256 B / 25.6 B per cycle
    assert timing.transfer_op(hw.level("dram"), 257) == 11
    two = build_hardware(load_arch(HIC, {"memory.dram.channels": 2}))
    assert Timing(two).transfer_op(two.level("dram"), 256) == 5  # 128 B on each channel


def test_one_fc_layer_by_hand():
    """One 256 x 256 fc layer, batch 1, on hic_pcm without replication: 11 crossbars (25 weights
    of 10 columns each per crossbar), 8 in tile 0 (8 hops from the mesh centre), 3 in tile 1."""
    r = simulate(HIC, FC, {"mapping.replication": "none"})
    dram_in = 256 * 5 // 128 + 100  # 256 B at 25.6 B/cycle, then the read latency
    buffer = 256 // 256  # the input into the global buffer, then out of it
    link_in = 256 * 11 * 8 // 11 // 32 + 8 * 2  # 8/11 of 11 x 256 B to tile 0: 2,048 B, 8 hops
    # tile 0's 2,048 rows: a slice's bits take 2048 / 8 / 64 = 4 cycles to fetch from the local
    # buffer, then 8 one-bit slices of a 100-cycle read, conversions (8 x 1 cycle) hidden
    mvm = 4 + 8 * 100 + 8
    link_out = math.ceil(Fraction(256 * 8, 11) / 32) + 8 * 2  # 186.2 B from tile 0, 8 hops
    dram_out = 256 * 5 // 128  # the network output, posted to DRAM
    assert (dram_in, buffer, link_in, mvm, link_out, dram_out) == (110, 1, 80, 812, 22, 10)
    assert r.cycles == dram_in + 2 * buffer + link_in + mvm + link_out + dram_out == 1036
    starts = r.traffic.set_index(["level", "direction", "layer"])["cycle"]
    assert starts[("global_buffer", "write", "input")] == 110
    assert starts[("global_buffer", "read", "fc")] == 111
    assert starts[("dram", "write", "fc")] == 1026
    busy = r.units.set_index("unit")["busy_cycles"]
    assert (busy["global_buffer"], busy["link0"], busy["dram0"]) == (2, 64 + 6, 10 + 10)


def test_dram_bandwidth_is_per_channel():
    """Two channels halve each transfer: the same layer takes 5 + 5 fewer cycles."""
    one = simulate(HIC, FC, {"mapping.replication": "none"})
    two = simulate(HIC, FC, {"mapping.replication": "none", "memory.dram.channels": 2})
    assert one.cycles - two.cycles == 10
    assert two.cycles == 1026
    assert two.units.set_index("unit")["busy_cycles"][["dram0", "dram1"]].tolist() == [10, 10]


@pytest.mark.parametrize("text, clock, cycles", [("256 B/cycle", 1e9, 256), ("32 B/cycle", 1e9, 32),
                                                 ("64 B/cycle", 1.2e9, 64)])
def test_values_in_cycles_convert_exactly(text, clock, cycles):
    assert per_cycle(units.parse(text, units.BANDWIDTH, clock), clock) == cycles
