"""Streamed weights: passes go round the chip on whole tiles, and a pass is programmed as soon as
the passes that last held its crossbars are done (double buffering), while the layers before it
compute on other tiles (``mapping.place``, ``Dataflow._streamed``)."""

from hicsim.engine.run import run_engine
from hicsim.hardware.ids import Phase
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.spec import load_arch
from hicsim.workload import Workload
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
# conv 64 -> 64, 3x3 on 8x8: 576 rows x 64 outputs at 10 devices per weight = 9 crossbars
CONV = dict(op="conv2d", in_channels=64, out_channels=64, kernel=3, padding=1, input_hw=[8, 8])


def chain(n: int) -> Workload:
    return Workload.model_validate({"version": 1, "name": "chain", "batch": 1, "layers": [
        dict(CONV, name=f"c{k}") for k in range(n)]})


def streamed(tiles: int, **more):
    """hic_pcm with ``tiles`` tiles of 8 crossbars, weights streamed, one copy per layer."""
    return build_hardware(load_arch(HIC, {"chip.tiles": tiles, "chip.weight_residency": "streamed",
                                          "mapping.replication": "none", **more}))


def test_passes_go_round_the_chip_on_whole_tiles():
    # 4 tiles = 32 slots: c0 on 0-8; c1 from the next whole tile, 16-24; the next whole tile
    # is past the last slot, so the ring is back at 0: c2 on c0's crossbars waits for c0, c3 on
    # c1's waits for c1
    m = map_workload(streamed(4), chain(4))
    assert [m.layers[f"c{k}"].first_slots for k in range(4)] == [(0,), (16,), (0,), (16,)]
    assert [(p.layer, p.after) for p in m.stream_passes()] == [
        ("c0", ()), ("c1", ()), ("c2", (0,)), ("c3", (1,))]


def test_a_pass_waits_for_the_last_holders_of_its_crossbars_only():
    # 3 tiles = 24 slots; a 32 -> 64 (6 crossbars) on 0-5, b 64 -> 64 (9) from the next whole
    # tile, 8-16; c 64 -> 128 (18) back at 0 covers both: it waits for a and b; d 128 -> 64 (15)
    # at 0 again waits for c alone (c waited for a and b)
    shapes = [("a", 32, 64), ("b", 64, 64), ("c", 64, 128), ("d", 128, 64)]
    wl = Workload.model_validate({"version": 1, "name": "w", "batch": 1, "layers": [
        dict(CONV, name=n, in_channels=i, out_channels=o) for n, i, o in shapes]})
    m = map_workload(streamed(3), wl)
    assert [m.layers[n].crossbars for n, _, _ in shapes] == [6, 9, 18, 15]
    assert [m.layers[n].first_slots for n, _, _ in shapes] == [(0,), (8,), (0,), (0,)]
    assert [p.after for p in m.stream_passes()] == [(), (), (0, 1), (2,)]
    # a full pass takes the whole chip: the pass after it waits for it
    wide = Workload.model_validate({"version": 1, "name": "wide", "batch": 1, "layers": [
        dict(CONV, name="wide", in_channels=256, out_channels=256)]})
    passes = map_workload(streamed(2), wide).stream_passes()  # 99 crossbars on 16: 6 x 16 + 3
    assert [p.place.crossbars for p in passes] == [16] * 6 + [3]
    assert [p.after for p in passes] == [()] + [(k,) for k in range(6)]


def spans(hw, wl):
    return run_engine(hw, wl, map_workload(hw, wl)).ledger.spans


def test_a_pass_is_programmed_while_the_layer_before_it_computes():
    s = spans(streamed(4), chain(4))
    program = {f"c{k}": s[(f"c{k}", Phase.PROGRAM)] for k in range(4)}
    forward = {f"c{k}": s[(f"c{k}", Phase.FORWARD)] for k in range(4)}
    # c1 sits on other tiles: it is programmed from the start, with c0, and is ready before c0
    # has computed
    assert program["c1"][0] < forward["c0"][0] and program["c1"][1] < forward["c0"][1]
    # c2 reuses c0's crossbars: programmed from the cycle c0's sample is done
    assert program["c2"][0] == forward["c0"][1]
    assert program["c3"][0] == forward["c1"][1]


def test_with_room_for_one_pass_programming_follows_compute():
    # 2 tiles = 16 slots: every pass goes back to slot 0, on its predecessor's crossbars
    s = spans(streamed(2), chain(3))
    for k in (1, 2):
        assert s[(f"c{k}", Phase.PROGRAM)][0] == s[(f"c{k - 1}", Phase.FORWARD)][1]
