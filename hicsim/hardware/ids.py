"""Typed ids for what the engine counts and the costs, reports and plots read back.

String enums: a member equals (and hashes like) its value, so tables, JSON and CSV show the same
plain names as before, while code names the id instead of spelling a string. Devices and memory
levels keep the names the spec gives them (``pcm_ml``, ``global_buffer``); every other component
has an id here.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    FORWARD = "forward"
    BACKWARD = "backward"
    GRADIENT = "gradient"
    UPDATE = "update"
    PROGRAM = "program"  # writing a layer's weights into crossbars (streamed or resident load)


# Memory levels are named by the spec (``memory:``, innermost first), as devices are; the
# hardware model holds them as typed ``MemoryLevel`` objects (``hardware.memory``). The generation
# unit's own buffer is outside that list and has this fixed name.
BASIS_BUFFER = "basis_buffer"


class Component(StrEnum):
    """Components other than memory levels and devices."""

    DAC = "dac"
    CROSSBAR = "crossbar"  # the array's word and bit lines
    SAMPLE_HOLD = "sample_hold"
    ADC = "adc"
    SHIFT_ADD = "shift_add"
    VECTOR_UNIT = "vector_unit"
    MATRIX_UNIT = "matrix_unit"
    INTERCONNECT = "interconnect"
    GENERATION_UNIT = "generation_unit"
    GRADIENT_UNIT = "gradient_unit"
    ACCUMULATOR = "accumulator"


class Action(StrEnum):
    CONVERT = "convert"
    WORDLINE_CHARGE = "wordline_charge"  # one driven row
    BITLINE_CHARGE = "bitline_charge"  # one sensed column
    SAMPLE = "sample"
    OP = "op"
    MAC = "mac"
    ADD = "add"
    PARTIAL_SUM_ADD = "partial_sum_add"
    BIT_HOPS = "bit_hops"
    READ_BYTES = "read_bytes"
    WRITE_BYTES = "write_bytes"
    TRANSFER_BYTES = "transfer_bytes"
    # device actions
    READ = "read"
    SET_PULSE = "set_pulse"
    RESET_PULSE = "reset_pulse"
    DEVICES_WRITTEN = "devices_written"  # a tally of devices written from scratch
    WRITE_ERASE = "write_erase"  # a tally of write-erase cycles (training updates)


class Direction(StrEnum):
    """Which way bytes cross a memory level; each has its byte-count action."""

    READ = "read"
    WRITE = "write"
    TRANSFER = "transfer"

    @property
    def action(self) -> Action:
        return Action(f"{self.value}_bytes")


class TimeKind(StrEnum):
    """What a layer's critical unit spends cycles on (the rest of its span is waiting)."""

    COMPUTE = "compute"
    CONVERSION = "conversion"
    PROGRAMMING = "programming"
    GENERATION = "generation"


class UnitKind(StrEnum):
    """The engine's units (one SimPy process each)."""

    TILE = "tile"
    BUFFER_PORT = "buffer_port"  # a port of a shared on-chip memory level
    DRAM_CHANNEL = "dram_channel"
    VECTOR_UNIT = "vector_unit"
    MATRIX_UNIT = "matrix_unit"  # digital unit for activation matmuls
    RUNTIME_CROSSBARS = "crossbars"  # crossbars reserved for activation matmuls
    GENERATION_UNIT = "generation_unit"
    GRADIENT_UNIT = "gradient_unit"
    TRANSPOSED_PERIPHERY = "transposed_periphery"  # separate transposed-read peripherals
    LINK = "link"  # a tile's link into a mesh
    BUS = "bus"  # one shared bus
