"""Outer-product weight update kernels (numba): gradient, accumulation rule, device programming.

Two parallel regions per call, both over rows of the crossbar. ``accumulate_kernel`` forms each
gradient row sum_b x[b, i] delta[b, :] itself (no BLAS call: see ``threads.py`` for why) and turns
the desired change into whole device steps by the chosen rule; ``program_kernel`` programs the
weights that moved (``program.apply_steps``) and refreshes their effective weight and read-noise
variance.

Rules (``desired`` is -lr x gradient in device steps):
- RULE_HIC: a low-precision integer accumulator per weight. It counts in LSBs of
  1 / 2^f step (f = ``tile.accumulator.fraction_bits``, default bits - 2, which saturates at about
  +-2 steps); the update is rounded to LSBs (nearest or stochastic), added, saturated to
  [-2^(bits-1), 2^(bits-1) - 1]; n = trunc(acc / 2^f) steps are programmed and n x 2^f removed.
- RULE_MIXED_PRECISION: Nandakumar 2020: a float accumulator chi (in steps); n = trunc(chi),
  chi -= n.
- RULE_STOCHASTIC_PULSE: no accumulator; n = floor(desired + u), u uniform: the expected number of
  pulses equals the desired change (aihwkit's coincidence pulse trains have the same mean).

Random numbers: stochastic rounding uses uniform32(mix_key(seed, row), col); a programmed weight
draws from mix_key(program_seed, row * cols + col). Thread count cannot change them.
"""

from __future__ import annotations


import numpy as np
from numba import njit, prange

from hicsim.kernels.decode import weight_at
from hicsim.kernels.program import apply_steps
from hicsim.kernels.rng import mix_key, uniform32

RULE_HIC, RULE_MIXED_PRECISION, RULE_STOCHASTIC_PULSE = 0, 1, 2
_CLAMP = 2.0 ** 30  # at most 2^30 LSBs / steps per call: keeps float -> int32 conversions defined


ROW_BLOCK = 128  # rows per gradient product; fixed, so results do not depend on the thread count
# Row loops below use float64 arithmetic and only float64 <-> int32 conversions, which AVX2 can
# vectorise (it has no float64 <-> int64 ones): steps are int32, desired changes are clamped.


@njit(cache=True)
def _fill_uniforms(row_key, u):
    for j in range(u.shape[0]):
        u[j] = uniform32(row_key, j)


@njit(cache=True)
def _hic_row(grad, gain, acc_row, u, stochastic, acc_lo, acc_hi, per_step, steps_row):
    lsb_gain = gain * per_step
    inv_per_step = 1.0 / per_step  # exact: per_step is a power of two
    for j in range(grad.shape[0]):
        lsbs = min(max(grad[j] * lsb_gain, -_CLAMP), _CLAMP)
        rounded = np.floor(lsbs + (u[j] if stochastic else 0.5))
        a = min(max(acc_row[j] + rounded, acc_lo), acc_hi)
        n = np.trunc(a * inv_per_step)
        acc_row[j] = np.int32(a - n * per_step)
        steps_row[j] = np.int32(n)


@njit(cache=True)
def _mixed_precision_row(grad, gain, chi_row, steps_row):
    for j in range(grad.shape[0]):
        c = chi_row[j] + min(max(grad[j] * gain, -_CLAMP), _CLAMP)
        n = np.trunc(c)
        chi_row[j] = c - n
        steps_row[j] = np.int32(n)


@njit(cache=True)
def _stochastic_pulse_row(grad, gain, u, steps_row):
    for j in range(grad.shape[0]):
        steps_row[j] = np.int32(np.floor(min(max(grad[j] * gain, -_CLAMP), _CLAMP) + u[j]))


@njit(cache=True, parallel=True)
def accumulate_kernel(xT, delta, gain, rule, acc, chi, acc_lo, acc_hi, per_step, stochastic,
                      round_seed, steps, row_counts):
    """xT: (rows, batch) activations, transposed; delta: (batch, cols) errors; gain = -lr / step.
    Writes the whole steps of every weight into ``steps`` and how many weights of row i moved
    into ``row_counts[i]``. The gradient of a block of rows is one single-threaded BLAS product
    made inside this numba thread (see ``threads.py``)."""
    rows = xT.shape[0]
    cols = delta.shape[1]
    blocks = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    for blk in prange(blocks):
        r0 = blk * ROW_BLOCK
        r1 = min(rows, r0 + ROW_BLOCK)
        grad = np.dot(xT[r0:r1], delta)
        u = np.empty(cols, np.float64)
        for r in range(r1 - r0):
            i = r0 + r
            if rule == RULE_HIC:
                if stochastic:
                    _fill_uniforms(mix_key(round_seed, i), u)
                _hic_row(grad[r], gain, acc[i], u, stochastic, acc_lo, acc_hi, per_step, steps[i])
            elif rule == RULE_MIXED_PRECISION:
                _mixed_precision_row(grad[r], gain, chi[i], steps[i])
            else:
                _fill_uniforms(mix_key(round_seed, i), u)
                _stochastic_pulse_row(grad[r], gain, u, steps[i])
            count = 0
            for j in range(cols):
                count += steps[i, j] != 0
            row_counts[i] = count


PROGRAM_ROW_BLOCK = 16  # rows per task of the programming loop
# Below this many programmed weights a call programs them serially: starting a parallel region
# costs more (~100 us measured) than the ~1 us each weight takes.
SERIAL_PROGRAMMING_BELOW = 256


@njit(cache=True)
def program_rows(r0, r1, steps, row_counts, program_seed, st, lay, coef, offset, ml, bp, t_now,
                  weights, variance):
    cols = steps.shape[1]
    for i in range(r0, r1):
        if row_counts[i] == 0:
            continue
        for j in range(cols):
            n = steps[i, j]
            if n != 0:
                apply_steps(st, lay, ml, bp, i, j, n, t_now, mix_key(program_seed, i * cols + j))
                w, v = weight_at(st, lay.slot_binary, lay.slots, coef, offset, ml, bp, i, j, t_now)
                weights[i, j] = w
                variance[i, j] = v


@njit(cache=True, parallel=True)
def program_kernel(steps, row_counts, program_seed, st, lay, coef, offset, ml, bp, t_now,
                   weights, variance):
    """Program every weight with non-zero ``steps`` and refresh its effective weight and variance.

    Weights are independent and each draws from its own key, so row blocks run in parallel. The
    parallel loop only calls ``_program_rows``: with the (large) programming code inlined into
    the parallel region instead, numba took ten times longer (25 s) to compile it."""
    rows = steps.shape[0]
    blocks = (rows + PROGRAM_ROW_BLOCK - 1) // PROGRAM_ROW_BLOCK
    for blk in prange(blocks):
        r0 = blk * PROGRAM_ROW_BLOCK
        program_rows(r0, min(rows, r0 + PROGRAM_ROW_BLOCK), steps, row_counts, program_seed, st,
                     lay, coef, offset, ml, bp, t_now, weights, variance)
