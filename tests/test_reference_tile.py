"""The engine's closed form of a tile operation (``Timing.mvm_parts``) equals the cycle-by-cycle
reference (``reference_tile``) exactly, over hypothesis-drawn layer shares and peripheries.

Layers are drawn evenly mapped (every crossbar drives the same rows and converts the same
columns): the engine charges each tile the layer's fullest crossbar (DAC rounds, per-crossbar ADCs)
and its share of the layer's lines (buffer, ADC bank, shift-and-add), which is the tile's own
layout exactly when the layer is even."""

import copy
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from hicsim.engine.timing import Timing
from hicsim.hardware.model import build_hardware
from hicsim.spec import load_arch
from hicsim.mapping.place import ReadDemand
from conftest import ROOT
from reference_tile import TileOperation, TilePeriphery, tile_cycles

BASE = Timing(build_hardware(load_arch(ROOT / "arch_specs" / "hic_pcm.yaml")))
# conversion times and buffer rates as the engine holds them: exact rationals
CONVERSIONS = [Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1),
               Fraction(5, 4), Fraction(3, 2), Fraction(7, 3), Fraction(3)]
RATES = [Fraction(1, 2), Fraction(2, 3), Fraction(1), Fraction(2), Fraction(3), Fraction(8),
         Fraction(64)]


@st.composite
def periphery(draw) -> TilePeriphery:
    bank = draw(st.booleans())
    return TilePeriphery(
        read_cycles=draw(st.integers(1, 12)), conversion=draw(st.sampled_from(CONVERSIONS)),
        dac_bits=draw(st.sampled_from([1, 2, 4])),
        dacs_per_crossbar=draw(st.one_of(st.none(), st.integers(1, 64))),
        adcs_per_crossbar=None if bank else draw(st.integers(1, 16)),
        adc_bank=draw(st.integers(1, 16)) if bank else None,
        shift_add_per_cycle=draw(st.one_of(st.none(), st.integers(1, 64))),
        local_bytes_per_cycle=draw(st.sampled_from(RATES)))


@st.composite
def demand(draw) -> tuple[ReadDemand, int, int, int, int]:
    """An evenly mapped layer's read demand (every crossbar drives ``rows`` rows and converts
    ``cols`` columns a slice), the crossbars of it one tile holds, and its MVMs there."""
    crossbars, rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 96)), draw(st.integers(1, 64))
    d = ReadDemand(mvms_per_sample=1, slices=draw(st.integers(1, 4)), crossbars=crossbars,
                   dac_per_slice=rows * crossbars, adc_per_slice=cols * crossbars,
                   busiest_outputs=cols, partial_sum_adds_per_mvm=0, devices={})
    return d, draw(st.integers(1, crossbars)), draw(st.integers(1, 3)), rows, cols


def engine_timing(p: TilePeriphery) -> Timing:
    t = copy.copy(BASE)
    t.read, t.conversion, t.dac_bits = p.read_cycles, p.conversion, p.dac_bits
    t.dac_count, t.adc_per_crossbar, t.adc_bank = p.dacs_per_crossbar, p.adcs_per_crossbar, p.adc_bank
    t.shift_add_per_cycle, t.local_bytes_per_cycle = p.shift_add_per_cycle, p.local_bytes_per_cycle
    return t


@settings(max_examples=250, deadline=None, derandomize=True)
@given(periphery(), demand())
def test_tile_operation_equals_the_cycle_by_cycle_reference(p, drawn):
    d, on_tile, mvms, rows, cols = drawn
    op = TileOperation(slices=mvms * d.slices, rows=(rows,) * on_tile, columns=(cols,) * on_tile)
    total, reads, conversion = engine_timing(p).mvm_parts(d, mvms, on_tile)
    assert total == tile_cycles(p, op)
    assert 0 <= conversion and reads + conversion <= total
