"""``program.apply_pulse_train`` (the open-loop mixed-precision transfer with refresh) against its
numpy reference on identical draws: trains on either side, a refresh that re-programs the pair's
difference, and one whose difference is too small to program."""

import numpy as np
import pytest

from hicsim.kernels.crossbar import CrossbarArray
from hicsim.kernels.program import apply_pulse_train
from hicsim.kernels.pulse_train_reference import pulse_train_reference
from hicsim.spec import load_arch


def _copy(state):
    return type(state)(*(a.copy() for a in state))


@pytest.mark.parametrize("g_plus,g_minus,pulses", [
    (0.30, 0.10, 3),     # no refresh; three pulses on G+
    (0.20, 0.05, -2),    # no refresh; two pulses on G-
    (0.90, 0.50, 1),     # refresh: RESET both, 0.4 g_max re-programmed onto G+, then a pulse
    (0.40, 0.95, -4),    # refresh onto G-, then four pulses on G-
    (0.85, 0.85, 2),     # refresh whose difference is below half a level: both stay RESET
    (0.00, 0.00, 0),     # nothing to do: the reads and the new drift draw only
])
def test_pulse_train_matches_the_numpy_reference(g_plus, g_minus, pulses):
    xb = CrossbarArray(load_arch("arch_specs/pcm_multilevel.yaml"), np.zeros((3, 2)), w_max=1.0,
                       seed=5)
    st, p = xb.state, xb.ml
    i, j, t_prog, t_now = 1, 1, 2.0, 3.0   # a second after programming: drift and 1/f noise
    st.g[0, i, j], st.g[1, i, j] = g_plus * p.g_max, g_minus * p.g_max
    st.nu[:, i, j], st.t_prog[:, i, j], st.set_since_reset[:, i, j] = 0.06, t_prog, 1
    st.d2d[:, i, j] = (0.8, 1.3)
    kernel, reference = _copy(st), _copy(st)
    key = np.uint64(0x5EED1234)
    apply_pulse_train(kernel, p, i, j, pulses, t_now, key)
    pulse_train_reference(reference, p, i, j, pulses, t_now, key)
    for name in ("set_pulses", "reset_pulses", "cycles", "set_since_reset", "t_prog"):
        assert np.array_equal(getattr(kernel, name), getattr(reference, name)), name
    np.testing.assert_allclose(kernel.g, reference.g, rtol=1e-6, atol=0)
    np.testing.assert_allclose(kernel.nu, reference.nu, rtol=1e-6, atol=0)
    refreshed = max(g_plus, g_minus) > 0.8  # the cases sit far from the thresholds
    assert kernel.reset_pulses[:, i, j].tolist() == ([1, 1] if refreshed else [0, 0])
    side = 0 if pulses > 0 else 1
    assert int(kernel.set_pulses[side, i, j]) - int(st.set_pulses[side, i, j]) >= abs(pulses)
    untouched = np.ones(st.g.shape, bool)
    untouched[:, i, j] = False
    assert np.array_equal(kernel.g[untouched], st.g[untouched])  # one weight only
