"""Mapping counts pinned by hand: replicas and their slots, tiles, passes, a network that exactly
fills the chip, read demands of a packed layer, and the generation plans the mapping carries."""

from __future__ import annotations

import pytest

from hicsim.generation.plan import plan_network
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_layer, map_workload
from hicsim.spec import InputError, load_arch
from hicsim.workload import Workload
from hicsim.workload.layers import Conv2d, Linear, Pool
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
GEN = ROOT / "arch_specs" / "hic_pcm_generation.yaml"


def conv(name="c", **kw):
    base = dict(name=name, op="conv2d", in_channels=64, out_channels=64, kernel=3, padding=1,
                input_hw=[32, 32])
    return Conv2d.model_validate({**base, **kw})


def fc(name="fc", i=64, o=10):
    return Linear(name=name, op="linear", in_features=i, out_features=o)


GAP = Pool(name="gap", op="pool", mode="avg", channels=64, input_hw=(32, 32))


def net(*layers):
    return Workload.model_validate({"version": 1, "name": "n", "batch": 1,
                                    "layers": [l.model_dump() for l in layers]})


def hw(overrides=None, spec=HIC):
    return build_hardware(load_arch(spec, overrides or {}))


def test_spare_crossbars_all_go_to_the_busiest_layer_in_whole_replicas():
    # 512 slots; conv 576 x 64 -> 9 crossbars, 1024 MVMs; fc 64 x 10 -> 1 crossbar, 1 MVM.
    # Spare 502 = 55 replicas of 9 (495) + 7: conv gets 56 replicas; fc (1 MVM) none.
    m = map_workload(hw(), net(conv(), GAP, fc()))
    c, f = m.layers["c"], m.layers["fc"]
    assert (m.mode, m.slots, m.crossbars_per_tile) == ("resident", 512, 8)
    assert (c.replicas, f.replicas) == (56, 1)
    assert c.first_slots == tuple(range(0, 504, 9)) and f.first_slots == (504,)
    assert m.crossbars_used == 56 * 9 + 1
    assert m.tiles_of(c) == {tile: 8 for tile in range(63)}
    assert m.tiles_of(f) == {63: 1}
    assert m.passes(c) == [9] and m.passes(f) == [1]
    assert m.generation == {}


def test_replica_ties_go_to_the_earlier_layer_and_a_replica_that_just_fits_is_placed():
    # 3 tiles x 9 crossbars = 27 slots, two equal 9-crossbar convs: spare 9, one replica, to "a"
    m = map_workload(hw({"chip.tiles": 3, "tile.crossbars": 9}), net(conv("a"), conv("b")))
    assert (m.layers["a"].replicas, m.layers["b"].replicas) == (2, 1)
    assert m.layers["a"].first_slots == (0, 9) and m.layers["b"].first_slots == (18,)
    assert m.tiles_of(m.layers["a"]) == {0: 9, 1: 9} and m.tiles_of(m.layers["b"]) == {2: 9}


def test_a_layer_too_big_to_replicate_leaves_the_spare_to_smaller_ones():
    # 16 slots: conv (9 crossbars) does not fit in the 6 spare; a 1x1 conv of stride 16 (2x2
    # outputs: 4 MVMs, 1 crossbar) gets replicas up to one per MVM: 4, using 3 of the spare.
    small = conv("s", out_channels=16, kernel=1, padding=0, stride=16)
    m = map_workload(hw({"chip.tiles": 1, "tile.crossbars": 16}), net(conv(), small))
    assert (m.layers["c"].replicas, m.layers["s"].replicas) == (1, 4)
    assert m.layers["s"].first_slots == (9, 10, 11, 12) and m.crossbars_used == 13


def test_a_layer_with_two_mvms_gets_two_replicas_at_most():
    two = conv("t", in_channels=16, out_channels=16, kernel=1, padding=0, input_hw=[1, 2])
    m = map_workload(hw(), net(two))
    assert m.layers["t"].replicas == 2 and m.crossbars_used == 2


def test_a_network_that_exactly_fills_the_chip_is_resident():
    # 2048 inputs -> 8 row parts of 256; 1600 outputs at 25 per crossbar -> 64 column parts
    exact = map_workload(hw(), net(fc("big", 2048, 1600)))
    big = exact.layers["big"]
    assert (big.row_parts, big.col_parts, big.crossbars) == (8, 64, 512)
    assert exact.mode == "resident" and big.replicas == 1 and exact.crossbars_used == 512
    over = map_workload(hw(), net(fc("big", 2048, 1601)))  # 65 column parts: 520 crossbars
    assert over.mode == "streamed" and over.passes(over.layers["big"]) == [512, 8]
    assert over.tiles_of(over.layers["big"]) == {tile: 8 for tile in range(64)}  # its full pass
    assert over.layers["big"].replicas == 1 and over.layers["big"].first_slots == (0,)
    double = map_workload(hw(), net(fc("big", 2048, 3200)))  # 128 column parts: two full passes
    assert double.passes(double.layers["big"]) == [512, 512]


def test_streamed_residency_streams_even_what_fits_and_copies_its_last_pass():
    # conv: 9 crossbars, one pass. Copies of it in the free slots: at most 512 // 9 = 56, at
    # most its 1024 MVMs, and no more than bring one copy's reads (1024 x 8 slices x 100 cycles
    # = 819,200) down to the pass's programming: 40,960 devices per crossbar, 64 at a time, 640
    # batches x 340 cycles (pcm_ml's RESET + 3 verified SETs) = 217,600: ceil(3.76) = 4 copies.
    m = map_workload(hw({"chip.weight_residency": "streamed"}), net(conv(), GAP, fc()))
    c = m.layers["c"]
    assert m.mode == "streamed" and (c.replicas, c.first_slots) == (4, (0, 9, 18, 27))
    assert m.passes(c) == [9] and m.layers["fc"].replicas == 1  # fc: one MVM
    assert m.tiles_of(c) == {0: 8, 1: 8, 2: 8, 3: 8, 4: 4}
    copies = m.copies_for(c, m.placements(c)[0], sample=0)
    assert copies.count == 4 and copies.tiles == {0: 8, 1: 8, 2: 8, 3: 8, 4: 4}


def test_no_replication_policy_keeps_one_copy():
    m = map_workload(hw({"mapping.replication": "none"}), net(conv(), GAP, fc()))
    assert (m.layers["c"].replicas, m.layers["c"].first_slots) == (1, (0,))
    assert m.layers["fc"].first_slots == (9,) and m.crossbars_used == 10


def test_a_batch_gets_whole_tile_sets_of_copies_from_the_top():
    # fc alone (1 crossbar, 1 MVM) at batch 4: three more copies, each a set on a whole tile of
    # its own taken from the top slots down (504, 496, 488); sample s runs on copy s mod 4
    work = Workload.model_validate({"version": 1, "name": "n", "batch": 4,
                                    "layers": [fc().model_dump()]})
    m = map_workload(hw(), work)
    f = m.layers["fc"]
    assert (f.replicas, f.first_slots) == (4, (0, 504, 496, 488))
    place = m.placements(f)[0]
    assert [m.copies_for(f, place, s).tiles for s in range(5)] == [
        {0: 1}, {63: 1}, {62: 1}, {61: 1}, {0: 1}]
    assert m.copies_for(f, place, 1).count == 1


def test_packed_layer_read_demands_and_weight_bytes():
    # 1x1 conv, 16 -> 8 channels in 4 groups: blocks of 4 rows x 2 outputs; a crossbar packs
    # min(4, 256 // 4, 25 // 2) = 4 groups, all of them on one crossbar
    lm = map_layer(hw(), 0, conv(in_channels=16, out_channels=8, kernel=1, padding=0, groups=4), 8)
    assert (lm.groups, lm.rows, lm.cols, lm.groups_per_crossbar, lm.crossbars) == (4, 4, 2, 4, 1)
    assert lm.busiest_crossbar_columns == 4 * 2 * 10
    fwd = lm.forward_read()
    assert (fwd.mvms_per_sample, fwd.slices, fwd.crossbars) == (1024, 8, 1)
    assert (fwd.dac_per_slice, fwd.adc_per_slice, fwd.busiest_outputs) == (16, 80, 80)
    assert fwd.partial_sum_adds_per_mvm == 0 and fwd.devices == {"pcm_bin": 32 * 8, "pcm_ml": 32 * 2}
    bwd = lm.backward_read(error_bits=8, dac_bits=2, crossbar_rows=256)
    assert (bwd.slices, bwd.dac_per_slice, bwd.adc_per_slice, bwd.busiest_outputs) == (4, 80, 16, 16)
    assert bwd.partial_sum_adds_per_mvm == 0
    assert lm.weight_bytes(8) == 32 and lm.weight_bytes(3) == 12 and lm.weight_bytes(8, 0.25) == 8


def test_partial_sums_across_row_and_column_parts():
    lm = map_layer(hw(), 0, fc("f", 600, 60), 8)  # 3 row parts x 3 column parts
    assert (lm.row_parts, lm.col_parts, lm.crossbars, lm.busiest_crossbar_columns) == (3, 3, 9, 250)
    assert lm.forward_read().partial_sum_adds_per_mvm == 60 * 2
    assert lm.backward_read(8, 1, 256).partial_sum_adds_per_mvm == 600 * 2
    assert lm.weight_bytes(8) == 36000 and lm.weight_bytes(4, 0.5) == 9000


def test_generation_plans_ride_on_the_mapping():
    work = net(conv(), GAP, fc())
    m = map_workload(hw(spec=GEN), work)
    arch = load_arch(GEN)
    assert m.generation == plan_network(work, arch.generation, work.weight_bits)
    assert map_workload(hw({"generation.enabled": False}, GEN), work).generation == {}


def test_a_generation_override_naming_no_layer_is_bad_input():
    work = net(conv(), GAP, fc())
    arch = load_arch(GEN, {"generation.layers": {"ghost": {"direct": True}}})
    with pytest.raises(ValueError) as plain:
        plan_network(work, arch.generation, work.weight_bits)
    with pytest.raises(InputError) as exc:
        map_workload(build_hardware(arch), work)
    assert exc.value.source == "hic_pcm_generation (arch) with n (workload)"
    assert exc.value.problems == [("generation", str(plain.value))]


ISAAC_LIKE = ROOT / "arch_specs" / "isaac_like.yaml"


def test_split_layer_read_demands_in_both_directions():
    # fc 600 x 60 on hic_pcm: 3 row parts of 256, 3 column parts of 25 weights (10 columns each)
    lm = map_layer(hw(), 0, fc("f", 600, 60), 8)
    assert (lm.groups_per_crossbar, lm.replicas, lm.first_slots) == (1, 1, (0,))
    fwd = lm.forward_read()
    assert (fwd.dac_per_slice, fwd.adc_per_slice, fwd.busiest_outputs) == (600 * 3, 60 * 10 * 3, 250)
    bwd = lm.backward_read(error_bits=8, dac_bits=1, crossbar_rows=256)
    assert (bwd.dac_per_slice, bwd.adc_per_slice, bwd.busiest_outputs) == (60 * 10 * 3, 600 * 3, 256)


def test_one_row_part_and_several_column_parts_split_not_pack():
    lm = map_layer(hw(), 0, fc("f", 100, 60), 8)  # 100 rows fit; 60 outputs need 3 x 25
    assert (lm.row_parts, lm.col_parts, lm.crossbars, lm.groups_per_crossbar) == (1, 3, 3, 1)
    assert lm.busiest_crossbar_columns == 250


def test_packing_bound_by_rows_or_by_columns_is_a_whole_number_of_groups():
    # depthwise 5x5: 25 rows per group, 256 // 25 = 10 groups per crossbar (not 10.24)
    dw = map_layer(hw(), 0, conv(in_channels=32, out_channels=32, groups=32, kernel=5, padding=2), 8)
    assert (dw.rows, dw.cols, dw.groups_per_crossbar, dw.crossbars) == (25, 1, 10, 4)
    assert dw.busiest_crossbar_columns == 10 * 1 * 10
    # 16 groups of 2 rows x 2 outputs: 25 // 2 = 12 groups per crossbar (not 12.5)
    g = map_layer(hw(), 0, conv(in_channels=32, out_channels=32, groups=16, kernel=1, padding=0), 8)
    assert (g.rows, g.cols, g.groups_per_crossbar, g.crossbars) == (2, 2, 12, 2)
    assert g.busiest_crossbar_columns == 12 * 2 * 10


def test_offset_sign_reference_columns_in_every_count():
    # isaac_like: 8 columns per weight plus 1 reference column per crossbar, 15 weights per row
    split = map_layer(hw(spec=ISAAC_LIKE), 0, fc("f", 128, 30), 16)
    assert (split.crossbars, split.busiest_crossbar_columns) == (2, 15 * 8 + 1)
    assert split.forward_read().adc_per_slice == 30 * 8 + 1 * 2
    packed = map_layer(hw(spec=ISAAC_LIKE), 0, fc("g", 64, 10), 16)
    assert (packed.crossbars, packed.busiest_crossbar_columns) == (1, 10 * 8 + 1)


def test_a_mapping_starts_empty():
    from hicsim.mapping.place import Mapping
    m = Mapping("resident", 8, 8, build_hardware(load_arch(HIC)).weights)
    assert m.layers == {} and m.generation == {} and m.crossbars_used == 0


def batch_net(*layers, batch):
    return Workload.model_validate({"version": 1, "name": "n", "batch": batch,
                                    "layers": [l.model_dump() for l in layers]})


def test_copies_are_packed_after_the_layers_before_them():
    # 4 tiles x 9 crossbars: a, b (9 each), fc (1): spare 17 takes one copy of a (the earlier
    # of two equal layers), then 8 are left: a at 0 and 9, b at 18, fc at 27
    m = map_workload(hw({"chip.tiles": 4, "tile.crossbars": 9}), net(conv("a"), conv("b"), GAP, fc()))
    assert [m.layers[n].first_slots for n in ("a", "b", "fc")] == [(0, 9), (18,), (27,)]


def test_spare_goes_to_the_most_work_per_copy():
    # spare 18: a gets a copy (tie, earlier layer), then b has twice a's work per copy
    m = map_workload(hw({"chip.tiles": 4, "tile.crossbars": 9}), net(conv("a"), conv("b")))
    assert (m.layers["a"].first_slots, m.layers["b"].first_slots) == ((0, 9), (18, 27))


def test_sets_of_copies_for_a_batch_take_whole_tiles():
    # fc 600 x 60 (9 crossbars, 1 MVM) at batch 2: one more copy on whole tiles, 2 x 8 slots
    big = fc("f", 600, 60)
    m = map_workload(hw(), batch_net(big, batch=2))
    assert (m.layers["f"].replicas, m.layers["f"].first_slots) == (2, (0, 496))
    # on 3 tiles of 8 the 15 spare slots are fewer than the 16 of two whole tiles: no copy
    small = map_workload(hw({"chip.tiles": 3}), batch_net(big, batch=2))
    assert small.layers["f"].replicas == 1
    # 2 MVMs a sample, batch 2: a pair of copies in order, then a pair on the top tile
    two = conv("t", in_channels=16, out_channels=16, kernel=1, padding=0, input_hw=[1, 2])
    m = map_workload(hw(), batch_net(two, batch=2))
    assert (m.layers["t"].replicas, m.layers["t"].first_slots) == (4, (0, 1, 504, 505))


def test_multi_bit_dacs_take_fewer_slices():
    assert map_layer(hw({"tile.dac.bits": 2}), 0, fc(), 8).slices == 4
    assert map_layer(hw({"tile.dac.bits": 3}), 0, fc(), 8).slices == 3  # ceil(8 / 3)


def test_mapping_records_are_frozen():
    import dataclasses
    m = map_workload(hw(), net(conv(), GAP, fc()))
    lm = m.layers["c"]
    for record, name in ((m, "mode"), (lm, "replicas"), (lm.forward_read(), "slices"),
                         (m.placements(lm)[0], "crossbars")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, name, 0)


def test_streamed_copies_beyond_one_samples_mvms_come_in_whole_sets():
    # a 16 x 1 layer with 2 MVMs a sample, streamed, batch 13: 26 MVMs; one crossbar; its
    # reads 26 x 8 slices x 100 cycles = 20,800 over its programming (160 devices, 64 at a
    # time: 3 x 340 = 1,020 cycles) want ceil(20.4) = 21 copies: whole pairs, 20
    t = conv("t", in_channels=16, out_channels=1, kernel=1, padding=0, input_hw=[1, 2])
    m = map_workload(hw({"chip.weight_residency": "streamed"}), batch_net(t, batch=13))
    assert (m.layers["t"].replicas, m.layers["t"].first_slots) == (20, tuple(range(20)))
