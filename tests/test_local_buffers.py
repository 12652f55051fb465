"""Enforced local-buffer capacity: a tile's share of the inputs its MVMs need at once (the working
set) that does not fit spills to the global buffer; the DACs read it from there over the link at
every use and the tile stalls for it; in training, so do the backward pass's errors and the
gradient units' inputs. Counts by hand on hic_pcm (one copy of each layer)."""

import math

from hicsim import simulate
from hicsim.engine.chip import mesh_hops
from hicsim.engine.local_buffers import (error_working_set_fraction, spill_fractions,
                                         working_set_fraction)
from hicsim.hardware.model import build_hardware
from hicsim.spec import load_arch
from hicsim.workload import Workload
from hicsim.workload.rates import RatesFile, with_rates
from conftest import ROOT
from test_training_engine import RATES

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
    # the errors of the output rows whose windows cover one input row: 3 at stride 1, 2 at 2
    assert error_working_set_fraction(conv, 3136) == 3 / 56
    strided = conv.model_copy(update={"stride": 2})
    assert strided.output_hw[0] == 28 and error_working_set_fraction(strided, 784) == 2 / 28
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


def two_fc_training():
    rates = RatesFile(version=1, source="by hand (test)", batch=1, per_weight=RATES)
    return with_rates(Workload.model_validate({
        "version": 1, "name": "two_fc", "batch": 1, "input_bits": 8, "weight_bits": 8,
        "layers": [{"name": "fc1", "op": "linear", "in_features": 64, "out_features": 256},
                   {"name": "fc2", "op": "linear", "in_features": 256, "out_features": 256}]}),
        rates)


def fc2_counts(r):
    a = r.actions[r.actions.layer == "fc2"]
    return {(str(p), str(c), str(x)): n
            for (p, c, x), n in a.groupby(["phase", "component", "action"])["count"].sum().items()}


def test_training_spills_the_backward_errors_and_the_gradient_inputs_by_hand():
    """fc2 (256 -> 256, 8-bit errors) on 11 crossbars (1 row x 11 column partitions), tile1 5 and
    tile2 6; a 128 B local buffer.
    Backward: its transposed read needs one MVM's 256 B of errors, each crossbar its columns':
    tile1 256 x 5/11 = 116.4 B fits, tile2 139.6 B spills 1/12 of its share of the 2,560 B the
    DACs read: 2,560 x 6/11 / 12 = 116.4 B come from the global buffer over link2 (117 B booked;
    tile2 stalls ceil(116.4 / 32) = 4 cycles), and tile2 keeps 11/12 of its 140 B of errors
    (129 B written, 245 in all, not 256).
    Gradient: the units read the kept 256 B input as the DACs did (each tile needs all of it,
    2,816 B) and the 256 B of errors sent (3,072 B from the local buffers when all fits). Both
    tiles spill half of their shares of the input reads, 640 + 768 = 1,408 B from the global
    buffer, and tile2 its 1/12 of its 256 x 6/11 B of errors, 11.6 B more (1,420 B booked; the
    units stall 20 and 25 cycles), which cross link2 again (12 B, 94 bits); half of the 2,816 B
    of inputs sent is not kept (1,408 B written), so the link carries as many input bytes.
    A buffer that holds everything (1 GiB) gives the 64 KiB run's counts and cycles exactly."""
    arch = lambda cap: load_arch(HIC, {"memory.local_buffer.capacity": cap,  # noqa: E731
                                       "mapping.replication": "none"})
    fits, large, small = (simulate(arch(c), two_fc_training()) for c in ("64 KiB", "1 GiB", "128 B"))
    assert (large.cycles, fc2_counts(large)) == (fits.cycles, fc2_counts(fits))
    before, after = fc2_counts(fits), fc2_counts(small)
    moved = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)
             if k[0] in ("backward", "gradient") and after.get(k, 0) != before.get(k, 0)}
    assert moved == {
        ("backward", "global_buffer", "read_bytes"): 117,
        ("backward", "local_buffer", "read_bytes"): -117,
        ("backward", "local_buffer", "write_bytes"): -11,
        ("backward", "interconnect", "transfer_bytes"): 117 - 11,
        # bits x hops from the mesh centre to tile2: ceil(116.4 x 8) more, ceil(128.3 x 8) kept
        # of 140 x 8 (931 - 93 = 838 bits)
        ("backward", "interconnect", "bit_hops"): 838 * mesh_hops(64)[2],
        ("gradient", "global_buffer", "read_bytes"): 1420,
        ("gradient", "local_buffer", "read_bytes"): -1420,
        ("gradient", "local_buffer", "write_bytes"): -1408,
        ("gradient", "interconnect", "transfer_bytes"): 12,
        ("gradient", "interconnect", "bit_hops"): 94 * mesh_hops(64)[2]}
    assert before[("gradient", "local_buffer", "read_bytes")] == 2816 + 256
    units = lambda r: r.units.set_index("unit").busy_cycles  # noqa: E731
    # tile1 and tile2 also stall 20 and 24 cycles in the forward pass (its inputs spill as above)
    assert {u: units(small)[u] - units(fits)[u] for u in ("tile1", "tile2", "gradient1",
                                                          "gradient2")} == {
        "tile1": 20, "tile2": 24 + 4, "gradient1": 20, "gradient2": 25}
    # fc1's errors follow fc2's gradient: 4 cycles behind the transposed read's stall, and 1 more
    # for the error bytes tile2's gradient unit now waits for (25 cycles against 24)
    assert small.cycles == fits.cycles + 4 + 1
