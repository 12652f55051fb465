"""The two PCM technologies: a multi-level cell (program-and-verify writes) and a binary cell."""

from __future__ import annotations

from hicsim.devices.params import BinaryParams, MultilevelParams, binary_params, multilevel_params
from hicsim.hardware.ids import Action
from hicsim.hardware.technology import DeviceTechnology
from hicsim.spec.devices import PcmBinary, PcmMultilevel


class _Pcm(DeviceTechnology):
    def pulse_times(self) -> dict[Action, float]:
        s = self.spec
        return {Action.SET_PULSE: s.set_pulse.width, Action.RESET_PULSE: s.reset_pulse.width,
                Action.READ: s.read_latency}


class PcmMultilevelTechnology(_Pcm):
    kind = "pcm_multilevel"
    spec_model = PcmMultilevel

    def conductance_range(self) -> tuple[float, float]:
        return self.spec.g_min, self.spec.g_max

    def write_time(self) -> float:
        """RESET, then program-and-verify iterations of one SET pulse and one verify read."""
        s = self.spec
        per_iteration = s.set_pulse.width + s.read_latency
        return s.reset_pulse.width + s.verify_iterations * per_iteration

    def program_actions(self, n: int) -> dict[Action, int]:
        v = self.spec.verify_iterations
        return {Action.RESET_PULSE: n, Action.SET_PULSE: n * v, Action.READ: n * v}

    def update_actions(self, set_pulses: float, reset_pulses: float) -> dict[Action, float]:
        """Each re-programming after a RESET is verified by reads (the SET steps are not)."""
        return {Action.SET_PULSE: set_pulses, Action.RESET_PULSE: reset_pulses,
                Action.READ: reset_pulses * self.spec.verify_iterations}

    def ideal_overrides(self) -> dict[str, float]:
        s = self.spec
        out = {f"programming_noise.{c}": 0.0 for c in ("c0", "c1", "c2")}
        out.update({f"drift.{k}": 0.0 for k in ("mu_min", "mu_max", "sigma_min", "sigma_max",
                                                 "mu_slope", "mu_intercept", "sigma_slope",
                                                 "sigma_intercept")})
        out["read_noise.q_coeff"] = 0.0
        out["set_response.a_up"] = 0.0
        out["set_response.dw_min"] = s.set_response.w_max / (s.levels - 1)
        out.update({f"set_response.{k}": 0.0
                    for k in ("sigma_c2c", "sigma_add", "sigma_slope", "sigma_d2d")})
        return out

    def kernel_params(self) -> MultilevelParams:
        return multilevel_params(self.spec)


class PcmBinaryTechnology(_Pcm):
    kind = "pcm_binary"
    spec_model = PcmBinary

    def conductance_range(self) -> tuple[float, float]:
        return self.spec.g_off, self.spec.g_on

    def write_time(self) -> float:
        """RESET, then one SET pulse."""
        return self.spec.reset_pulse.width + self.spec.set_pulse.width

    def program_actions(self, n: int) -> dict[Action, int]:
        """One RESET each, then a SET for the devices that hold a 1 (half, for equally likely bits)."""
        return {Action.RESET_PULSE: n, Action.SET_PULSE: n // 2}

    def update_actions(self, set_pulses: float, reset_pulses: float) -> dict[Action, float]:
        return {Action.SET_PULSE: set_pulses, Action.RESET_PULSE: reset_pulses}

    def ideal_overrides(self) -> dict[str, float]:
        return {k: 0.0 for k in ("sigma_on", "sigma_off", "drift_nu_on", "drift_nu_off",
                                 "read_noise.q_coeff")}

    def kernel_params(self) -> BinaryParams:
        return binary_params(self.spec)
