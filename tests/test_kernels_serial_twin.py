"""Serial twins of the parallel kernels (``kernels/serial_twin.py``): the same bits as the
parallel kernel on every kernel and representation, their own cache files, and the choice
between them by work and thread count."""

import numba
import numpy as np
import pytest

from hicsim.kernels.crossbar import RULES, CrossbarArray, _NO_STEPS
from hicsim.kernels.decode import DECODE
from hicsim.kernels.mvm import MVM
from hicsim.kernels.update import UPDATE
from hicsim.spec import load_arch

SPECS = ("arch_specs/hic_pcm.yaml", "arch_specs/pcm_multilevel.yaml", "arch_specs/isaac_like.yaml")
# The updates' scale, in device steps per unit of x^T delta (the kernel's -lr / step): every
# representation programs nearly every weight by some tens of steps, with RESETs and carries
# (isaac_like: 2.6 M SET and 1.4 M RESET pulses). A fixed lr of 0.02 gave isaac_like's small
# steps 6,000 pulses per weight, 23 s of CPU per kernel call.
STEPS_PER_UNIT = 5.0


def _array(spec, rows=300, cols=140):
    """Rows and columns over one task block each (``update.ROW_BLOCK``, ``mvm.COL_BLOCK``)."""
    rng = np.random.default_rng(5)
    xb = CrossbarArray(load_arch(spec), rng.uniform(-1, 1, (rows, cols)), w_max=1.0, seed=2)
    xb.set_time(1e3)  # drifted devices: read noise on
    return xb, rng


@pytest.mark.parametrize("transpose", [False, True])
def test_mvm_twin_gives_the_parallel_kernels_bits(transpose):
    xb, rng = _array(SPECS[0])
    assert xb._has_read_noise
    x = rng.standard_normal((600, xb.shape[1] if transpose else xb.shape[0])).astype(np.float32)
    outs = []
    for kernel in (MVM.parallel, MVM.serial):
        out = np.empty((600, xb.shape[0] if transpose else xb.shape[1]))
        kernel(x, xb.weights, xb.variance, transpose, 127, 30.0, 127, True, np.uint64(3), 3, out)
        outs.append(out)
    assert np.array_equal(outs[0], outs[1])


@pytest.mark.parametrize("spec,rule", [
    (SPECS[0], "hic"), (SPECS[0], "mixed_precision_closed_loop"), (SPECS[1], "mixed_precision"),
    (SPECS[1], "hic"), (SPECS[2], "stochastic_pulse"), (SPECS[2], "mixed_precision_closed_loop")])
def test_update_twin_programs_the_same_devices(spec, rule):
    """Both run the same update on copies of one array: same counts, accumulators, device
    planes, weights and variances."""
    arrays = [_array(spec)[0] for _ in range(2)]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 300)).astype(np.float32)
    d = rng.standard_normal((40, 140)).astype(np.float32)
    for xb, kernel in zip(arrays, (UPDATE.parallel, UPDATE.serial)):
        lo, hi, per_step, stochastic = xb._accumulator_format(rule)
        xb.counts = np.empty(300, np.int64)
        kernel(x, d, -STEPS_PER_UNIT, RULES[rule], xb._acc, xb._chi, lo, hi, per_step,
               stochastic, np.uint64(7), np.uint64(8), xb.state, xb.layout, xb._coef,
               xb._offset, xb.ml, xb.bp, xb.t_now, xb.weights, xb.variance, xb.counts,
               _NO_STEPS, rule == "mixed_precision")
    a, b = arrays
    assert a.counts.sum() > 100  # the test exercises programming
    for name in ("counts", "_acc", "_chi", "weights", "variance"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for field, pa, pb in zip(a.state._fields, a.state, b.state):
        assert np.array_equal(pa, pb), field


@pytest.mark.parametrize("spec", SPECS)
def test_decode_twin_gives_the_parallel_kernels_bits(spec):
    xb, _ = _array(spec)
    outs = []
    for kernel in (DECODE.parallel, DECODE.serial):
        w, v = np.empty(xb.shape, np.float32), np.empty(xb.shape, np.float32)
        kernel(xb.state, xb.layout.slot_binary, xb.layout.slots, xb._coef, xb._offset, xb.ml,
               xb.bp, 3e5, w, v)
        outs.append((w, v))
    assert np.array_equal(outs[0][0], outs[1][0]) and np.array_equal(outs[0][1], outs[1][1])


def test_twins_are_serial_with_cache_files_of_their_own():
    for twin in (MVM, UPDATE, DECODE):
        assert twin.parallel.targetoptions.get("parallel") is True
        assert not twin.serial.targetoptions.get("parallel")
        assert twin.serial.py_func.__code__ is twin.parallel.py_func.__code__  # one source
        assert twin.serial.py_func.__qualname__ == twin.parallel.py_func.__qualname__ + "_serial"
        assert twin.serial._cache._impl.filename_base != twin.parallel._cache._impl.filename_base


def test_pick_runs_small_calls_and_single_threads_serially():
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        if numba.get_num_threads() > 1:
            assert MVM.pick(MVM.min_parallel_work) is MVM.parallel
        assert MVM.pick(MVM.min_parallel_work - 1) is MVM.serial
        numba.set_num_threads(1)
        assert MVM.pick(10 * MVM.min_parallel_work) is MVM.serial
    finally:
        numba.set_num_threads(threads)
