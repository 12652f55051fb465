"""Intra-layer pipelining (``mapping.chunk_rows``): a hand-computed pipeline on a three-layer
chain, the row windows a chunk needs, and counts that do not depend on the chunking."""

import pytest
import simpy

from hicsim import simulate
from hicsim.engine.chunks import Chunks, split
from hicsim.engine.dataflow import Dataflow
from hicsim.engine.ledger import Ledger
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.spec import load_arch
from hicsim.workload import Workload
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"


def chain(batch=1) -> Workload:
    """Three 3 x 3 convolutions, 8 -> 8 channels, on a 6 x 1 feature map (padding 1)."""
    conv = {"op": "conv2d", "in_channels": 8, "out_channels": 8, "kernel": 3, "padding": 1,
            "input_hw": [6, 1]}
    return Workload.model_validate({"version": 1, "name": "chain", "batch": batch, "layers": [
        {"name": n, **conv} for n in ("a", "b", "c")]})


# One crossbar per tile, one tile per layer, transfers of one cycle (ports far faster than the
# bytes), no hop latency, no DRAM latency, every tensor through the global buffer: what is left
# is the MVMs and the order of events.
FAST = {"chip.tiles": 3, "tile.crossbars": 1, "mapping.replication": "none",
        "chip.interconnect.tile_to_tile": False,
        "memory.global_buffer.bandwidth": "1e15 B/s", "chip.interconnect.link_bandwidth": "1e15 B/s",
        "chip.interconnect.hop_latency": "0 ns", "memory.dram.channel_bandwidth": "1e15 B/s",
        "memory.dram.latency": "0 ns"}


def test_three_layer_chain_runs_the_hand_computed_pipeline():
    # An MVM of one layer: 72 rows x 8 outputs in one crossbar, 8 one-bit input slices of a
    # 100-cycle read; the first slice's 72 one-bit inputs (9 B) come out of the local buffer in
    # 1 cycle (64 B/cycle) before the first read, and 80 device columns on 32 ADCs (8 columns
    # each) convert in 3 cycles, hidden under the next read but the last (the flow line: stage
    # times once + (slices - 1) x the slowest): 2 MVMs (a chunk of 2 rows x 1 column) take
    # 1 + 2 x 8 x 100 + 3 = 1,604 cycles, the whole 6 rows 1 + 6 x 8 x 100 + 3 = 4,804.
    # Every transfer takes one cycle: a chunk is read (global buffer), sent to the tile (link),
    # computed, sent back (link) and written (global buffer, or DRAM for the last layer):
    # T = 1 + 1 + 1,604 + 1 + 1 = 1,608 cycles. The input arrives at cycle 2 (DRAM read, buffer
    # write).
    t0, T = 2, 1608
    whole = simulate(load_arch(HIC, FAST), chain())
    assert whole.cycles == t0 + 3 * (1 + 1 + 4804 + 1 + 1)  # layer after layer: 14,426

    # Chunks of 2 rows: chunk k of b (output rows 2k, 2k + 1) needs a's rows up to 2k + 2, held
    # by a's chunk k + 1 (its last chunk needs a's last). A chunk starts when its inputs exist
    # and its layer's previous chunk is done. When a producer's chunk wakes its consumer, the
    # producer's own next read reaches the global buffer port first: the consumer's read waits
    # one cycle (``+ 1``) when both ask at once.
    a = [t0 + (k + 1) * T for k in range(3)]
    b0 = a[1] + 1 + T  # a's chunk 2 reads at a[1] too
    b1 = max(a[2], b0) + T
    b2 = b1 + T
    c0 = b1 + 1 + T  # b's chunk 2 reads at b1 too
    c1 = max(b2, c0) + T
    c2 = c1 + T
    chunked = simulate(load_arch(HIC, {**FAST, "mapping.chunk_rows": 2}), chain())
    assert chunked.cycles == c2 == 11260
    spans = chunked.layers.set_index("layer")
    assert spans.loc["b", "start_cycle"] == a[1] + 2 and spans.loc["b", "end_cycle"] == b2
    assert spans.loc["c", "start_cycle"] == b1 + 2
    # the same actions, moved in time
    assert _counts(chunked) == _counts(whole)


def _counts(r):
    dynamic = r.actions[r.actions.phase != "static"]
    return dynamic.groupby(["layer", "component", "action"])["count"].sum().to_dict()


def test_chunks_need_the_rows_of_their_window():
    wl = Workload.model_validate({"version": 1, "name": "w", "layers": [
        {"name": "c1", "op": "conv2d", "in_channels": 3, "out_channels": 8, "kernel": 7,
         "stride": 2, "padding": 3, "input_hw": [32, 32]},  # 16 rows
        {"name": "pool", "op": "pool", "mode": "max", "channels": 8, "kernel": 3, "stride": 2,
         "padding": 1, "input_hw": [16, 16]},  # 8 rows
        {"name": "add", "op": "add", "inputs": ["pool", "pool"], "shape": [8, 8, 8]},
        {"name": "gap", "op": "pool", "mode": "avg", "channels": 8, "input_hw": [8, 8]},
        {"name": "fc", "op": "linear", "in_features": 8, "out_features": 4}]})
    ch = Chunks(wl, 4, {"c1": 1, "fc": 1})
    assert ch.count == [4, 2, 2, 1, 1]
    # c1's chunk 0 (output rows 0-3) reads input rows up to 3 x 2 - 3 + 6 = 9 (10 rows) of 32,
    # the network input, loaded whole; its last chunk reads what is left
    n0, n3 = ch.needs(0, 0)[0], ch.needs(0, 3)[0]
    assert (n0.producer, n0.wait_chunk, n0.start, n0.end, n0.rows) == ("input", 0, 0, 10, 32)
    assert (n3.start, n3.end) == (ch.needs(0, 2)[0].end, 32)
    # pool's chunk 0 (rows 0-3) needs c1's rows up to 3 x 2 - 1 + 2 = 7: c1's chunk 1
    p0 = ch.needs(1, 0)[0]
    assert (p0.wait_chunk, p0.start, p0.end) == (1, 0, 8)
    # the add needs the same rows of its inputs; global pooling and fc need everything
    assert [(n.wait_chunk, n.start, n.end) for n in ch.needs(2, 0)] == [(0, 0, 4)] * 2
    assert ch.needs(3, 0)[0].wait_chunk == 1 and ch.needs(4, 0)[0].wait_chunk == 0
    # integer shares add up to the whole
    assert sum(split(1001, *ch.bounds(0, k), 16) for k in range(4)) == 1001


@pytest.mark.parametrize("rows", [1, 3, 8])
def test_chunking_moves_time_not_counts(small_net, rows):
    whole = simulate(load_arch(HIC, {"mapping.chunk_rows": None}), small_net)
    chunked = simulate(load_arch(HIC, {"mapping.chunk_rows": rows}), small_net)
    assert chunked.mode == "resident"
    assert _counts(chunked) == _counts(whole)


def test_copies_that_share_a_sample_bound_the_chunks(small_net):
    # conv1 (256 MVMs a sample) has 256 copies: one chunk, each copy one MVM; conv2 255 copies:
    # ceil(256 / 255) = 2 chunks of 8 rows whatever chunk_rows asks
    hw = build_hardware(load_arch(HIC, {"mapping.chunk_rows": 1}))
    mapping = map_workload(hw, small_net)
    flow = Dataflow(simpy.Environment(), hw, small_net, mapping, None, Ledger(), None)
    assert [mapping.layers[n].replicas for n in ("conv1", "conv2")] == [256, 255]
    assert flow.chunks.count == [1, 2, 16, 1, 1]
