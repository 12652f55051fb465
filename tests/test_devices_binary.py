"""Binary PCM cell: state spreads, drift, read margin; and the write-erase counting rule."""

import numpy as np
import pytest

from hicsim.devices import binary
from hicsim.devices.params import binary_params
from hicsim.devices.state import allocate
from hicsim.kernels import device_ops
from hicsim.spec import load_arch

ARCH = load_arch("arch_specs/hic_pcm.yaml")
B = binary_params(ARCH.devices["pcm_bin"])


def test_state_spreads():
    z = np.random.default_rng(0).standard_normal(100_000)
    on = binary.program_state(B, np.ones(z.size, bool), z)
    off = binary.program_state(B, np.zeros(z.size, bool), z)
    assert on.mean() == pytest.approx(B.g_on, rel=2e-3, abs=0)
    assert on.std() / B.g_on == pytest.approx(B.sigma_on, rel=0.02, abs=0)
    assert off.min() >= 0.0  # a 30 % spread would go negative without the floor
    assert np.median(off) == pytest.approx(B.g_off, rel=0.01, abs=0)


def test_read_margin_shrinks_with_drift_and_matches_formula():
    ratio = (1e6 + 20.0) / 20.0  # the drift law at t + t0
    expected = (B.g_on * ratio ** -B.nu_on * (1 - 3 * B.sigma_on)
                - B.g_off * ratio ** -B.nu_off * (1 + 3 * B.sigma_off))
    assert binary.read_margin(B, 1e6) == pytest.approx(expected, rel=1e-12, abs=0)
    assert binary.read_margin(B, 1e8) < binary.read_margin(B, 1.0)
    assert B.g_off < binary.read_threshold(B) < B.g_on


def test_write_erase_cycle_counts_reset_after_sets_only():
    st = allocate(1, 1, 1)
    ops = ["set", "set", "reset", "reset", "set", "reset", "reset", "set"]
    for op in ops:
        if op == "set":
            device_ops.count_sets(st, 0, 0, 0, 1)
        else:
            device_ops.count_reset(st, 0, 0, 0)
    assert st.set_pulses[0, 0, 0] == 4
    assert st.reset_pulses[0, 0, 0] == 4
    assert st.cycles[0, 0, 0] == 2  # the 2nd and 4th RESET follow no SET
    assert st.set_since_reset[0, 0, 0] == 1


def test_binary_write_matches_numpy_model():
    st = allocate(1, 2, 1)
    from hicsim.kernels.rng import normal
    key = np.uint64(99)
    device_ops.write_binary(st, 0, 0, 0, B, 5.0, True, key, 0)
    device_ops.write_binary(st, 0, 1, 0, B, 5.0, False, key, 1)
    assert st.g[0, 0, 0] == pytest.approx(binary.program_state(B, True, normal(key, 0)), rel=1e-6, abs=0)
    assert st.g[0, 1, 0] == pytest.approx(binary.program_state(B, False, normal(key, 1)), rel=1e-6, abs=0)
    assert st.nu[0, 0, 0] == pytest.approx(B.nu_on) and st.nu[0, 1, 0] == pytest.approx(B.nu_off)
    assert (st.set_pulses[0, :, 0].tolist(), st.reset_pulses[0, :, 0].tolist()) == ([1, 0], [0, 1])
    assert st.t_prog[0, 0, 0] == 5.0
