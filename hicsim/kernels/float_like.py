"""``like(value, template)``: ``value`` as a float of ``template``'s width, inside numba kernels.

Lets one kernel source serve float32 and float64 arithmetic: the caller picks the width by the
type of a scalar it passes, and numba compiles one specialisation per width. (numba's own rules
promote int32 + float32 to float64, so a plain expression cannot stay in float32.)
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload


def like(value, template):
    return type(template)(value)


@overload(like)
def _like(value, template):
    if isinstance(template, types.Float) and template.bitwidth == 32:
        return lambda value, template: np.float32(value)
    return lambda value, template: np.float64(value)
