"""Tile-to-tile transfers (``chip.interconnect.tile_to_tile``): a resident layer's output goes
from its tiles to its readers' tiles over the mesh instead of through the global buffer."""

from hicsim import simulate
from hicsim.spec import load_arch
from conftest import ROOT
from test_pipeline import chain

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
# a -> b -> c, one crossbar per tile: a on tile 0 (0, 0), b on tile 1 (1, 0), c on tile 2 (0, 1)
# of a 2 x 2 mesh; every tile is 2 hops from the global buffer at the centre (one to the centre's
# router, one in), b is 1 hop from a and c is 2 hops from b. Each tensor is 8 channels x 6 x 1 at 8 bits: 48 bytes.
THREE_TILES = {"chip.tiles": 3, "tile.crossbars": 1, "mapping.replication": "none"}


def _count(r, component, action):
    a = r.actions
    return int(a[(a.component == component) & (a.action == action)]["count"].sum())


def test_chain_outputs_go_tile_to_tile():
    via_buffer = simulate(load_arch(HIC, {**THREE_TILES, "chip.interconnect.tile_to_tile": False}),
                          chain())
    direct = simulate(load_arch(HIC, THREE_TILES), chain())
    # through the buffer: the input, a's and b's outputs are written and read once each (c's
    # output leaves for DRAM); tile to tile: only the input
    for r, tensors in ((via_buffer, 3), (direct, 1)):
        assert _count(r, "global_buffer", "write_bytes") == 48 * tensors
        assert _count(r, "global_buffer", "read_bytes") == 48 * tensors
    # links: in and out of every layer (6 x 48 B, two hops each) against the input in, a -> b,
    # b -> c and c's output out (4 x 48 B: 2, 1, 2 and 2 hops)
    assert _count(via_buffer, "interconnect", "transfer_bytes") == 6 * 48
    assert _count(via_buffer, "interconnect", "bit_hops") == 6 * 48 * 8 * 2
    assert _count(direct, "interconnect", "transfer_bytes") == 4 * 48
    assert _count(direct, "interconnect", "bit_hops") == (2 + 1 + 2 + 2) * 48 * 8
    # a's and b's outputs are read out of their tiles' local buffers instead
    assert (_count(direct, "local_buffer", "read_bytes")
            == _count(via_buffer, "local_buffer", "read_bytes"))
    assert direct.cycles < via_buffer.cycles


def test_a_vector_unit_reader_keeps_the_tensor_in_the_buffer(small_net):
    # conv1 is read by conv2 and by the add (vector unit): through the buffer; conv2 only by the
    # add: through the buffer; so the small net's traffic does not change
    on = simulate(load_arch(HIC), small_net)
    off = simulate(load_arch(HIC, {"chip.interconnect.tile_to_tile": False}), small_net)
    assert on.summary["bytes_by_level"] == off.summary["bytes_by_level"]
    assert on.cycles == off.cycles
