"""The engine's closed-form latencies by hand: a tile operation with each limit binding in turn
(analog read, conversion, local-buffer input reads, shift-and-add), DACs and ADC banks shared,
programming, training pulses, generation, memory ports and the vector unit.

A tile operation is a flow line of four stages per input slice (fetch from the local buffer,
read, convert, shift-and-add): the stage times summed once (the first slice passes every stage)
plus (slices - 1) x the slowest stage (``Timing.mvm_parts``; tests/reference_tile.py)."""

from __future__ import annotations

from hicsim.engine.timing import Timing
from hicsim.hardware.ids import Action
from hicsim.hardware.model import build_hardware
from hicsim.mapping.place import ReadDemand
from hicsim.spec import load_arch
from conftest import ROOT

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
GEN = ROOT / "arch_specs" / "hic_pcm_generation.yaml"

# A 576 x 64 conv on hic_pcm: 3 x 3 partitions (9 crossbars), 8 one-bit slices per MVM, 1728
# rows driven and 1920 columns converted per slice, 250 columns on the fullest crossbar.
CONV = ReadDemand(mvms_per_sample=64, slices=8, crossbars=9, dac_per_slice=1728, adc_per_slice=1920,
                  busiest_outputs=250, partial_sum_adds_per_mvm=128, devices={})


def timing(overrides=None, spec=HIC) -> Timing:
    return Timing(build_hardware(load_arch(spec, overrides or {})))


def test_read_binds():
    # read 100 ns = 100 cycles; 32 ADCs per crossbar (256 / 8), ceil(250 / 32) = 8 conversions of
    # 1 ns each = 8 cycles; a slice's 1728 input bits from the 64 B/cycle buffer: ceil(216 / 64)
    # = 4 cycles. Stages (4, 100, 8): 112 + (80 - 1) x 100; of it reads 80 x 100 + min(100, 8)
    t = timing()
    assert (t.read, t.conversion, t.adc_per_crossbar) == (100, 1.0, 32)
    assert t.mvm_parts(CONV, 10, 9) == (8012, 8008, 0)
    assert t.mvm_parts(CONV, 0, 9) == (0, 0, 0)


def test_conversion_binds():
    # at 50 MS/s a conversion is 20 cycles: 8 per ADC = 160 per slice, over the 100-cycle read;
    # stages (4, 100, 160): 264 + 79 x 160; reads 10 x 8 x 100 + 100, conversion beyond them
    # 10 x 8 x 60
    t = timing({"tile.adc.sample_rate": "50 MHz"})
    assert t.conversion == 20.0
    assert t.mvm_parts(CONV, 10, 9) == (12904, 8100, 4800)


def test_local_buffer_binds():
    # a slice's inputs: 1728 rows x 1 bit / 8 = 216 B at 1.7 B/cycle: ceil(127.06) = 128 cycles
    # per slice binds; stages (128, 100, 8): 236 + 79 x 128
    t = timing({"memory.local_buffer.bandwidth": "1.7 B/cycle"})
    assert t.mvm_parts(CONV, 10, 9) == (10348, 8008, 0)


def test_shift_add_binds():
    # 1920 columns a slice at 2 shift-and-adds per cycle: 960 cycles per slice binds;
    # stages (4, 100, 8, 960): 1072 + 79 x 960
    t = timing({"tile.shift_add.ops_per_cycle": 2})
    assert t.shift_add_per_cycle == 2
    assert t.mvm_parts(CONV, 10, 9) == (76912, 8008, 0)


def test_adc_bank_shared_by_a_tiles_crossbars():
    # 4 ADCs per tile; this tile holds 3 of the layer's 9 crossbars: 1920 x 3 / 9 = 640 columns,
    # 160 conversions per ADC per slice = 160 cycles, over the 100-cycle read; its 576 rows'
    # bits take ceil(72 / 64) = 2 cycles to fetch: stages (2, 100, 160): 262 + 79 x 160
    t = timing({"tile.adc": {"bits": 8, "rated_bits": 8, "count": 4, "sample_rate": "1 GHz"}})
    assert (t.adc_per_crossbar, t.adc_bank) == (None, 4)
    assert t.mvm_parts(CONV, 10, 3) == (262 + 79 * 160, 8100, 4800)
    # shift-and-adds scale with the tile's share too: 640 / 2 = 320 cycles per slice;
    # 64 ADCs: 10 conversions; stages (2, 100, 10, 320): 432 + 79 x 320
    both = timing({"tile.adc": {"bits": 8, "rated_bits": 8, "count": 64, "sample_rate": "1 GHz"},
                   "tile.shift_add.ops_per_cycle": 2})
    assert both.mvm_parts(CONV, 10, 3) == (25712, 8010, 0)


def test_fewer_dacs_than_rows_read_in_rounds():
    # 64 DACs per crossbar, ceil(1728 / 9) = 192 rows per crossbar: 3 rounds of 100 cycles;
    # stages (4, 300, 8): 312 + 79 x 300
    t = timing({"tile.dac.count": 64})
    assert t.dac_count == 64
    assert t.mvm_parts(CONV, 10, 9) == (312 + 79 * 300, 24008, 0)


def test_multi_bit_dacs_cut_input_bytes_and_slices_elsewhere():
    # 2-bit DACs: 4 slices of 1728 rows x 2 bits / 8 = 432 B each, at 1.7 B/cycle
    # ceil(254.1) = 255 cycles per slice bind; stages (255, 100, 8): 363 + 39 x 255
    t = timing({"tile.dac.bits": 2, "memory.local_buffer.bandwidth": "1.7 B/cycle"})
    four = ReadDemand(**{**CONV.__dict__, "slices": 4})
    assert t.mvm_parts(four, 10, 9) == (10308, 4008, 0)


def test_programming_and_pulses():
    hw = build_hardware(load_arch(HIC))
    t = Timing(hw)
    # pcm_ml: RESET 40 + 3 x (SET 50 + verify read 50) = 340; pcm_bin: RESET 40 + SET 150 = 190
    assert (hw.write_cycles("pcm_ml"), hw.write_cycles("pcm_bin")) == (340, 190)
    assert t.parallel_devices == 64
    # 1000 devices, 64 at a time: 16 batches, each as slow as the slowest kind present
    assert t.program_op({"pcm_bin": 800, "pcm_ml": 200}) == 16 * 340
    assert t.program_op({"pcm_bin": 1000, "pcm_ml": 0}) == 16 * 190
    assert t.program_op({"pcm_bin": 0}) == 0
    pulses = {("pcm_ml", Action.SET_PULSE): 100, ("pcm_ml", Action.READ): 30,
              ("pcm_bin", Action.RESET_PULSE): 0, ("pcm_bin", Action.SET_PULSE): 64}
    # per crossbar half of each: ceil(50 / 64) x 50 + ceil(15 / 64) x 50 + ceil(32 / 64) x 150
    assert t.pulse_op(pulses, 0.5) == 50 + 50 + 150
    assert t.pulse_op(pulses, 2.0) == 4 * 50 + 1 * 50 + 2 * 150


def test_generation_ports_and_vector_unit():
    t = timing(spec=GEN)
    # 256 MACs per cycle, basis buffer 64 B/cycle, latency 4 cycles paid once per operation
    assert (t.generation_macs_per_cycle, t.generation_latency) == (256, 4)
    assert t.generation_op(256 * 100, 64 * 50) == 4 + 100  # the MACs bind
    assert t.generation_op(256 * 10, 64 * 50 - 10) == 4 + 50  # the basis reads bind
    assert t.generation_op(0, 1000) == 0
    assert t.bytes_op(100, 64) == 2 and t.bytes_op(0, 64) == 0 and t.bytes_op(64, 64) == 1
    assert t.vector_op(65) == 2 and t.vector_op(64) == 1 and t.vector_op(0) == 0


def test_one_mvm_and_a_one_crossbar_layer_and_the_engines_other_figures():
    t = timing()
    # one MVM: the first slice's 4-cycle fetch, 8 slices x 100 cycles, one 8-cycle conversion
    assert t.mvm_parts(CONV, 1, 9) == (812, 808, 0)
    # clock, links (32 B/cycle) and hops (2 cycles) as hic_pcm gives them
    assert (t.clock_hz, t.link_bytes_per_cycle, t.hop) == (1e9, 32, 2)
    # a one-crossbar layer on a tile with a bank of 4 ADCs: all of its 100 columns on that tile,
    # 25 conversions per ADC per slice (not 13 for half of them)
    bank = timing({"tile.adc": {"bits": 8, "rated_bits": 8, "count": 4, "sample_rate": "50 MHz"}})
    one = ReadDemand(mvms_per_sample=1, slices=8, crossbars=1, dac_per_slice=100, adc_per_slice=100,
                     busiest_outputs=100, partial_sum_adds_per_mvm=0, devices={})
    # 25 conversions x 20 cycles = 500 per slice, over the 100-cycle read; 100 rows' bits fetch in
    # 1 cycle: stages (1, 100, 500): 601 + 7 x 500
    assert bank.mvm_parts(one, 1, 1) == (4101, 900, 3200)


def test_edges_of_the_small_operations():
    t = timing(spec=GEN)
    assert t.bytes_op(1, 64) == 1 and t.vector_op(1) == 1  # one byte, one op: one cycle
    assert t.generation_op(1, 0) == 4 + 1  # one MAC still fills the pipeline
    pulse = {("pcm_ml", Action.SET_PULSE): 1}
    assert t.pulse_op(pulse, 1.0) == 50  # a single pulse is applied


def test_input_bytes_of_a_tile_holding_part_of_a_layer():
    # the tile holds 3 of CONV's 9 crossbars: 1728 / 3 = 576 rows x 1 bit / 8 = 72 B a slice
    # at 0.5 B/cycle: 144 cycles per slice, over the 100-cycle read; stages (144, 100, 8):
    # 252 + 79 x 144
    t = timing({"memory.local_buffer.bandwidth": "0.5 B/cycle"})
    assert t.mvm_parts(CONV, 10, 3) == (11628, 8008, 0)


def test_dram_transfers_interleave_over_channels():
    # 25.6 GB/s per channel at 1 GHz: 25.6 B/cycle; 100 B over 2 channels: 50 B each, 2 cycles
    hw = build_hardware(load_arch(HIC, {"memory.dram.channels": 2}))
    assert Timing(hw).transfer_op(hw.level("dram"), 100) == 2
    one = build_hardware(load_arch(HIC))
    assert Timing(one).transfer_op(one.level("dram"), 100) == 4  # ceil(100 / 25.6)
