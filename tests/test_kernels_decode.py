"""The decode kernel's shortcuts (``kernels/decode.weight_at``): it must give the very bits of the
plain per-device sum of ``_read`` it replaced, also where an update resumes a weight's sum from
its decode prefix, and the read-noise clip it uses to skip a power must be certain; and the
threading layer the kernels choose (``kernels/threads.py``)."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from hicsim.kernels.crossbar import CrossbarArray
from hicsim.kernels.decode import DECODE, _read, q_clip_below
from hicsim.spec import load_arch
from hicsim.train.stores import load_store_state, store_state

SPECS = {"hic": "arch_specs/hic_pcm.yaml", "multilevel": "arch_specs/pcm_multilevel.yaml",
         "bit_sliced": "arch_specs/isaac_like.yaml"}


@njit
def _plain_decode(st, slot_binary, slots, coef, offset, ml, bp, t_now, weights, variance):
    """Every device through ``_read``, in the order ``weight_at`` sums them: its reference."""
    for i in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            w = 0.0
            var = 0.0
            d = 0
            for _side in range(coef.shape[0] // slots):
                for s in range(slots):
                    g_prog = float(st.g[d, i, j])
                    elapsed = t_now - st.t_prog[d, i, j]
                    if g_prog != 0.0:
                        if slot_binary[s]:
                            g_now, sd = _read(bp, g_prog, g_prog / bp.g_on, st.nu[d, i, j], elapsed)
                        else:
                            g_now, sd = _read(ml, g_prog, g_prog / ml.g_max, st.nu[d, i, j], elapsed)
                        w += coef[d] * g_now
                        var += coef[d] * coef[d] * sd * sd
                    else:
                        w += coef[d] * g_prog
                    d += 1
            weights[i, j] = w - offset
            variance[i, j] = var


@pytest.mark.parametrize("spec", list(SPECS))
def test_decode_gives_the_bits_of_the_plain_device_sum(spec):
    """Devices programmed at many different times (updates between clock moves, some devices
    in the future of the clock: elapsed < 0), read at several times: identical bits."""
    rng = np.random.default_rng(11)
    arch = load_arch(SPECS[spec], {"tile.accumulator": {"bits": 6, "rounding": "stochastic"}})
    xb = CrossbarArray(arch, rng.uniform(-1, 1, (20, 30)), w_max=1.0, seed=4)
    rule = "stochastic_pulse" if spec == "bit_sliced" else "hic"
    lr = 12 * xb.step  # every representation moves some tens of device steps per update (a fixed
    # lr of 0.05 made bit-sliced's small steps cost thousands of pulses per weight: seconds)
    for k in range(12):
        xb.set_time(3.0 * k)
        xb.update(rng.standard_normal((8, 20)), rng.standard_normal((8, 30)), lr, rule)
    lay = xb.layout
    for t_now in (0.0, 7.5, 33.0, 1e3, 3e7):
        xb.set_time(t_now)
        w, v = np.empty_like(xb.weights), np.empty_like(xb.variance)
        _plain_decode(xb.state, lay.slot_binary, lay.slots, xb._coef, xb._offset, xb.ml, xb.bp,
                      t_now, w, v)
        assert np.array_equal(xb.weights, w) and np.array_equal(xb.variance, v)
        assert np.count_nonzero(xb.variance) > 0.5 * xb.variance.size


@njit
def _q_plain(p, gh):
    return min(p.read_q_coeff / max(gh ** p.read_q_exp, 1e-3), p.read_q_max)


def test_read_noise_clip_is_certain_below_its_threshold():
    """Just below the threshold the power clips to q_max; the exact root is within 1e-6 of it
    (so the shortcut costs nothing); no threshold when the clip cannot happen."""
    xb = CrossbarArray(load_arch(SPECS["hic"]), np.zeros((2, 2)), w_max=1.0)
    p = xb.bp
    below = q_clip_below(p)
    root = (p.read_q_coeff / p.read_q_max) ** (1.0 / p.read_q_exp)
    assert below == pytest.approx(root * (1 - 1e-6), rel=1e-12) and 0.0 < below < 1.0
    for gh in np.linspace(0.0, below, 1001)[:-1]:
        assert _q_plain(p, gh) == p.read_q_max
    assert _q_plain(p, root * 1.001) < p.read_q_max
    assert q_clip_below(p._replace(read_q_max=p.read_q_coeff / 1e-3 * 1.1)) == 0.0  # 1e-3 floor
    assert q_clip_below(p._replace(read_q_exp=0.0)) == 0.0
    assert math.isfinite(q_clip_below(xb.ml))


def _layer_in_fresh_process(env_extra):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    env.update(env_extra)
    # a small array decodes with the serial twin (serial_twin.py): run the parallel one itself
    code = ("import numba, hicsim.kernels, numpy as np\n"
            "from hicsim.kernels.crossbar import CrossbarArray\n"
            "from hicsim.kernels.decode import DECODE\n"
            "from hicsim.spec import load_arch\n"
            "xb = CrossbarArray(load_arch('arch_specs/hic_pcm.yaml'), np.zeros((4, 4)), w_max=1.0)\n"
            "DECODE.parallel(xb.state, xb.layout.slot_binary, xb.layout.slots, xb._coef,\n"
            "                xb._offset, xb.ml, xb.bp, 0.0, xb.weights, xb.variance)\n"
            "print(numba.threading_layer())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def test_kernels_run_on_the_workqueue_layer_unless_the_environment_names_one():
    assert _layer_in_fresh_process({}) == "workqueue"
    assert _layer_in_fresh_process({"NUMBA_THREADING_LAYER": "omp"}) == "omp"


def _full_decode(xb):
    """The array's weights and variances decoded afresh from its devices (no decode prefix)."""
    w, v = np.empty_like(xb.weights), np.empty_like(xb.variance)
    DECODE.serial(xb.state, xb.layout.slot_binary, xb.layout.slots, xb._coef, xb._offset, xb.ml,
                  xb.bp, xb.t_now, w, v)
    return w, v


def _hic_array(seed):
    arch = load_arch(SPECS["hic"], {"tile.accumulator": {"bits": 6, "rounding": "stochastic"}})
    return CrossbarArray(arch, np.random.default_rng(0).uniform(-0.3, 0.3, (24, 40)), w_max=1.0,
                         seed=seed)


@pytest.mark.parametrize("t_step", [0.0, 50.0])
def test_updates_resuming_the_decode_prefix_give_a_full_decodes_bits(t_step):
    """The update decodes a programmed hic weight from its stored prefix where only the active
    multi-level device moved: after updates with carries, borrows and sign changes (the clock
    standing still, or moving between updates), the weights and variances are those of a full
    decode of the devices."""
    rng = np.random.default_rng(12)
    xb = _hic_array(5)
    signs, codes = xb.state.sign.copy(), xb.state.code.copy()
    for k in range(10):
        if t_step:  # a still clock keeps the prefix the previous update stored
            xb.set_time(t_step * k)
        xb.update(rng.standard_normal((8, 24)), rng.standard_normal((8, 40)), 8 * xb.step, "hic")
        w, v = _full_decode(xb)
        assert np.array_equal(xb.weights, w) and np.array_equal(xb.variance, v)
    assert np.count_nonzero(xb.state.sign != signs) > 20  # the test crosses zero
    assert np.count_nonzero(xb.state.code != codes) > 100  # and carries
    assert xb._prefix.sums.shape == xb.shape + (2,)


def test_a_loaded_state_is_decoded_afresh_by_the_next_update():
    """A store that loads another's device state forgets its own decode prefix (it describes
    its old devices); the next update then gives the other store's numbers."""
    rng = np.random.default_rng(13)
    a, b = _hic_array(6), _hic_array(6)
    x, d = rng.standard_normal((8, 24)), rng.standard_normal((8, 40))
    a.update(x, d, 8 * a.step, "hic")
    load_store_state(b, store_state(a))
    a.update(-x, d, 8 * a.step, "hic")
    b.update(-x, d, 8 * b.step, "hic")
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.variance, b.variance)
    assert np.array_equal(b.weights, _full_decode(b)[0])
