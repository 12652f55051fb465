"""Numpy reference of the update kernel's accumulation rules (``update.update_kernel`` with
``steps_out``): from the gradient to whole device steps per weight, with the same rounding draws
and the same arithmetic widths."""

from __future__ import annotations

import numpy as np

from hicsim.kernels.rng import mix_key_np, uniform24_np
from hicsim.kernels.update import RULE_HIC, RULE_MIXED_PRECISION

_CLAMP = 2.0 ** 30


def gradient_reference(x, delta):
    """sum_b x[b, i] delta[b, j]."""
    return np.asarray(x, np.float64).T @ np.asarray(delta, np.float64)


def steps_reference(grad, gain, rule, acc, chi, acc_lo, acc_hi, per_step, stochastic, round_seed):
    """(steps, new acc, new chi) for ``grad`` (rows, cols); ``gain`` = -lr / step. Arithmetic in
    float32, as the kernel's, except for HIC accumulators whose bounds come as float64."""
    rows, cols = grad.shape
    keys = mix_key_np(round_seed, np.arange(rows, dtype=np.uint64))
    u = uniform24_np(keys[:, None], np.arange(cols, dtype=np.uint64)[None, :])
    grad = np.asarray(grad, np.float32)
    acc, chi = acc.copy(), chi.copy()
    if rule == RULE_HIC:
        width = type(per_step)
        lsbs = np.clip(grad * width(np.float64(gain) * np.float64(per_step)), -_CLAMP, _CLAMP)
        rounded = np.floor(lsbs + (u.astype(width) if stochastic else width(0.5)))
        total = np.clip(acc.astype(width) + rounded, acc_lo, acc_hi)
        steps = np.trunc(total / per_step)
        acc[:] = total - steps * per_step
        return steps.astype(np.int64), acc, chi
    desired = np.clip(grad * np.float32(gain), -_CLAMP, _CLAMP)
    if rule == RULE_MIXED_PRECISION:
        total = chi + desired
        steps = np.trunc(total)
        chi[:] = total - steps
    else:
        steps = np.floor(desired + u)
    return steps.astype(np.int64), acc, chi
