"""Outer-product weight update kernel (numba): gradient, accumulation rule, device programming.

One parallel region per call, over fixed blocks of crossbar rows (so results do not depend on the
thread count). A block forms its gradient rows sum_b x[b, i] delta[b, :] with one single-threaded
BLAS product (``blas.sgemm``, reading x transposed in place) made inside its numba thread (see
``threads.py``), then row by row turns the desired change into whole device steps by the chosen
rule and programs the weights that moved (``program.apply_steps``), refreshing their effective
weight and read-noise variance (a hic weight from its decode prefix where it can,
``decode.NO_PREFIX``). Fusing the rule and the programming into one pass keeps each row in cache
and needs neither a steps matrix nor a second parallel region (starting one cost 10-80 us here,
as much as programming 20-100 weights).

Rules (``desired`` is -lr x gradient in device steps):
- RULE_HIC: a low-precision integer accumulator per weight. It counts in LSBs of
  1 / 2^f step (f = ``tile.accumulator.fraction_bits``, default bits - 2, which saturates at about
  +-2 steps); the update is rounded to LSBs (nearest or stochastic), added, saturated to
  [-2^(bits-1), 2^(bits-1) - 1]; n = trunc(acc / 2^f) steps are programmed and n x 2^f removed.
- RULE_MIXED_PRECISION: Nandakumar 2020: a float accumulator chi (in steps); n = trunc(chi),
  chi -= n. With ``open_loop`` the step is the device's mean SET step epsilon and n is applied as
  a train of n open-loop SET pulses (``program.apply_pulse_train``, the published scheme);
  without it each step is a closed-loop move of one level (``program.apply_steps``).
- RULE_STOCHASTIC_PULSE: no accumulator; n = floor(desired + u), u uniform: the expected number of
  pulses equals the desired change (aihwkit's coincidence pulse trains have the same mean).

Random numbers: stochastic rounding uses uniform24(mix_key(seed, row), col); a programmed weight
draws from mix_key(program_seed, row * cols + col). Thread count cannot change them.
"""

from __future__ import annotations


import numpy as np
from numba import njit, prange

from hicsim.kernels.blas import sgemm
from hicsim.kernels.decode import NO_MEMO, NO_PREFIX, q_clip_below, weight_at
from hicsim.kernels.device_jit import device_jit
from hicsim.kernels.float_like import like
from hicsim.kernels.prefetch import prefetch
from hicsim.kernels.program import apply_pulse_train, apply_steps
from hicsim.kernels.rng import mix_key, uniform24
from hicsim.kernels.serial_twin import TwinKernel

RULE_HIC, RULE_MIXED_PRECISION, RULE_STOCHASTIC_PULSE = 0, 1, 2
_CLAMP = np.float32(2.0 ** 30)  # at most 2^30 LSBs / steps per call: keeps float -> int32
# conversions defined


ROW_BLOCK = 128  # rows per task and gradient product; fixed, so results do not depend on the
# thread count. Four tasks on a 512-row tile; 64-row products ran 15-30 % slower in BLAS.

# The rule loops below run in float32 with int32 accumulators and steps, so that AVX2 runs them 8
# lanes wide (0.84 ns per weight with stochastic rounding, against 1.6 in float64, one thread);
# anything 64-bit in a loop (float64 arithmetic, numba's int64 counters) narrows it to 4 lanes.
# The stored state stays exact: accumulators of up to 24 bits are integers float32 holds exactly,
# and chi is stored in float32. The desired change is rounded to float32 (2^-24 relative), the
# precision of the float32 gradient product it comes from; that moves a rounding decision only
# where it sits within that margin of an LSB boundary. HIC accumulators wider than 24 bits are not
# exact in float32, so the caller passes their bounds as float64 and ``_hic_row`` is compiled for
# float64 too (``like``).
# Weights that moved are counted in a loop of their own (``_moved``): an int64 sum inside the
# rule loop narrowed it to 4 lanes. Uniform draws are inline (``uniform24``), and a flag tested
# inside a loop costs nothing measurable: LLVM moves the test out of the loop.


@njit(cache=True)
def _moved(steps_row):
    moved = 0
    for j in range(steps_row.shape[0]):
        moved += steps_row[j] != 0
    return moved


@njit(cache=True)
def _hic_row(grad, gain, acc_row, row_key, stochastic, acc_lo, acc_hi, per_step, steps_row):
    """``acc_lo``, ``acc_hi``, ``per_step``: float32 or float64, the width of the arithmetic."""
    lsb_gain = like(gain * per_step, per_step)
    inv_step = like(1.0 / per_step, per_step)  # exact: per_step is a power of two
    clamp = like(_CLAMP, per_step)
    for j in range(grad.shape[0]):
        offset = like(uniform24(row_key, j) if stochastic else 0.5, per_step)
        lsbs = min(max(grad[j] * lsb_gain, -clamp), clamp)
        a = min(max(like(acc_row[j], per_step) + np.floor(lsbs + offset), acc_lo), acc_hi)
        n = np.trunc(a * inv_step)
        acc_row[j] = np.int32(a - n * per_step)
        steps_row[j] = np.int32(n)


@njit(cache=True)
def _mixed_precision_row(grad, gain, chi_row, steps_row):
    g = np.float32(gain)
    for j in range(grad.shape[0]):
        c = chi_row[j] + min(max(grad[j] * g, -_CLAMP), _CLAMP)
        n = np.trunc(c)
        chi_row[j] = c - n
        steps_row[j] = np.int32(n)


@njit(cache=True)
def _stochastic_pulse_row(grad, gain, row_key, steps_row):
    g = np.float32(gain)
    for j in range(grad.shape[0]):
        n = np.floor(min(max(grad[j] * g, -_CLAMP), _CLAMP) + uniform24(row_key, j))
        steps_row[j] = np.int32(n)


@njit(cache=True)
def _row_steps(rule, grad, gain, acc_row, chi_row, acc_lo, acc_hi, per_step, stochastic, row_key,
               steps_row):
    """Whole steps of one row's weights by ``rule``; updates that row's accumulators and returns
    how many weights moved."""
    if rule == RULE_HIC:
        _hic_row(grad, gain, acc_row, row_key, stochastic, acc_lo, acc_hi, per_step, steps_row)
    elif rule == RULE_MIXED_PRECISION:
        _mixed_precision_row(grad, gain, chi_row, steps_row)
    else:
        _stochastic_pulse_row(grad, gain, row_key, steps_row)
    return _moved(steps_row)


@device_jit
def _prefetch_row(i, steps_row, st, prefix, first):
    """Start loading what programming and decoding read of row i's moving weights: their devices'
    conductance, drift exponent and programming time, and their code and sign (``prefetch.py``).
    Without it each weight waited for some thirty cache misses in turn. With a decode prefix,
    only it and the devices from ``first`` on (side 0's multi-level one: the first a step can
    change)."""
    for j in range(steps_row.shape[0]):
        if steps_row[j] != 0:
            prefetch(st.code, (i, j))
            prefetch(st.sign, (i, j))
            if prefix.shape[0]:
                prefetch(prefix, (i, j, 0))
            for d in range(first, st.g.shape[0]):
                prefetch(st.g, (d, i, j))
                prefetch(st.nu, (d, i, j))
                prefetch(st.t_prog, (d, i, j))


@device_jit(inline=True)
def program_weight(st, lay, coef, offset, ml, bp, i, j, n, t_now, key, open_loop, clip_ml,
                   clip_bin, prefix, memo):
    """Program weight (i, j) by ``n`` steps (or pulses, ``open_loop``); returns its (weight,
    read-noise variance, memo), the memo of time factors passed on to the row's next weight (its
    devices were mostly programmed at the same times: an update programs them all at t_now).
    A hic weight whose code and sign did not change had only its active multi-level device
    written (one call's steps all go one way, so its sign changes at most once and its code moves
    monotonically while the sign holds): its decode resumes from the prefix. ``weight_at`` is
    called from one place, so that LLVM inlines it (``decode.weight_at``)."""
    code, sign = st.code[i, j], st.sign[i, j]
    if open_loop:
        apply_pulse_train(st, ml, i, j, n, t_now, key)
    else:
        apply_steps(st, lay, ml, bp, i, j, n, t_now, key)
    reuse = st.code[i, j] == code and st.sign[i, j] == sign
    return weight_at(st, lay.slot_binary, lay.slots, coef, offset, ml, bp, i, j, t_now, clip_ml,
                     clip_bin, memo, prefix, reuse)


@device_jit
def _program_row(i, steps_row, program_seed, st, lay, coef, offset, ml, bp, t_now, weights,
                 variance, open_loop, clip_ml, clip_bin, prefix):
    """Program the weights of row i with non-zero steps."""
    cols = steps_row.shape[0]
    _prefetch_row(i, steps_row, st, prefix, lay.slots - 1 if prefix.shape[0] else 0)
    memo = NO_MEMO
    for j in range(cols):
        n = steps_row[j]
        if n != 0:
            w, v, memo = program_weight(st, lay, coef, offset, ml, bp, i, j, n, t_now,
                                        mix_key(program_seed, i * cols + j), open_loop, clip_ml,
                                        clip_bin, prefix, memo)
            weights[i, j] = w
            variance[i, j] = v


@njit(cache=True)
def _update_rows(r0, r1, x, delta, gain, rule, acc, chi, acc_lo, acc_hi, per_step, stochastic,
                 round_seed, program_seed, st, lay, coef, offset, ml, bp, t_now, weights,
                 variance, row_counts, steps_out, open_loop, clip_ml, clip_bin, gradient_given,
                 prefix):
    """Rows r0..r1 of ``update_kernel``: one gradient product (or the given gradient's rows),
    then rule and programming row by row."""
    cols = delta.shape[1]
    if gradient_given:
        grad = delta[r0:r1]
    else:
        batch, rows = x.shape
        grad = np.empty((r1 - r0, cols), np.float32)  # x[:, r0:r1]^T . delta
        sgemm(True, False, r1 - r0, cols, batch, x[:, r0:], rows, delta, cols, grad, cols)
    steps_row = np.empty(cols, np.int32)
    for r in range(r1 - r0):
        i = r0 + r
        moved = _row_steps(rule, grad[r], gain, acc[i], chi[i], acc_lo, acc_hi, per_step,
                           stochastic, mix_key(round_seed, i), steps_row)
        row_counts[i] = moved
        if steps_out.shape[0]:
            steps_out[i] = steps_row
        elif moved:
            _program_row(i, steps_row, program_seed, st, lay, coef, offset, ml, bp, t_now,
                         weights, variance, open_loop, clip_ml, clip_bin, prefix)


@njit(cache=True, parallel=True)
def update_kernel(x, delta, gain, rule, acc, chi, acc_lo, acc_hi, per_step, stochastic,
                  round_seed, program_seed, st, lay, coef, offset, ml, bp, t_now, weights,
                  variance, row_counts, steps_out, open_loop=False, gradient_given=False,
                  prefix=NO_PREFIX):
    """x: (batch, rows) activations; delta: (batch, cols) errors; gain = -lr / step.
    ``open_loop``: program RULE_MIXED_PRECISION's steps as open-loop SET pulse trains.
    ``gradient_given``: delta is the gradient x^T delta itself, (rows, cols), and x is not read
    (the same rows as the identity's product, without that product: ``CrossbarArray.update``).
    Writes how many weights of row i were programmed into ``row_counts[i]`` and returns their
    sum (summed here: numpy's sum of the rows took 1 us a call).

    ``steps_out``: empty (0, 0) to program the devices; a (rows, cols) array to receive the steps
    instead, with the devices left alone (the tests compare the rules with their reference so).
    ``prefix``: a hic array's decode prefix (``decode.NO_PREFIX``), valid at ``t_now``.
    Rounding draws: uniform24(mix_key(round_seed, row), col); weight (i, j) programs with draws
    from mix_key(program_seed, i * cols + j)."""
    rows = delta.shape[0] if gradient_given else x.shape[1]
    clip_ml, clip_bin = q_clip_below(ml), q_clip_below(bp)
    for blk in prange((rows + ROW_BLOCK - 1) // ROW_BLOCK):
        r0 = blk * ROW_BLOCK
        _update_rows(r0, min(rows, r0 + ROW_BLOCK), x, delta, gain, rule, acc, chi, acc_lo,
                     acc_hi, per_step, stochastic, round_seed, program_seed, st, lay, coef,
                     offset, ml, bp, t_now, weights, variance, row_counts, steps_out, open_loop,
                     clip_ml, clip_bin, gradient_given, prefix)
    return row_counts.sum()


# Calls whose gradient product has fewer multiply-adds run serially (``serial_twin.py``; the same
# measure as ``mvm.MVM``). ``update_gradient`` has no product and measures its gradient's weights,
# so it runs serially below 16 M weights: serial was the faster at every size tried (hic_pcm, lr
# 0.05, 2 threads, load 1: 4,608 weights 46 against 176 us, 36,864 78 against 203 us, 262,144
# 197 against 260 us), since most weights of a step are not programmed.
UPDATE = TwinKernel(update_kernel, min_parallel_work=16e6)
