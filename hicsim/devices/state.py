"""Per-device state of one crossbar array, as compact numpy arrays (never one object per device).

Device arrays have shape (devices, rows, cols): device slot d = side * layout.slots + s of the
weight at (row, col) (see ``layout.py``). A ``NamedTuple`` so that numba kernels take it as one
argument and write into its arrays in place.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class DeviceState(NamedTuple):
    g: np.ndarray                # float32: conductance right after its last programming (siemens)
    nu: np.ndarray               # float32: drift exponent drawn at that programming
    t_prog: np.ndarray           # float64: time of that programming (seconds on the array clock)
    d2d: np.ndarray              # float32: device-to-device factor of the SET step (1 for binary)
    set_pulses: np.ndarray       # uint32: SET pulses received
    reset_pulses: np.ndarray     # uint32: RESET pulses received
    cycles: np.ndarray           # uint32: write-erase cycles (RESETs that follow >= 1 SET)
    set_since_reset: np.ndarray  # uint8: 1 if a SET happened since the last RESET
    sign: np.ndarray             # int8 (rows, cols): +1 / -1, the differential side holding the weight
    code: np.ndarray             # int32 (rows, cols): digital part (hic: binary code; bit_sliced: code)


def allocate(devices: int, rows: int, cols: int) -> DeviceState:
    """Fresh devices, all RESET and never written.

    Every array is written here (``np.full``), not left to ``np.zeros``, whose pages the
    operating system maps only at their first write: the update kernel then took those page
    faults one scattered weight at a time, and a 512 x 512 hic update programming 1 % of its
    weights per call spent 4.7 us per programmed weight instead of 0.3 (bench/bench_kernels.py)."""
    shape = (devices, rows, cols)

    def zeros(dims, dtype):
        return np.full(dims, 0, dtype)
    return DeviceState(
        g=zeros(shape, np.float32), nu=zeros(shape, np.float32),
        t_prog=zeros(shape, np.float64), d2d=np.ones(shape, np.float32),
        set_pulses=zeros(shape, np.uint32), reset_pulses=zeros(shape, np.uint32),
        cycles=zeros(shape, np.uint32), set_since_reset=zeros(shape, np.uint8),
        sign=np.ones((rows, cols), np.int8), code=zeros((rows, cols), np.int32))
