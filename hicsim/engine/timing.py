"""Closed-form latency (in cycles) of one batched operation on one unit.

Inside an operation nothing is simulated step by step: a tile running ``n`` MVMs of one layer
takes n x slices x (the slower of the crossbar read and the column conversions), because the
sample-and-hold lets the ADCs convert one slice while the array reads the next (ISAAC's
pipelining), plus one fill. Memory ports take bytes / bandwidth.
"""

from __future__ import annotations

import math

from hicsim.costs.adc import adc_conversion_time
from hicsim.mapping.place import LayerMap
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
        self.conversion = adc_conversion_time(t.adc) * clock  # cycles per conversion (fractional)
        self.local_bytes_per_cycle = t.local_buffer.bandwidth / clock
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

    def mvm_op(self, lm: LayerMap, mvms: int, crossbars: int) -> int:
        """A tile running ``mvms`` MVMs of a layer on ``crossbars`` of its crossbars in parallel."""
        if mvms <= 0:
            return 0
        if self.adc_per_crossbar is not None:  # ADCs belong to each crossbar
            per_adc = math.ceil(lm.busiest_crossbar_columns / self.adc_per_crossbar)
        else:  # a bank shared by the tile's crossbars
            columns = crossbars * lm.adc_conversions_per_slice / max(1, lm.crossbars)
            per_adc = math.ceil(columns / self.adc_bank)
        convert = math.ceil(per_adc * self.conversion)
        per_slice = max(self.read, convert)
        pipelined = mvms * lm.slices * per_slice + min(self.read, convert)
        bounds = [pipelined]
        # Inputs come out of the local buffer: slices x rows x DAC bits per MVM.
        share = crossbars / max(1, lm.crossbars)
        dac_bytes = mvms * lm.slices * lm.dac_conversions_per_slice * share / 8
        bounds.append(math.ceil(dac_bytes / self.local_bytes_per_cycle))
        if self.shift_add_per_cycle:
            adds = mvms * lm.slices * lm.adc_conversions_per_slice * share
            bounds.append(math.ceil(adds / self.shift_add_per_cycle))
        return max(bounds)

    def program_op(self, devices_per_crossbar: dict[str, int]) -> int:
        """Programming a tile's crossbars in parallel, ``parallel_devices`` at a time per crossbar;
        a batch of devices takes as long as its slowest device kind."""
        total = sum(devices_per_crossbar.values())
        if total <= 0:
            return 0
        slowest = max(self.write_sequence[name] for name, n in devices_per_crossbar.items() if n)
        return math.ceil(total / self.parallel_devices) * slowest

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
