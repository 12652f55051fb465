"""Spec models of the PCM device cells: multi-level and binary.

Figures a shipped spec uses are cited in its header (see ../shared/REFERENCE.md for sources).
The statistical-model coefficients default to the published fits (Nandakumar 2019 / Joshi 2020
for programming noise, drift and read noise; Nandakumar 2020 / aihwkit PCMPreset for pulsed SET)
so that a spec only names them when it departs from them.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Optional

from pydantic import Field, model_validator

from hicsim.spec.quantities import (Area, Conductance, ConductanceOrZero, Count, Energy,
                                    Strict, Time, count_up_to)


class Pulse(Strict):
    """One programming pulse: how long it lasts and what it costs."""

    width: Time
    energy: Energy


class ProgrammingNoise(Strict):
    """g_prog = max(g_min, g_T + sigma_prog xi), sigma_prog[uS] = (c0 + c1 g_hat + c2 g_hat^2) *
    (g_max / 25 uS), g_hat = g_T / g_max (Joshi 2020; aihwkit PCMLikeNoiseModel
    ``apply_programming_noise_to_conductance``, which clamps at 0 only).

    Convention: no clipping at g_max by default, because the published fit was measured on real
    devices and already includes their saturation; ``clip_at_g_max: true`` also clips there (an
    option that narrows the spread near g_max: 25 % at g_T = g_max).
    """

    c0: float = 0.26348
    c1: float = 1.9650
    c2: float = -1.1731
    clip_at_g_max: bool = False


class Drift(Strict):
    """g(t) = g_prog ((t + t0) / t0)^-nu with nu ~ |N(mu_nu, sigma_nu)|, mu and sigma log-linear
    in g_hat (Nandakumar 2019 / Joshi 2020).

    Conventions, both as aihwkit's PCMLikeNoiseModel implements the published model: t counts from
    the end of programming and the drift law is evaluated at t + t0 (the fit's time origin is the
    first read, t0 after programming; ``apply_drift_noise_to_conductance``); nu is drawn from the
    target conductance g_T, not the programmed one (``generate_drift_coefficients(g_target)``). A
    device reached by open-loop SET pulses has no target: its nu is drawn from the conductance it
    reached.
    """

    t0: Time = Field(default="20 s")
    mu_slope: float = -0.0155
    mu_intercept: float = 0.0244
    mu_min: float = 0.049
    mu_max: float = 0.1
    sigma_slope: float = -0.0125
    sigma_intercept: float = -0.0059
    sigma_min: float = 0.008
    sigma_max: float = 0.045


class ReadNoise(Strict):
    """1/f read noise: sigma = |g(t)| Q_s sqrt(ln((t + t0 + t_read) / (2 t_read))),
    Q_s = min(q_coeff / max(g_hat_prog^q_exp, 1e-3), q_max) (Joshi 2020; aihwkit PCMLikeNoiseModel).

    Conventions (aihwkit): evaluated at t + t0 like drift, so every read is noisy, a read right
    after programming included; g_hat_prog is the programmed conductance over g_max; t_read is the
    duration of one read, which sets the noise bandwidth.
    """

    q_coeff: float = 0.0088
    q_exp: float = 0.65
    q_max: float = 0.2
    t_read: Time = Field(default="250 ns")


class SetResponse(Strict):
    """Pulsed SET on a normalised weight range [0, w_max = 2] (Nandakumar 2020, as aihwkit's
    PCMPresetDevice fits it with the ExpStepDevice model).

    Mean step dw(w) = max(0, 1 - a_up exp(gamma z)) dw_min d2d, z = 2 a w / w_max + b; one pulse
    moves w to clip(w + dw + sigma_c2c (|dw| + sigma_add + sigma_slope |w|) xi, 0, w_max), one
    normal draw xi per pulse (ExpStepDevice's ``update_once_complex_noise``: the additive and slope
    terms are in weight units, not scaled by dw_min). d2d ~ max(0, N(1, sigma_d2d)) is each device's
    own factor on dw_min (``dw_min_dtod``), drawn once when the array is made.
    """

    dw_min: float = Field(default=0.01, gt=0)
    gamma: float = 2.5
    a_up: float = -27.235
    a: float = -1.0
    b: float = 0.0
    w_max: float = Field(default=2.0, gt=0)
    sigma_c2c: float = Field(default=0.6, ge=0)  # cycle-to-cycle, multiplicative
    sigma_add: float = Field(default=0.042, ge=0)  # cycle-to-cycle, additive
    sigma_slope: float = Field(default=0.108, ge=0)  # cycle-to-cycle, proportional to |w|
    sigma_d2d: float = Field(default=0.2, ge=0)  # device-to-device spread of dw_min


class _Cell(Strict):
    read_latency: Time = Field(default="50 ns")
    read_energy: Optional[Energy] = Field(
        default=None, description="per device read; omitted: V^2 G t from the crossbar's read "
                                  "voltage, the encoding's mean conductance and read_latency")
    set_pulse: Pulse
    reset_pulse: Pulse
    endurance: Count = Field(description="write-erase cycles a device survives")
    area: Optional[Area] = None  # cell area; enters the chip area when given


class PcmMultilevel(_Cell):
    cell: ClassVar[str] = "analog"  # holds a weight's analog part (see spec.arch's weights)
    kind: Literal["pcm_multilevel"]
    g_min: ConductanceOrZero = Field(default="0 uS")
    g_max: Conductance
    levels: count_up_to(2 ** 16) = Field(description="distinguishable conductance levels (>= 2)")
    programming_noise: ProgrammingNoise = ProgrammingNoise()
    drift: Drift = Drift()
    read_noise: ReadNoise = ReadNoise()
    set_response: SetResponse = SetResponse()
    verify_iterations: count_up_to(1000) = Field(
        default=1, description="program-and-verify iterations (SET pulse + verify read) per write")

    @model_validator(mode="after")
    def _check(self):
        if self.levels < 2:
            raise ValueError("levels must be at least 2")
        if self.g_max <= self.g_min:
            raise ValueError("g_max must exceed g_min")
        return self


class PcmBinary(_Cell):
    cell: ClassVar[str] = "binary"  # holds one bit of a weight
    kind: Literal["pcm_binary"]
    g_on: Conductance
    g_off: ConductanceOrZero
    sigma_on: float = Field(default=0.05, ge=0, description="relative spread of the SET state")
    sigma_off: float = Field(default=0.3, ge=0, description="relative spread of the RESET state")
    drift_nu_on: float = Field(default=0.005, ge=0, description="drift exponent of the SET state")
    drift_nu_off: float = Field(default=0.1, ge=0, description="drift exponent of the RESET state")
    drift_t0: Time = Field(default="20 s")
    # An assumption: no read-noise fit of binary cells was published here, so they follow the
    # multi-level 1/f law (g_hat = g / g_on) with its conventions (noisy at every read, at t + t0).
    read_noise: ReadNoise = ReadNoise()

    @model_validator(mode="after")
    def _check(self):
        if self.g_on <= self.g_off:
            raise ValueError("g_on must exceed g_off")
        return self

    @property
    def levels(self) -> int:
        return 2
