"""Numba kernels of hicsim's functional side, and the per-layer crossbar object built on them.

The API a trainer uses
----------------------
``CrossbarArray(arch, weights, *, w_max=None, seed=0, t_now=0.0, input_bits=None, adc_headroom=4.0)``
    One layer's weight matrix W (rows = inputs, cols = outputs) programmed onto the devices of
    ``arch.tile.weights`` (hic, multilevel or bit_sliced; differential or offset sign).
    ``w_max`` is the largest representable |weight| (default max |weights|).

    ``.forward(x, *, noise=True, per_column=False, dtype=np.float64) -> (batch, cols)``
        y = x . W through the DAC (bit-serial slices of ``tile.dac.bits``), the devices (drifted
        to ``t_now``), read noise and the ADC (``tile.adc.bits``); float64, or float32 rounded
        once by the kernel.
    ``.backward(delta, **same options) -> (batch, rows)``: delta . W^T, the transposed read.
    ``.update(x, delta, lr, rule="hic") -> int``: W -= lr x^T delta through a device update rule:
        "hic" (low-precision accumulator from ``tile.accumulator``), "mixed_precision"
        (float accumulator chi transferred as open-loop SET pulse trains, Nandakumar 2020),
        "mixed_precision_closed_loop" (chi in levels, read-verified steps) or
        "stochastic_pulse"; returns the number of weights programmed. Conductances, wear counters and effective weights change in place.
    ``.set_time(t)``: move the array clock (seconds); drift and read noise are evaluated there.
    ``.effective_weights()``, ``.accumulated()`` (update not yet programmed), ``.wear()``
        (per-device set_pulses, reset_pulses, write_erase_cycles, each (devices, rows, cols)),
    ``.step`` (one device step in weight), ``.state`` (``hicsim.devices.DeviceState``;
    after editing it in place call ``forget_decode_prefix()`` or ``set_time``: a hic update
    resumes stored decode sums).
``FloatArray(weights)``: the fp32 baseline with the same forward / backward / update(rule="fp32").

Write-erase cycles: one per RESET that follows one or more SETs since the previous RESET
(``device_ops``). Randomness: every draw derives from ``seed`` and a per-array call counter, with
counter-based streams inside kernels, so results do not depend on the numba thread count.
Threads: kernels run BLAS single-threaded inside numba's threads (``threads.py``); a training loop
that also runs multi-threaded numpy products should wrap itself in ``blas_single_threaded()``.

Modules: ``rng``/``fast_normal``/``normal_quantile`` (counter-based draws), ``blas`` (in-kernel
sgemm on blocks), ``device_ops`` (one device, one event), ``program`` (update steps by
representation), ``decode`` (effective weights), ``quantize`` (DAC/ADC), ``mvm`` (closed-form noise
MVM), ``mvm_columns`` (per-column / per-element MVM), ``update`` (the fused accumulate-and-program
kernel), ``device_jit`` (the per-device functions, compiled without reference counting),
``prefetch`` (cache hints for the scattered weights an update programs), ``threads`` (BLAS and
numba's threading layer); ``float_like`` and ``float_bits`` (float32 / float64 choice and bit
casts inside kernels);
``*_reference`` are their numpy references.
"""

from hicsim import kernel_cache

kernel_cache.ensure_fresh_once()  # before any kernel loads from numba's cache (see kernel_cache.py)

from hicsim.kernels.threads import choose_threading_layer  # noqa: E402

choose_threading_layer()  # before any parallel kernel runs (threads.py)

from hicsim.kernels.crossbar import RULES, CrossbarArray  # noqa: E402
from hicsim.kernels.float_array import FloatArray  # noqa: E402
from hicsim.kernels.threads import blas_single_threaded  # noqa: E402

__all__ = ["CrossbarArray", "FloatArray", "RULES", "blas_single_threaded"]
