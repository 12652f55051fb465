"""Numpy reference of the update kernel's accumulation rules (``update.steps_for``): from the
gradient to whole device steps per weight, with the same rounding draws."""

from __future__ import annotations

import numpy as np

from hicsim.kernels.rng import mix_key_np, uniform32_np
from hicsim.kernels.update import RULE_HIC, RULE_MIXED_PRECISION

_CLAMP = 2.0 ** 30


def gradient_reference(x, delta):
    """sum_b x[b, i] delta[b, j]."""
    return np.asarray(x, np.float64).T @ np.asarray(delta, np.float64)


def steps_reference(grad, gain, rule, acc, chi, acc_lo, acc_hi, per_step, stochastic, round_seed):
    """(steps, new acc, new chi) for ``grad`` (rows, cols); ``gain`` = -lr / step."""
    rows, cols = grad.shape
    keys = mix_key_np(round_seed, np.arange(rows, dtype=np.uint64))
    u = uniform32_np(keys[:, None], np.arange(cols, dtype=np.uint64)[None, :])
    desired = np.clip(grad * gain, -_CLAMP, _CLAMP)
    acc, chi = acc.copy(), chi.copy()
    if rule == RULE_HIC:
        lsbs = np.clip(grad * (gain * per_step), -_CLAMP, _CLAMP)
        rounded = np.floor(lsbs + (u if stochastic else 0.5))
        total = np.clip(acc + rounded, acc_lo, acc_hi)
        steps = np.trunc(total / per_step).astype(np.int64)
        acc[:] = total - steps * per_step
    elif rule == RULE_MIXED_PRECISION:
        total = chi.astype(np.float64) + desired
        steps = np.trunc(total).astype(np.int64)
        chi[:] = total - steps
    else:
        steps = np.floor(desired + u).astype(np.int64)
    return steps, acc, chi
