"""Peak throughput and peak power: every crossbar of the chip busy at the spec's rates.

One crossbar holds rows x (weights per crossbar row) weights and takes one input slice per
max(read, conversion) seconds (the sample-and-hold lets the ADCs convert one slice while the
array reads the next, as the engine's timing does); an MVM is ``rated.input_bits / dac.bits``
slices; an MVM is 2 ops per weight. Peak power is the crossbars' datapath at that rate (DAC, line
charging, device reads, sample-and-hold, ADC, shift-and-add, input reads from the local buffer)
plus all static power. Buffer, network and DRAM traffic beyond that depend on the workload: they
are in a run's achieved figures, not in the peak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hicsim.hardware.model import adc_conversion_time
from hicsim.costs.static import static_power
from hicsim.hardware.weights import weight_representation
from hicsim.spec.arch import Arch


@dataclass(frozen=True)
class Peak:
    ops_per_s: float
    slice_time_s: float
    dynamic_W: dict  # component -> watts at peak
    static_W: dict  # component -> watts

    @property
    def power_W(self) -> float:
        return sum(self.dynamic_W.values()) + sum(self.static_W.values())


def peak_rates(arch: Arch) -> tuple[float, float, dict[tuple[str, str], float]]:
    """(chip ops per second, seconds per input slice, chip actions per second at peak)."""
    t = arch.tile
    layout = weight_representation(t.weights)
    per_row = layout.weights_per_crossbar_row(t.crossbar.cols)
    used_cols = per_row * layout.columns_per_weight + layout.reference_columns
    rows = t.crossbar.rows
    rounds = 1 if t.dac.count is None else math.ceil(rows / t.dac.count)
    read = (t.crossbar.read_latency + t.dac.latency) * rounds
    if t.adc.columns_per_adc is not None:  # the crossbar's own ADCs share its used columns
        per_adc = math.ceil(used_cols / math.ceil(t.crossbar.cols / t.adc.columns_per_adc))
    else:
        per_adc = used_cols * t.crossbars / t.adc.count
    slice_time = max(read, per_adc * adc_conversion_time(t.adc))
    slices = math.ceil(arch.rated.input_bits / t.dac.bits)
    crossbars = arch.chip.tiles * t.crossbars
    slice_rate = crossbars / slice_time  # slices per second over the chip
    ops = 2 * rows * per_row * slice_rate / slices
    rates = {("dac", "convert"): rows * slice_rate, ("crossbar", "wordline_charge"): rows * slice_rate,
             ("crossbar", "bitline_charge"): used_cols * slice_rate,
             ("sample_hold", "sample"): used_cols * slice_rate, ("adc", "convert"): used_cols * slice_rate,
             ("shift_add", "op"): used_cols * slice_rate,
             (arch.memory[0].name, "read_bytes"): rows * t.dac.bits / 8 * slice_rate}  # tile buffer
    for name, n in layout.devices_by_name().items():
        rates[(name, "read")] = rows * per_row * n * slice_rate
    return ops, slice_time, rates


def peak(arch: Arch, costs: dict[tuple[str, str], float]) -> Peak:
    ops, slice_time, rates = peak_rates(arch)
    dynamic: dict[str, float] = {}
    for (component, action), rate in rates.items():
        dynamic[component] = dynamic.get(component, 0.0) + rate * costs[(component, action)]
    return Peak(ops, slice_time, dynamic, static_power(arch)[0])
