"""Component models pinned to hand-computed values: every constant and operator of each closed form
moves at least one of these numbers (the derivation of each is in the comment beside it)."""

from __future__ import annotations

import pytest

from hicsim.components import (adc_area, device_read_energy, mean_share,
                               int_add_energy, murmann_energy, node_scale, sar_conversion_time,
                               sar_sample_rate, wire_charge_energy)
from hicsim.components.dac import dac_area, dac_energy
from hicsim.costs.adc import (MODEL_AREA, MODEL_ENERGY, adc_area_each, adc_conversion_energy,
                              adc_count)
from hicsim.costs.dac import dac_area_each, dac_conversion_energy
from hicsim.hardware.model import adc_conversion_time
from hicsim.spec import load_arch
from conftest import ROOT


def approx(expected, rel=1e-12, abs=0):
    """pytest.approx without its default absolute tolerance of 1e-12, which would swallow any
    difference between two energies in joules (a pJ is 1e-12 J)."""
    return pytest.approx(expected, rel=rel, abs=abs)

EXACT = 1e-12


def test_murmann_energy_below_the_cap():
    # 8 b at 1 GS/s: FOM = 302.74 - 6.4608 ln 1e9 = 168.852 dB, SNDR = 6.02 * 8 + 1.76 = 49.92 dB,
    # E = 1 / (2 * 10^((168.852 - 49.92) / 10)) = 0.63953 pJ
    assert murmann_energy(8, 1e9) == approx(6.395251e-13, rel=1e-6)
    # 6 b at 2 GS/s: FOM = 302.74 - 6.4608 ln 2e9 = 164.374 dB, SNDR = 37.88 dB -> 0.112121 pJ
    assert murmann_energy(6, 2e9) == approx(1.121208e-13, rel=1e-6)


def test_murmann_energy_at_the_figure_of_merit_cap():
    # 4 b at 100 MS/s: 302.74 - 6.4608 ln 1e8 = 183.73 dB is above the 180.14 dB cap, so FOM =
    # 180.14 dB, SNDR = 25.84 dB, E = 1 / (2 * 10^15.43) = 0.185768 fJ
    assert murmann_energy(4, 1e8) == approx(1.857676e-16, rel=1e-6)


def test_sar_time_and_rate():
    # 6 b on a comparator rated 1 GS/s at 8 b: (6 + 1) / ((8 + 1) * 1e9) s
    assert sar_conversion_time(6, 1e9, 8) == approx(7 / 9e9, rel=EXACT)
    assert sar_sample_rate(6, 1e9, 8) == approx(9e9 / 7, rel=EXACT)


def test_adc_area_regression_by_hand():
    # ln(A / um^2) = 4.8506 + 0.066659 * 20.72327 + 0.79732 * 3.465736 - 0.13437 * 8
    #               + 0.42366 * (-0.4462871) = 7.731269 -> A = 2278.47 um^2
    assert adc_area(8, 1e9, 32e-9, 0.64e-12) == approx(2.278468e-09, rel=1e-6)
    # 4 b, 500 MS/s, 22 nm, 0.2 pJ: ln A = 4.8506 + 1.335813 + 2.464519 - 0.53748 - 0.681857
    assert adc_area(4, 5e8, 22e-9, 0.2e-12) == approx(1.687500e-09, rel=1e-6)


def test_node_scale_and_adders():
    # (22 / 45) * (0.8 / 0.9)^2 = 0.4888889 * 0.7901235
    assert node_scale(22e-9, 0.8) == approx(0.38628258, rel=1e-7)
    assert node_scale(45e-9, 0.9) == approx(1.0, rel=EXACT)
    assert int_add_energy(4) == approx(0.015e-12, rel=EXACT)  # 0.03 pJ * 4 / 8
    assert int_add_energy(8) == approx(0.03e-12, rel=EXACT)
    assert int_add_energy(9) == approx(0.03e-12 + 0.07e-12 / 24, rel=EXACT)
    assert int_add_energy(32) == approx(0.1e-12, rel=EXACT)
    # 16 b at 22 nm, 0.8 V: (0.03 + 0.07 * 8 / 24) pJ * 0.38628258
    assert int_add_energy(16, 22e-9, 0.8) == approx(0.0533333e-12 * 0.38628258, rel=1e-6)


def test_crossbar_read_and_wire_energies():
    assert device_read_energy(0.2, 10e-6, 100e-9) == approx(4e-14, rel=EXACT)  # V^2 G t
    # 1 uS + 24 uS * 0.5 (single device) or * 0.25 (differential pair)
    assert 1e-6 + 24e-6 * mean_share(0.5, False) == approx(13e-6, rel=EXACT)
    assert 1e-6 + 24e-6 * mean_share(0.5, True) == approx(7e-6, rel=EXACT)
    assert wire_charge_energy(0.2e-15, 128, 0.5) == approx(6.4e-15, rel=EXACT)  # C V^2


@pytest.fixture(scope="module")
def hic():
    return load_arch(ROOT / "arch_specs" / "hic_pcm.yaml")


def test_spec_adc_energy_and_area_exact_at_rating_scaled_by_the_model_elsewhere(hic):
    rated = hic.tile.adc.model_copy(update={"bits": 8, "rated_bits": 8, "sample_rate": 1e9,
                                            "energy": 2e-12, "area": 3e-9})
    assert adc_conversion_energy(rated) == (2e-12, "spec")
    assert adc_area_each(rated, 32e-9) == (3e-9, "spec")
    six = rated.model_copy(update={"bits": 6})
    # model energies, 6 b at 9/7 GS/s over 8 b at 1 GS/s: SNDR falls 12.04 dB, FOM falls
    # 6.4608 ln(9/7) = 1.62366 dB, so E scales by 10^((-12.04 + 1.62366) / 10) = 0.0908593
    ratio = murmann_energy(6, 9e9 / 7) / murmann_energy(8, 1e9)
    assert ratio == approx(0.0908593, rel=1e-6)
    energy, source = adc_conversion_energy(six)
    assert energy == approx(2e-12 * ratio, rel=EXACT)
    assert source == "spec, scaled by model: Murmann survey fit (Accelergy ADC plug-in)"
    area_ratio = (adc_area(6, 9e9 / 7, 32e-9, murmann_energy(6, 9e9 / 7))
                  / adc_area(8, 1e9, 32e-9, murmann_energy(8, 1e9)))
    area, source = adc_area_each(six, 32e-9)
    assert area == approx(3e-9 * area_ratio, rel=EXACT)
    assert source == "spec, scaled by model: Murmann survey area regression (Accelergy ADC plug-in)"
    assert adc_conversion_time(six) == approx(7 / 9e9, rel=EXACT)


def test_model_adc_energy_and_area_without_spec_values(hic):
    adc = hic.tile.adc.model_copy(update={"bits": 6, "rated_bits": 8, "sample_rate": 1e9,
                                          "energy": None, "area": None})
    assert MODEL_ENERGY == "model: Murmann survey fit (Accelergy ADC plug-in)"
    assert MODEL_AREA == "model: Murmann survey area regression (Accelergy ADC plug-in)"
    assert adc_conversion_energy(adc) == (approx(murmann_energy(6, 9e9 / 7), rel=EXACT),
                                          MODEL_ENERGY)
    e = murmann_energy(6, 9e9 / 7)
    assert adc_area_each(adc, 32e-9) == (approx(adc_area(6, 9e9 / 7, 32e-9, e), rel=EXACT),
                                         MODEL_AREA)


def test_adc_count_per_crossbar_and_per_tile_bank(hic):
    # hic_pcm: ceil(cols / columns_per_adc) ADCs per crossbar, times crossbars per tile and tiles
    t = hic.tile
    assert (t.crossbar.cols, t.adc.columns_per_adc, t.crossbars, hic.chip.tiles) == (256, 8, 8, 64)
    assert adc_count(hic) == 32 * 8 * 64
    odd = hic.model_copy(update={"tile": t.model_copy(update={
        "crossbar": t.crossbar.model_copy(update={"cols": 100}),
        "adc": t.adc.model_copy(update={"columns_per_adc": 8})})})
    assert adc_count(odd) == 13 * 8 * 64  # 100 / 8 rounds up to 13
    bank = hic.model_copy(update={"tile": t.model_copy(update={
        "adc": t.adc.model_copy(update={"columns_per_adc": None, "count": 5})})})
    assert adc_count(bank) == 5 * 64


def test_dac_model_from_isaacs_one_bit_dac():
    # ISAAC Table I, 32 nm: 4 mW / 1024 DACs x 100 ns = 0.390625 pJ, 0.00017 mm^2 / 1024 each
    assert dac_energy(1, 32e-9, 0.9) == approx(0.390625e-12)
    # 4 bits: x 2^3; 45 nm at 0.9 V: x 45 / 32; at 0.45 V: x 1/4 more
    assert dac_energy(4, 45e-9, 0.9) == approx(0.390625e-12 * 8 * 45 / 32)
    assert dac_energy(1, 32e-9, 0.45) == approx(0.390625e-12 / 4)
    assert dac_area(1, 32e-9) == approx(0.00017e-6 / 1024)
    assert dac_area(2, 45e-9) == approx(0.00017e-6 / 1024 * 2 * (45 / 32) ** 2)


def test_dac_costs_from_the_spec_or_the_model(hic):
    tech = hic.technology
    assert (tech.node, tech.vdd) == (approx(45e-9), approx(0.9))
    model = hic.tile.dac.model_copy(update={"bits": 2, "rated_bits": 1, "energy": None, "area": None})
    assert dac_conversion_energy(model, tech) == (
        approx(0.390625e-12 * 2 * 45 / 32), "model: ISAAC Table I 1-bit DAC x 2^(bits-1), node-scaled")
    assert dac_area_each(model, tech) == (
        approx(0.00017e-6 / 1024 * 2 * (45 / 32) ** 2),
        "model: ISAAC Table I 1-bit DAC area x 2^(bits-1), node^2-scaled")
    rated = model.model_copy(update={"bits": 1, "energy": 0.3e-12, "area": 2e-13})
    assert dac_conversion_energy(rated, tech) == (0.3e-12, "spec")
    assert dac_area_each(rated, tech) == (2e-13, "spec")
    scaled = rated.model_copy(update={"bits": 3})  # 2^(3-1) / 2^0 = 4 times the rated figures
    assert dac_conversion_energy(scaled, tech) == (
        approx(1.2e-12), "spec, scaled by model: ISAAC Table I 1-bit DAC x 2^(bits-1), node-scaled")
    assert dac_area_each(scaled, tech)[0] == approx(8e-13)


def test_sram_model_by_hand():
    from hicsim.components import sram
    # the CACTI table's row 45 nm, 32 KiB, 512-bit port: 0.0399081 nJ read, 0.100314 nJ write per
    # access, 0.00826789 + 0.000294159 mW leakage, 0.440374 x 0.262233 mm
    s = sram(32 * 1024, 512, 45e-9)
    assert s.read_J_per_bit == approx(0.0399081e-9 / 512) and s.write_J_per_bit == approx(0.100314e-9 / 512)
    assert s.leakage_W == approx((0.00826789 + 0.000294159) * 1e-3)
    assert s.area_m2 == approx(0.440374 * 0.262233 * 1e-6)
    # 14 nm: the 22 nm row (64 KiB, 512 bits) x sqrt(14 / 22) for energy and leakage, x 0.79 more
    # for FinFET leakage, x 14 / 22 for area
    r = 14 / 22
    s = sram(64 * 1024, 512, 14e-9)
    assert s.read_J_per_bit == approx(0.0198912e-9 / 512 * r ** 0.5)
    assert s.leakage_W == approx((0.0144988 + 0.00843074) * 1e-3 * r ** 0.5 * 0.79)
    assert s.area_m2 == approx(0.215481 * 0.246097 * 1e-6 * r)
