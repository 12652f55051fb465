"""``CrossbarArray``: one layer's weights held on PCM devices, with forward and transposed analog
MVMs and on-device update rules. See ``hicsim.kernels`` for the API overview."""

from __future__ import annotations

import functools
import math

import numpy as np

from hicsim.devices.decode import device_conductances
from hicsim.devices.encode import encode
from hicsim.devices.layout import KIND_HIC, KIND_MULTILEVEL, KIND_NAMES, build_layout
from hicsim.devices.multilevel import mean_set_step
from hicsim.devices.state import DeviceState
from hicsim.kernels.decode import DECODE, NO_PREFIX
from hicsim.kernels.mvm import MVM
from hicsim.kernels.mvm_columns import mvm_columns_kernel
from hicsim.kernels.mvm_reference import dac_reference
from hicsim.kernels.rng import stream_seed
from hicsim.kernels.threads import BlasGuard
from hicsim.kernels.update import RULE_HIC, RULE_MIXED_PRECISION, RULE_STOCHASTIC_PULSE, UPDATE
from hicsim.spec.arch import Arch

RULES = {"hic": RULE_HIC, "mixed_precision": RULE_MIXED_PRECISION,
         "mixed_precision_closed_loop": RULE_MIXED_PRECISION,
         "stochastic_pulse": RULE_STOCHASTIC_PULSE}
OPEN_LOOP = "mixed_precision"  # the published scheme: pulse trains of the mean step (update.py)
# purposes of the random streams derived from (seed, call number)
_ENCODE, _READ_NOISE, _ROUNDING, _PROGRAMMING = 1, 2, 3, 4


def check_batch(name: str, a, width: int, width_name: str, finite: bool = True) -> np.ndarray:
    """A float32 (batch, width) array, or ValueError naming what is wrong; ``finite``: also
    reject NaN and infinite values here (the MVM kernel finds them in its DAC pass instead)."""
    arr = np.asarray(a)
    if arr.ndim != 2 or arr.shape[1] != width or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (batch, {width}) to match the crossbar's "
                         f"{width_name}, got {arr.shape}")
    if arr.dtype != np.float32:  # the usual float32 skips the dtype checks (a hot path)
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise ValueError(f"{name} must be real numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float32)
    arr = np.ascontiguousarray(arr)
    if finite and not np.isfinite(arr).all():  # the method: np.all's dispatch took 1 us a call
        raise ValueError(not_finite(name))
    return arr


def not_finite(name: str) -> str:
    return f"{name} contains NaN or infinite values"


def check_lr(lr) -> None:
    if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr)):
        raise ValueError(f"lr must be a finite number, got {lr!r}")


def check_update_operands(shape: tuple[int, int], x, delta) -> tuple[np.ndarray, np.ndarray]:
    """The (x, delta) of an update ``W -= lr x^T delta`` of a (rows, cols) array, as float32
    batches of the same length, or ValueError: the checks of every store's ``update``."""
    x = check_batch("x", x, shape[0], "rows")
    delta = check_batch("delta", delta, shape[1], "columns")
    if x.shape[0] != delta.shape[0]:
        raise ValueError(f"x and delta batches differ: {x.shape[0]} vs {delta.shape[0]}")
    return x, delta


def check_gradient(shape: tuple[int, int], gradient) -> np.ndarray:
    """A gradient of a (rows, cols) array as float32 of that shape, or ValueError: the checks of
    every store's ``update_gradient``."""
    gradient = check_batch("gradient", gradient, shape[1], "columns")
    if gradient.shape[0] != shape[0]:
        raise ValueError(f"gradient must have shape {shape}, got {gradient.shape}")
    return gradient


class CrossbarArray:
    """Weights W (rows = inputs, cols = outputs) on the devices of ``arch.tile.weights``.

    ``w_max``: the largest weight magnitude the devices represent (default: max |weights|).
    ``seed``: every random draw (programming, read noise, rounding) derives from it and a call
    counter, so two arrays built and driven identically give identical numbers.
    ``input_bits``: DAC input precision including sign (default 8; the workload's input_bits).
    ``adc_headroom``: the ADC full scale, in units of sqrt(inputs) x the largest single product
    (the spec gives no ADC range; 4 keeps clipping rare for random inputs).
    ``blas``: the ``BlasGuard`` its kernel calls run under (a new one by default; the blocks of a
    grouped convolution share one: building a guard reads the process's library map, about 3 ms,
    which took 70 % of converting a 960-group depthwise layer).

    Read noise is one 1/f draw per device per MVM, shared by the MVM's input slices, over the
    MVM's read window: its slices x ``tile.crossbar.read_latency`` replaces the read noise's
    t_read in this array's device parameters (the noise bandwidth is that of the whole MVM).
    """

    def __init__(self, arch: Arch, weights, *, w_max: float | None = None, seed: int = 0,
                 t_now: float = 0.0, input_bits: int | None = None, adc_headroom: float = 4.0,
                 blas: BlasGuard | None = None):
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 2 or 0 in w.shape:
            raise ValueError(f"weights must be a non-empty 2-D (inputs, outputs) array, got {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("weights contain NaN or infinite values")
        if w_max is None:
            w_max = float(np.abs(w).max()) or 1.0
        self.layout, ml, bp = build_layout(arch, float(w_max))
        self.w_max = float(w_max)
        self.seed = seed
        self._calls = 0
        self.t_now = float(t_now)
        bits = input_bits if input_bits is not None else 8
        if not 2 <= bits <= 24:
            raise ValueError(f"input_bits must be in [2, 24], got {bits}")
        self.qmax = 2 ** (bits - 1) - 1
        self.dac_bits = arch.tile.dac.bits
        self.slices = math.ceil((bits - 1) / self.dac_bits)
        self.read_window = self.slices * arch.tile.crossbar.read_latency
        self.ml = ml._replace(read_t_read=self.read_window)
        self.bp = bp._replace(read_t_read=self.read_window)
        self.adc_amax = 2 ** (arch.tile.adc.bits - 1) - 1
        if not adc_headroom > 0:
            raise ValueError(f"adc_headroom must be positive, got {adc_headroom}")
        self.adc_headroom = float(adc_headroom)
        self.accumulator = arch.tile.accumulator
        self._hic_format = (None, None)  # (accumulator, its format): _accumulator_format
        self._blas = BlasGuard() if blas is None else blas
        rng = np.random.default_rng(int(stream_seed(seed, 0, _ENCODE)))
        self.state: DeviceState = encode(self.layout, self.ml, self.bp, w, rng, self.t_now)
        self._coef = self.layout.device_coefficients()
        self._offset = self.layout.weight_offset()
        self.weights = np.empty(w.shape, np.float32)     # effective weights at t_now
        self.variance = np.empty(w.shape, np.float32)    # their read-noise variance
        self._acc = np.zeros(w.shape, np.int32)          # HIC accumulator (LSBs)
        self._chi = np.zeros(w.shape, np.float32)        # mixed-precision accumulator (steps)
        self._chi_step = self.step                       # weight per chi unit (the rule's step)
        self._prefix = DecodePrefix(w.shape, self.layout.kind == KIND_HIC)
        self._decode()

    # ---- state and time ------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape

    @property
    def representation(self) -> str:
        return KIND_NAMES[self.layout.kind]

    @property
    def step(self) -> float:
        """One device step (a multi-level level or a code LSB), in weight."""
        return self.layout.step_units * self.layout.w_unit

    @property
    def mean_set_step(self) -> float:
        """The multi-level device's mean SET step (``multilevel.mean_set_step``), in weight."""
        return _mean_set_step(self.ml) / self.ml.g_range * self.layout.w_unit

    def set_time(self, t_now: float) -> None:
        """Move the array clock (seconds); drift and read noise are evaluated at it."""
        if not math.isfinite(t_now):
            raise ValueError(f"t_now must be finite, got {t_now}")
        self.t_now = float(t_now)
        self._decode()

    def effective_weights(self) -> np.ndarray:
        return self.weights.astype(np.float64)

    def wear(self) -> dict[str, np.ndarray]:
        """Per-device counters, each (devices, rows, cols); see ``device_ops`` for the cycle rule."""
        return {"set_pulses": self.state.set_pulses, "reset_pulses": self.state.reset_pulses,
                "write_erase_cycles": self.state.cycles}

    def _next_key(self, purpose: int) -> np.uint64:
        self._calls += 1
        return stream_seed(self.seed, self._calls, purpose)

    def forget_decode_prefix(self) -> None:
        """Call after the device state or clock changed other than by this object's methods
        (a checkpoint loaded): the next update decodes its devices afresh."""
        self._prefix.t_now = math.nan

    def _decode(self) -> None:
        self._decode_into(self.weights, self.variance)
        # at t_now every device programmed less than t_read ago is noiseless; updates only
        # program devices at t_now, so this stays true until the clock moves
        self._has_read_noise = bool(self.variance.any())

    def _decode_into(self, weights: np.ndarray, variance: np.ndarray) -> None:
        kernel = DECODE.pick(self.weights.size)
        kernel(self.state, self.layout.slot_binary, self.layout.slots, self._coef, self._offset,
               self.ml, self.bp, self.t_now, weights, variance, self._prefix.sums)
        self._prefix.t_now = self.t_now

    def _fresh_prefix(self) -> np.ndarray:
        """The decode prefix, valid at t_now (after ``forget_decode_prefix``, decoded again: into
        scratch arrays, the effective weights stay as they are)."""
        if self._prefix.sums.shape[0] and self._prefix.t_now != self.t_now:
            self._decode_into(np.empty_like(self.weights), np.empty_like(self.variance))
        return self._prefix.sums

    # ---- MVM ------------------------------------------------------------------------------
    def forward(self, x, *, noise: bool = True, per_column: bool = False,
                dtype=np.float64) -> np.ndarray:
        """y = x . W through DAC, devices, read noise and ADC; x (batch, rows) -> (batch, cols).
        ``per_column`` converts every device column and input slice separately and draws each
        device's noise itself (slow, faithful; ``mvm_columns.py``). ``dtype``: float64, or float32
        (the float64 result rounded once, written by the kernel: no second pass to convert)."""
        return self._mvm("x", x, False, noise, per_column, dtype)

    def backward(self, delta, *, noise: bool = True, per_column: bool = False,
                 dtype=np.float64) -> np.ndarray:
        """Transposed product delta . W^T; delta (batch, cols) -> (batch, rows). Same options."""
        return self._mvm("delta", delta, True, noise, per_column, dtype)

    def skip_read(self) -> None:
        """Account for a read whose result nobody needs (a network's first layer's input
        gradient) without making it: it draws its key, so every later call gets the key it would
        have got after the read."""
        self._next_key(_READ_NOISE)

    def _mvm(self, name, x, transpose, noise, per_column, dtype):
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
        inputs = self.shape[1] if transpose else self.shape[0]
        x = check_batch(name, x, inputs, "columns" if transpose else "rows", finite=per_column)
        key = self._next_key(_READ_NOISE)
        if per_column:
            return self._mvm_columns(x, transpose, noise, key).astype(dtype, copy=False)
        full_scale = self.adc_headroom * math.sqrt(inputs) * self.w_max * self.qmax
        outputs = self.shape[0] if transpose else self.shape[1]
        out = np.empty((x.shape[0], outputs), dtype)
        noise_on = bool(noise) and self._has_read_noise
        kernel = MVM.pick(x.shape[0] * inputs * outputs * (2 if noise_on else 1))
        with self._blas.single_threaded():
            finite = kernel(x, self.weights, self.variance, transpose, self.qmax, full_scale,
                            self.adc_amax, noise_on, key, _chunks(x.shape[0]), out)
        if not finite:
            self._calls -= 1  # a rejected call draws nothing: the next one gets this key
            raise ValueError(not_finite(name))
        return out

    def _mvm_columns(self, x, transpose, noise, key):
        # the slow path: numpy does its DAC and device reads (same conventions as the kernels)
        g_now, sigma = device_conductances(self.layout, self.ml, self.bp, self.state, self.t_now)
        if transpose:
            g_now = np.ascontiguousarray(g_now.transpose(0, 2, 1))
            sigma = np.ascontiguousarray(sigma.transpose(0, 2, 1))
        xq, _, scale = dac_reference(x, self.qmax)
        g_full = np.where(self.layout.slot_binary == 1, self.bp.g_on - self.bp.g_off,
                          self.ml.g_range)
        g_full = np.tile(g_full, self.layout.sides)
        digit_max = 2 ** self.dac_bits - 1
        column_full_scale = self.adc_headroom * math.sqrt(x.shape[1]) * digit_max * g_full
        out = np.empty((x.shape[0], g_now.shape[2]), np.float64)
        mvm_columns_kernel(xq, g_now, sigma, self._coef, self._offset, self.dac_bits, self.slices,
                           column_full_scale, self.adc_amax, bool(noise), key, out)
        return out * scale[:, None] / self.qmax

    # ---- update ---------------------------------------------------------------------------
    def update(self, x, delta, lr: float, rule: str = "hic") -> int:
        """Apply W -= lr x^T delta through ``rule``; returns how many weights were programmed.
        Counters, conductances and the effective weights at ``t_now`` are updated in place.
        Rules: ``hic``; ``mixed_precision``, Nandakumar 2020's open-loop scheme (chi in units of
        the mean SET step, transferred as trains of SET pulses, with refresh) on a differential
        multi-level pair; ``mixed_precision_closed_loop`` (the same accumulator in units of one
        level, each step a read-verified move of one level, on any representation);
        ``stochastic_pulse``."""
        self._check_update(rule, lr)
        x, delta = check_update_operands(self.shape, x, delta)
        return self._update(x, delta, lr, rule, x.shape[0] * x.shape[1] * delta.shape[1], False)

    def update_gradient(self, gradient, lr: float, rule: str = "hic") -> int:
        """Apply W -= lr G through ``rule`` for a gradient G (rows, cols) formed by the caller:
        ``update(identity, G)`` without the identity's product, the same numbers (a product
        with the identity is exact in float32)."""
        self._check_update(rule, lr)
        gradient = check_gradient(self.shape, gradient)
        return self._update(_NO_INPUTS, gradient, lr, rule, gradient.size, True)

    def _check_update(self, rule: str, lr) -> None:
        if rule not in RULES:
            raise ValueError(f"rule must be one of {sorted(RULES)} (fp32 is FloatArray), got {rule!r}")
        check_lr(lr)
        if rule == OPEN_LOOP and (self.layout.kind != KIND_MULTILEVEL or self.layout.sides != 2):
            raise ValueError(f"rule {OPEN_LOOP!r} (open-loop pulse trains) needs a differential "
                             f"pair of multi-level devices, not {self.representation} with "
                             f"{self.layout.sides} side(s): use 'mixed_precision_closed_loop'")

    def _update(self, x, delta, lr, rule, work, gradient_given) -> int:
        open_loop = rule == OPEN_LOOP
        step = self.mean_set_step if open_loop else self.step
        if RULES[rule] == RULE_MIXED_PRECISION:
            self._chi_step = step
        lo, hi, per_step, stochastic = self._accumulator_format(rule)
        row_counts = np.empty(self.shape[0], np.int64)
        kernel = UPDATE.pick(work)
        with self._blas.single_threaded():
            return kernel(  # the weights programmed
                x, delta, -float(lr) / step, RULES[rule], self._acc, self._chi, lo, hi, per_step,
                stochastic, self._next_key(_ROUNDING), self._next_key(_PROGRAMMING), self.state,
                self.layout, self._coef, self._offset, self.ml, self.bp, self.t_now, self.weights,
                self.variance, row_counts, _NO_STEPS, open_loop, gradient_given,
                self._fresh_prefix())

    def _accumulator_format(self, rule: str):
        """(lowest, highest, LSBs per step, stochastic rounding) of the HIC accumulator. The first
        three are float32, the update kernel's fast arithmetic, unless the accumulator has more
        than 24 bits, which float32 cannot hold exactly: then float64 (``update.py``). Built once
        per accumulator (its numpy scalars took 1 us an update; they are immutable)."""
        if rule != "hic":
            return _NO_ACCUMULATOR
        if self.accumulator is None:
            raise ValueError("rule 'hic' needs tile.accumulator in the arch spec")
        if self._hic_format[0] is not self.accumulator:
            self._hic_format = (self.accumulator, _hic_format(self.accumulator))
        return self._hic_format[1]

    def accumulated(self) -> np.ndarray:
        """Update held in the accumulators but not yet programmed, in weight (both rules)."""
        lsb = self.step / self.accumulator.lsbs_per_step if self.accumulator else 0.0
        return self._acc * lsb + self._chi.astype(np.float64) * self._chi_step


def _hic_format(accumulator):
    bits = accumulator.bits  # at least 2 and lsbs_per_step <= 2^(bits-2): the spec checks
    width = np.float32 if bits <= 24 else np.float64
    return (width(-2.0 ** (bits - 1)), width(2.0 ** (bits - 1) - 1),
            width(accumulator.lsbs_per_step), accumulator.rounding == "stochastic")


class DecodePrefix:
    """A hic array's decode prefix (``decode.NO_PREFIX``: none for other representations) and the
    clock it was computed at (NaN: to compute again). Derived from the device state, so not an
    array attribute of ``CrossbarArray``: ``store_state`` and checkpoints leave it out."""

    def __init__(self, shape: tuple[int, int], hic: bool):
        self.sums = np.empty(shape + (2,), np.float64) if hic else NO_PREFIX
        self.t_now = math.nan


# mean_set_step is a pure function of the device's parameters (a hashable tuple) that took 0.5 ms
# per call, once per update of the open-loop rule: remember it per parameter set
_mean_set_step = functools.lru_cache(maxsize=256)(mean_set_step)
_NO_STEPS = np.empty((0, 0), np.int32)  # update_kernel: program the devices
_NO_ACCUMULATOR = (np.float32(0.0), np.float32(0.0), np.float32(1.0), True)  # rules but hic
_NO_INPUTS = np.empty((0, 0), np.float32)  # update_kernel with the gradient given: x unread
_CHUNK_ROWS = 256


def _chunks(batch: int) -> int:
    """Batch chunks of the MVM's products. Fixed by the batch, not one per thread: a sample's
    result depends on the shape of the BLAS call that computed it, so the calls must not depend on
    the thread count. Large chunks: each call packs its block of the matrix once, whatever the
    number of samples it multiplies (``mvm.py``)."""
    return -(-batch // _CHUNK_ROWS)
