"""Enforced local-buffer capacity: a tile's share of the inputs its MVMs need at once (the working
set) that does not fit spills to the global buffer; the DACs read it from there over the link at
every use and the tile stalls for it. Counts by hand on hic_pcm (one copy of each layer)."""

import math

from hicsim import simulate
from hicsim.engine.local_buffers import spill_fractions, working_set_fraction
from hicsim.hardware.model import build_hardware
from hicsim.spec import load_arch
from hicsim.workload import Workload
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
CONV = Workload.model_validate({"version": 1, "name": "conv", "batch": 1, "layers": [
    {"name": "conv", "op": "conv2d", "in_channels": 64, "out_channels": 64, "kernel": 3,
     "stride": 1, "padding": 1, "input_hw": [56, 56]}]})


def run(workload, capacity):
    # one copy, and each layer in one operation (chunk_rows null): the hand counts are of one
    # pass; with intra-layer pipelining each chunk rounds its tiles' shares to whole bytes
    return simulate(load_arch(HIC, {"memory.local_buffer.capacity": capacity,
                                    "mapping.replication": "none",
                                    "mapping.chunk_rows": None}), workload)


def bytes_of(r):
    return {f"{lv}.{d}": int(n) for (lv, d), n in
            r.traffic.groupby(["level", "direction"], observed=True)["bytes"].sum().items()}


def busy(r):
    tiles = r.units[(r.units.kind == "tile") & (r.units.busy_cycles > 0)]
    return dict(zip(tiles.unit, tiles.busy_cycles))


def test_working_set_and_spill_shares():
    conv = CONV.layers[0]
    assert working_set_fraction(conv, 3136) == 3 / 56  # three input rows under an output row
    fc = Workload.model_validate({"version": 1, "name": "fc", "layers": [
        {"name": "fc", "op": "linear", "in_features": 256, "out_features": 10}]}).layers[0]
    assert working_set_fraction(fc, 4) == 1 / 4  # one MVM's input vector
    assert spill_fractions({0: 10752, 1: 3584}, 5376) == {0: 0.5}


def test_a_conv_whose_window_does_not_fit_reads_half_of_it_from_the_global_buffer():
    """64 -> 64 channels, 3x3 on 56x56: 576 rows x 3 column partitions on 9 crossbars (tile0
    holds 8, tile1 1). The window under one output row is 3 rows x 56 x 64 channels = 10,752 B:
    tile0 needs all of it, tile1 a third of it (3,584 B: its one crossbar's rows). A 5,376 B
    buffer holds half of tile0's: half of tile0's DAC reads come from the global buffer. The DACs
    read 3,136 MVMs x 8 slices x 1,728 rows / 8 = 5,419,008 B, 8/9 of them on tile0: 2,408,448 B
    spill, and tile0 stalls for them on its 32 B/cycle link."""
    fits, small = run(CONV, "64 KiB"), run(CONV, "5376 B")
    before, after = bytes_of(fits), bytes_of(small)
    spilled = 3136 * 8 * 1728 // 8 * 8 // 9 // 2
    assert spilled == 2_408_448
    assert after["global_buffer.read"] - before["global_buffer.read"] == spilled
    assert before["local_buffer.read"] - after["local_buffer.read"] == spilled
    # inputs to the tiles: 56 x 56 x 64 B x 3 partitions, 8/9 to tile0 and 1/9 to tile1; tile0
    # now receives only the half it holds before the MVMs, and the spilled reads at use
    inputs = 56 * 56 * 64 * 3
    upfront = math.ceil(inputs * 8 / 9) + math.ceil(inputs / 9)
    held = math.ceil(inputs * 8 / 9 / 2) + math.ceil(inputs / 9)
    assert after["interconnect.transfer"] - before["interconnect.transfer"] == held + spilled - upfront
    assert before["local_buffer.write"] - after["local_buffer.write"] == upfront - held
    link = build_hardware(load_arch(HIC)).network.link_bytes_per_cycle
    assert busy(small)["tile0"] - busy(fits)["tile0"] == math.ceil(spilled / link)
    assert busy(small)["tile1"] == busy(fits)["tile1"]
    assert small.cycles > fits.cycles


def test_a_fully_connected_layer_spills_what_its_input_vector_overflows():
    """A 256 x 256 fc: its 256 B input vector feeds 11 crossbars (1 row partition x 11 column
    partitions; tile0 holds 8, tile1 3). Each tile needs the whole vector; a 128 B buffer holds
    half: half of the DAC reads (2,048 B on tile0, 768 B on tile1) come from the global buffer."""
    fits, small = run(ROOT / "tests" / "data" / "one_fc.yaml", "64 KiB"), run(
        ROOT / "tests" / "data" / "one_fc.yaml", "128 B")
    before, after = bytes_of(fits), bytes_of(small)
    assert after["global_buffer.read"] - before["global_buffer.read"] == 1024 + 384
    assert before["local_buffer.read"] - after["local_buffer.read"] == 1024 + 384
    assert before["local_buffer.write"] - after["local_buffer.write"] == 1024 + 384
    # without input reuse the spilled bytes cross the link once either way
    assert after["interconnect.transfer"] == before["interconnect.transfer"]
    link = build_hardware(load_arch(HIC)).network.link_bytes_per_cycle
    assert {t: busy(small)[t] - busy(fits)[t] for t in ("tile0", "tile1")} == {
        "tile0": math.ceil(1024 / link), "tile1": math.ceil(384 / link)}


def test_a_window_that_just_fits_changes_nothing():
    """The fc's 256 B input vector in a 256 B buffer: no spill, the counts of the 64 KiB run."""
    r = run(ROOT / "tests" / "data" / "one_fc.yaml", "256 B")
    assert bytes_of(r) == bytes_of(run(ROOT / "tests" / "data" / "one_fc.yaml", "64 KiB"))
    assert build_hardware(load_arch(HIC)).memory.local.capacity == 64 * 1024
