"""Closed-form latency (in cycles) of one batched operation on one unit.

Inside an operation nothing is simulated step by step: a tile running ``n`` MVMs of one layer
takes n x slices x (the slower of the crossbar read and the column conversions), because the
sample-and-hold lets the ADCs convert one slice while the array reads the next (ISAAC's
pipelining), plus one fill. Memory ports take bytes / bandwidth.
"""

from __future__ import annotations

import math

from hicsim.components import sar_conversion_time
from hicsim.mapping.place import ReadDemand
from hicsim.spec.arch import Arch
from hicsim.spec.devices import PcmBinary
from hicsim.units import to_cycles


class Timing:
    """Cycle counts derived once from the spec (the engine's only view of latencies)."""

    def __init__(self, arch: Arch):
        clock = arch.clock
        t = arch.tile
        self.clock_hz = clock
        self.read = to_cycles(t.crossbar.read_latency + t.dac.latency, clock)
        # Cycles per conversion (fractional): a SAR converter's time grows as bits + 1.
        self.conversion = sar_conversion_time(t.adc.bits, t.adc.sample_rate, t.adc.rating_bits) * clock
        self.local_bytes_per_cycle = t.local_buffer.bandwidth / clock
        self.dac_bits = t.dac.bits
        self.dac_count = t.dac.count  # None: one DAC per row
        self.global_bytes_per_cycle = arch.chip.global_buffer.bandwidth / clock
        self.link_bytes_per_cycle = arch.chip.interconnect.link_bandwidth / clock
        self.hop = to_cycles(arch.chip.interconnect.hop_latency, clock)
        self.dram_bytes_per_cycle = arch.chip.dram.bandwidth / clock
        self.dram_latency = to_cycles(arch.chip.dram.latency, clock)
        self.vector_lanes = arch.chip.vector_unit.lanes
        self.adc_per_crossbar = (math.ceil(t.crossbar.cols / t.adc.columns_per_adc)
                                 if t.adc.columns_per_adc else None)
        self.adc_bank = t.adc.count
        self.shift_add_per_cycle = t.shift_add.ops_per_cycle
        self.parallel_devices = t.programming.parallel_devices
        self.write_sequence = {name: self._write_sequence(dev, clock) for name, dev in arch.devices.items()}
        self.pulse = {(name, action): to_cycles(width, clock) for name, dev in arch.devices.items()
                      for action, width in (("set_pulse", dev.set_pulse.width),
                                            ("reset_pulse", dev.reset_pulse.width),
                                            ("read", dev.read_latency))}
        gen = arch.generation
        if gen is not None:
            self.generation_macs_per_cycle = gen.macs_per_cycle
            self.generation_latency = to_cycles(gen.latency, clock)
            self.basis_bytes_per_cycle = gen.basis_buffer.bandwidth / clock

    @staticmethod
    def _write_sequence(dev, clock: float) -> int:
        """Cycles to write one device from scratch: RESET, then SET (binary) or program-and-verify
        iterations of SET pulse + verify read (multi-level)."""
        if isinstance(dev, PcmBinary):
            return to_cycles(dev.reset_pulse.width + dev.set_pulse.width, clock)
        per_iteration = dev.set_pulse.width + dev.read_latency
        return to_cycles(dev.reset_pulse.width + dev.verify_iterations * per_iteration, clock)

    def mvm_op(self, d: ReadDemand, mvms: int, crossbars: int) -> int:
        """A tile running ``mvms`` MVMs of a layer on ``crossbars`` of its crossbars in parallel."""
        return self.mvm_parts(d, mvms, crossbars)[0]

    def mvm_parts(self, d: ReadDemand, mvms: int, crossbars: int) -> tuple[int, int, int]:
        """(operation cycles, of which analog reads, of which conversion beyond the reads); the
        rest is the local buffer or the shift-and-add units holding the operation up."""
        if mvms <= 0:
            return 0, 0, 0
        share = crossbars / max(1, d.crossbars)
        if self.adc_per_crossbar is not None:  # ADCs belong to each crossbar
            per_adc = math.ceil(d.busiest_outputs / self.adc_per_crossbar)
        else:  # a bank shared by the tile's crossbars
            per_adc = math.ceil(d.adc_per_slice * share / self.adc_bank)
        convert = math.ceil(per_adc * self.conversion)
        # With fewer DACs than driven rows, each slice takes one read per round of rows.
        rounds = (1 if self.dac_count is None else
                  math.ceil(math.ceil(d.dac_per_slice / d.crossbars) / self.dac_count))
        read = self.read * rounds
        per_slice = max(read, convert)
        bounds = [mvms * d.slices * per_slice + min(read, convert)]
        # Inputs come out of the local buffer: slices x lines x DAC bits per MVM.
        dac_bytes = mvms * d.slices * d.dac_per_slice * share * self.dac_bits / 8
        bounds.append(math.ceil(dac_bytes / self.local_bytes_per_cycle))
        if self.shift_add_per_cycle:
            bounds.append(math.ceil(mvms * d.slices * d.adc_per_slice * share / self.shift_add_per_cycle))
        total = max(bounds)
        reads = min(total, mvms * d.slices * read + min(read, convert))
        conversion = min(total - reads, mvms * d.slices * max(0, convert - read))
        return total, reads, conversion

    def program_op(self, devices_per_crossbar: dict[str, int]) -> int:
        """Programming a tile's crossbars in parallel, ``parallel_devices`` at a time per crossbar;
        a batch of devices takes as long as its slowest device kind."""
        total = sum(devices_per_crossbar.values())
        if total <= 0:
            return 0
        slowest = max(self.write_sequence[name] for name, n in devices_per_crossbar.items() if n)
        return math.ceil(total / self.parallel_devices) * slowest

    def pulse_op(self, pulses: dict[tuple[str, str], float], per_crossbar: float) -> int:
        """Training-time programming of a tile: each crossbar applies its share of every kind of
        pulse (and verify read), ``parallel_devices`` at a time, one kind after another."""
        return sum(math.ceil(n * per_crossbar / self.parallel_devices) * self.pulse[key]
                   for key, n in pulses.items() if n > 0)

    def generation_op(self, macs: float, basis_bytes: float) -> int:
        """Generating weights: the MAC array and the basis-buffer reads that feed it overlap;
        the pipeline fills once per operation."""
        if macs <= 0:
            return 0
        return self.generation_latency + max(math.ceil(macs / self.generation_macs_per_cycle),
                                             self.bytes_op(basis_bytes, self.basis_bytes_per_cycle))

    def bytes_op(self, nbytes: float, bytes_per_cycle: float) -> int:
        return math.ceil(nbytes / bytes_per_cycle) if nbytes > 0 else 0

    def vector_op(self, ops: int) -> int:
        return math.ceil(ops / self.vector_lanes) if ops > 0 else 0
