"""Closed-form latency (in cycles) of one batched operation on one unit.

Inside an operation nothing is simulated step by step: a tile running ``n`` MVMs of one layer
passes n x slices input slices through a flow line (local buffer to DACs, crossbar reads, ADC
conversions behind the sample-and-hold, shift-and-add: ISAAC's pipelining), so it takes one
slice through every stage plus n x slices - 1 times the slowest stage. Memory ports take
bytes / bandwidth. Rates and the conversion time are exact rationals (``hicsim.units.exact``),
so an exact transfer takes exactly its cycles.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hicsim.hardware.ids import BASIS_BUFFER, Action
from hicsim.hardware.memory import MemoryLevel
from hicsim.hardware.model import Hardware
from hicsim.mapping.place import ReadDemand


class Timing:
    """Closed-form operation latencies over the hardware model's cycle figures (the engine's
    only view of latencies)."""

    def __init__(self, hw: Hardware):
        p = hw.periphery
        self.clock_hz = hw.clock_hz
        self.read = p.read_cycles
        self.conversion = p.conversion_cycles  # cycles per conversion (fractional)
        self.local_bytes_per_cycle = hw.memory.local.bytes_per_cycle
        self.dac_bits = p.dac_bits
        self.dac_count = p.dacs_per_crossbar  # None: one DAC per row
        self.link_bytes_per_cycle = hw.network.link_bytes_per_cycle
        self.hop = hw.network.hop_cycles
        self.vector_lanes = hw.vector_lanes
        self.adc_per_crossbar = p.adcs_per_crossbar
        self.adc_bank = p.adc_bank
        self.shift_add_per_cycle = p.shift_add_per_cycle
        self.parallel_devices = p.parallel_devices
        self.program = hw.program_cycles
        self.pulse = {(name, action): hw.pulse_cycles(name, action) for name in hw.devices
                      for action in (Action.SET_PULSE, Action.RESET_PULSE, Action.READ)}
        if hw.generation is not None:
            self.generation_macs_per_cycle = hw.generation.macs_per_cycle
            self.generation_latency = hw.generation.latency_cycles
            self.basis_bytes_per_cycle = hw.level(BASIS_BUFFER).bytes_per_cycle
        # (bytes, bytes per cycle) or (bytes, ports, bytes per cycle) -> cycles: exact
        # rationals are slow, and an engine run moves the same few sizes at the same few rates
        # again and again
        self._bytes_ops: dict = {}

    def mvm_parts(self, d: ReadDemand, mvms: int, crossbars: int) -> tuple[int, int, int]:
        """(operation cycles, of which analog reads, of which conversion beyond the reads); the
        rest is the local buffer or the shift-and-add units holding the operation up.

        Each input bit slice of each MVM passes four stages in order, each holding one slice:
        the local buffer fills the DAC input registers with the slice's bits, the crossbars read
        (one round of reads per DAC's worth of rows), the sample-and-hold hands the columns to
        the ADCs (each converts its columns one after another), and the shift-and-add units
        take the conversions. Constant stage times make a flow line: the first slice passes
        every stage, each later one leaves one slowest stage later (tests/reference_tile.py
        steps the same hardware cycle by cycle)."""
        if mvms <= 0:
            return 0, 0, 0
        of = max(1, d.crossbars)
        # the rows this tile drives and the columns it converts per slice (whole lines)
        rows = -(-d.dac_per_slice * crossbars // of)
        cols = -(-d.adc_per_slice * crossbars // of)
        if self.adc_per_crossbar is not None:  # ADCs belong to each crossbar
            per_adc = math.ceil(d.busiest_outputs / self.adc_per_crossbar)
        else:  # a bank shared by the tile's crossbars
            per_adc = math.ceil(cols / self.adc_bank)
        convert = math.ceil(per_adc * self.conversion)
        # With fewer DACs than driven rows, each slice takes one read per round of rows.
        rounds = (1 if self.dac_count is None else
                  math.ceil(math.ceil(d.dac_per_slice / of) / self.dac_count))
        read = self.read * rounds
        fetch = math.ceil(Fraction(rows * self.dac_bits, 8) / self.local_bytes_per_cycle)
        add = math.ceil(cols / self.shift_add_per_cycle) if self.shift_add_per_cycle else 0
        stages = (fetch, read, convert, add)
        slices = mvms * d.slices
        total = sum(stages) + (slices - 1) * max(stages)
        reads = min(total, slices * read + min(read, convert))
        conversion = min(total - reads, slices * max(0, convert - read))
        return total, reads, conversion

    def program_op(self, devices_per_crossbar: dict[str, int]) -> int:
        """Programming a tile's crossbars (``Hardware.program_cycles``)."""
        return self.program(devices_per_crossbar)

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

    def transfer_op(self, level: MemoryLevel, nbytes: float) -> int:
        """Cycles each port of a shared ``level`` is busy moving ``nbytes`` interleaved over its
        ports (DRAM: channels); a read's latency comes after (``Chip.access``)."""
        key = (nbytes, level.ports, level.bytes_per_cycle)
        cycles = self._bytes_ops.get(key)
        if cycles is None:
            cycles = self._bytes_ops[key] = self.bytes_op(Fraction(nbytes) / level.ports,
                                                          level.bytes_per_cycle)
        return cycles

    def bytes_op(self, nbytes: float, bytes_per_cycle: Fraction) -> int:
        """Cycles to move ``nbytes`` (an int, a Fraction or a float, taken at its exact value)."""
        cycles = self._bytes_ops.get((nbytes, bytes_per_cycle))
        if cycles is None:
            cycles = math.ceil(Fraction(nbytes) / bytes_per_cycle) if nbytes > 0 else 0
            self._bytes_ops[nbytes, bytes_per_cycle] = cycles
        return cycles

    def vector_op(self, ops: int) -> int:
        return math.ceil(ops / self.vector_lanes) if ops > 0 else 0
