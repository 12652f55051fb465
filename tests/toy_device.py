"""A toy device technology, registered by the tests and nowhere else: an ideal, linear analog cell
written in one pulse (no RESET before a write, no verify reads), with no programming noise, drift
or read noise. It shows that adding a technology is one module: its spec model, its technology
class and one ``register_device_kind`` call; no engine, kernel or training module changes."""

from __future__ import annotations

from typing import ClassVar, Literal, Optional

from pydantic import Field

from hicsim.devices.params import MultilevelParams, set_span_fields
from hicsim.hardware.ids import Action
from hicsim.hardware.technology import DeviceTechnology, register_device_kind
from hicsim.spec.devices import Pulse
from hicsim.spec.quantities import Area, Conductance, Count, Energy, PositiveInt, Strict, Time


class ToyLinearCell(Strict):
    cell: ClassVar[str] = "analog"
    kind: Literal["toy_linear"]
    g_max: Conductance
    levels: PositiveInt = Field(ge=2)
    set_pulse: Pulse
    reset_pulse: Pulse
    read_latency: Time = Field(default="10 ns")
    read_energy: Energy = Field(default="1 pJ")
    endurance: Count = 1e12
    area: Optional[Area] = None


class ToyLinearTechnology(DeviceTechnology):
    kind = "toy_linear"
    spec_model = ToyLinearCell

    def conductance_range(self) -> tuple[float, float]:
        return 0.0, self.spec.g_max

    def write_time(self) -> float:
        return self.spec.set_pulse.width  # one pulse to any level

    def pulse_times(self) -> dict[Action, float]:
        s = self.spec
        return {Action.SET_PULSE: s.set_pulse.width, Action.RESET_PULSE: s.reset_pulse.width,
                Action.READ: s.read_latency}

    def program_actions(self, n: int) -> dict[Action, int]:
        return {Action.SET_PULSE: n}

    def update_actions(self, set_pulses: float, reset_pulses: float) -> dict[Action, float]:
        return {Action.SET_PULSE: set_pulses, Action.RESET_PULSE: reset_pulses}

    def ideal_overrides(self) -> dict:
        return {}  # ideal already

    def kernel_params(self) -> MultilevelParams:
        """The kernels' analog cell with every statistic off: exact levels, a linear SET step of
        one level on the normalised range [0, 2], no drift (nu = 0), no read noise."""
        s = self.spec
        return MultilevelParams(
            g_min=0.0, g_max=s.g_max, levels=s.levels, prog_c0=0.0, prog_c1=0.0, prog_c2=0.0,
            prog_clip_g_max=False,
            drift_t0=20.0, nu_mu_slope=0.0, nu_mu_intercept=0.0, nu_mu_min=0.0, nu_mu_max=0.0,
            nu_sigma_slope=0.0, nu_sigma_intercept=0.0, nu_sigma_min=0.0, nu_sigma_max=0.0,
            read_q_coeff=0.0, read_q_exp=0.65, read_q_max=0.2, read_t_read=250e-9,
            set_dw_min=2.0 / (s.levels - 1), set_gamma=2.5, set_a_up=0.0, set_a=-1.0, set_b=0.0,
            **set_span_fields(2.0), set_sigma_c2c=0.0, set_sigma_add=0.0, set_sigma_slope=0.0,
            set_sigma_d2d=0.0, verify_iterations=1, endurance=s.endurance)


register_device_kind(ToyLinearTechnology)
