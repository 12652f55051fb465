"""Mapping by hand: partitions, block-diagonal packing, offset reference columns, streaming."""


from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_layer, map_workload
from hicsim.spec import load_arch
from hicsim.workload import Workload
from hicsim.workload.layers import Conv2d, Linear, Pool
from conftest import ROOT


def conv(**kw):
    base = dict(name="c", op="conv2d", in_channels=64, out_channels=64, kernel=3, padding=1,
                input_hw=[8, 8])
    base.update(kw)
    return Conv2d.model_validate(base)


def test_hic_layout_counts_columns(hic):
    lay = build_hardware(hic).weights
    assert lay.columns_per_weight == 10  # (4 binary + 1 multi-level) x differential pair
    assert lay.devices_by_name() == {"pcm_bin": 8, "pcm_ml": 2}
    assert (lay.analog, lay.binary) == ("pcm_ml", "pcm_bin")
    assert lay.weights_per_crossbar_row(256) == 25


def test_conv_partitions_by_hand(hic):
    lm = map_layer(build_hardware(hic), 0, conv(), input_bits=8)
    # rows 64*3*3 = 576 -> 3 row parts of 256; 64 weights at 25 per crossbar -> 3 col parts
    assert (lm.rows, lm.cols, lm.row_parts, lm.col_parts, lm.crossbars) == (576, 64, 3, 3, 9)
    assert lm.slices == 8  # 8-bit inputs through 1-bit DACs
    fwd = lm.forward_read()
    assert fwd.dac_per_slice == 576 * 3
    assert fwd.adc_per_slice == 64 * 10 * 3
    assert fwd.partial_sum_adds_per_mvm == 64 * 2
    assert fwd.busiest_outputs == 250
    # transposed: errors drive the 640 device columns of each of 3 row parts; 576 rows x 3
    # column parts are converted; partial sums meet across the 3 column parts
    bwd = lm.backward_read(error_bits=8, dac_bits=1, crossbar_rows=256)
    assert (bwd.slices, bwd.dac_per_slice, bwd.adc_per_slice) == (8, 64 * 10 * 3, 576 * 3)
    assert bwd.partial_sum_adds_per_mvm == 576 * 2 and bwd.busiest_outputs == 256
    assert lm.mvms_per_sample == 64
    assert lm.devices == {"pcm_bin": 576 * 64 * 8, "pcm_ml": 576 * 64 * 2}


def test_depthwise_packs_block_diagonally(hic):
    lm = map_layer(build_hardware(hic), 0, conv(in_channels=32, out_channels=32, groups=32), 8)
    # each group: 9 rows x 1 weight; a crossbar holds min(256 // 9, 25 // 1) = 25 groups
    assert (lm.rows, lm.cols, lm.groups_per_crossbar, lm.crossbars) == (9, 1, 25, 2)
    assert lm.forward_read().dac_per_slice == 32 * 9
    assert lm.forward_read().adc_per_slice == 32 * 10
    assert lm.backward_read(8, 1, 256).busiest_outputs == 25 * 9  # 25 groups of 9 rows


def test_offset_sign_spends_a_reference_column():
    isaac = load_arch(ROOT / "arch_specs" / "isaac_like.yaml")
    hw = build_hardware(isaac)
    lay = hw.weights
    assert lay.columns_per_weight == 8 and lay.reference_columns == 1  # 16 bits / 2 bits per cell
    assert lay.weights_per_crossbar_row(128) == 15  # (128 - 1) // 8
    lm = map_layer(hw, 0, Linear(name="fc", op="linear", in_features=128, out_features=30), 16)
    assert (lm.col_parts, lm.crossbars, lm.slices) == (2, 2, 16)
    assert lm.forward_read().adc_per_slice == 30 * 8 + 2  # plus one reference column per crossbar


def net(*layers, batch=1):
    return Workload.model_validate({"version": 1, "name": "n", "batch": batch,
                                    "layers": [l.model_dump() for l in layers]})


def test_resident_replicates_busiest_layer(hic):
    m = map_workload(build_hardware(hic), net(
        conv(input_hw=[32, 32]),
        Pool(name="gap", op="pool", mode="avg", channels=64, input_hw=(32, 32)),
        Linear(name="fc", op="linear", in_features=64, out_features=10)))
    assert m.mode == "resident"
    assert m.layers["c"].replicas > 1 and m.layers["fc"].replicas == 1  # fc does one MVM
    assert m.crossbars_used <= m.slots
    slots = [s for lm in m.layers.values() for f in lm.first_slots for s in range(f, f + lm.crossbars)]
    assert len(slots) == len(set(slots))  # no crossbar holds two things


def test_streams_when_the_network_does_not_fit(hic):
    small = load_arch(ROOT / "arch_specs" / "hic_pcm.yaml", {"chip.tiles": 1, "tile.crossbars": 4})
    m = map_workload(build_hardware(small), net(conv(in_channels=256, out_channels=256)))  # 2304 x 256: 9 x 11 = 99
    assert m.mode == "streamed"
    assert m.passes(m.layers["c"]) == [4] * 24 + [3]


HIC = ROOT / "arch_specs" / "hic_pcm.yaml"


def test_replication_none_keeps_one_copy_of_each_layer():
    layers = (conv(input_hw=[32, 32]), Linear(name="fc", op="linear", in_features=64 * 32 * 32,
                                              out_features=10))
    for overrides in ({}, {"chip.weight_residency": "streamed"}):
        arch = load_arch(HIC, {**overrides, "mapping.replication": "none"})
        m = map_workload(build_hardware(arch), net(*layers, batch=4))
        assert {lm.replicas for lm in m.layers.values()} == {1}
        balanced = map_workload(build_hardware(load_arch(HIC, overrides)), net(*layers, batch=4))
        assert balanced.layers["c"].replicas > 1


def test_resident_classifier_gets_a_copy_per_sample_of_the_batch(hic):
    # fc: 64 x 10 in one crossbar, one MVM per sample; at batch 4 each sample has its own copy,
    # the extra ones on tiles of their own from the top (64 tiles of 8 crossbars)
    fc = Linear(name="fc", op="linear", in_features=64, out_features=10)
    m = map_workload(build_hardware(hic), net(fc, batch=4))
    lm = m.layers["fc"]
    assert (lm.crossbars, lm.replicas, lm.first_slots) == (1, 4, (0, 504, 496, 488))
    (place,) = m.placements(lm)
    sets = [m.copies_for(lm, place, b) for b in range(8)]
    assert [s.count for s in sets] == [1] * 8
    assert [s.tiles for s in sets[:4]] == [{0: 1}, {63: 1}, {62: 1}, {61: 1}]
    assert sets[4:] == sets[:4]  # samples take the sets in turn
    assert map_workload(build_hardware(hic), net(fc, batch=1)).layers["fc"].replicas == 1


def test_resident_copies_beyond_one_sample_come_in_whole_sets(hic):
    # 2 MVMs per sample (a 2 x 1 output): copies 1, 2, then 4, 6 (one set of 2 per extra sample)
    c = conv(in_channels=16, out_channels=16, input_hw=[2, 1], padding=(1, 1))
    assert c.mvms_per_sample == 2
    m = map_workload(build_hardware(hic), net(c, batch=3))
    lm = m.layers["c"]
    assert lm.replicas == 6
    (place,) = m.placements(lm)
    assert [m.copies_for(lm, place, b).count for b in range(3)] == [2, 2, 2]


def test_streamed_layer_copies_until_reads_match_programming():
    # conv 64 -> 64, 3 x 3 on 56 x 56: 9 crossbars, 3136 MVMs of 8 slices at 100 cycles = 2,508,800
    # cycles of reads; programming a crossbar: 576 x 64 x 10 / 9 = 40,960 devices, 64 at a time,
    # 340 cycles (pcm_ml's write) each: 217,600 cycles. 2,508,800 / 217,600 = 11.5 -> 12 copies,
    # of the 128 // 9 = 14 that fit.
    arch = load_arch(HIC, {"chip.tiles": 16, "chip.weight_residency": "streamed"})
    hw = build_hardware(arch)
    c = conv(input_hw=[56, 56])
    m = map_workload(hw, net(c))
    lm = m.layers["c"]
    assert (m.mode, lm.crossbars, lm.replicas) == ("streamed", 9, 12)
    assert lm.first_slots == tuple(range(0, 108, 9))
    assert map_workload(hw, net(c, batch=2)).layers["c"].replicas == 14  # 24 wanted, 14 fit
    # a layer that needs several passes is copied in its last pass only: 99 crossbars on 96 are
    # passes of 96 and 3; programming a crossbar takes 2304 x 256 x 10 / 99 = 59,578 devices,
    # 931 rounds of 340 cycles = 316,540 cycles: 2,508,800 / 316,540 -> 8 copies of the 3
    big = conv(in_channels=256, out_channels=256, input_hw=[56, 56])
    m = map_workload(build_hardware(load_arch(HIC, {"chip.tiles": 12})), net(big))
    lm = m.layers["c"]
    assert m.passes(lm) == [96, 3] and lm.replicas == 8
    assert [p.first_slots for p in m.placements(lm)] == [(0,), tuple(range(0, 24, 3))]
