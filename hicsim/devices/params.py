"""Device parameters as flat, immutable tuples of SI floats, built once from the spec models.

They are ``NamedTuple``s rather than dataclasses because numba accepts named tuples of floats as
kernel arguments: the same object feeds the numpy reference models and the numba kernels, so the
two can never disagree about a coefficient.
"""

from __future__ import annotations

from typing import NamedTuple

from hicsim.spec.devices import PcmBinary, PcmMultilevel


class MultilevelParams(NamedTuple):
    """A multi-level PCM cell (conductances in siemens, times in seconds)."""

    g_min: float
    g_max: float
    levels: int
    # programming noise, Joshi 2020: sigma = (c0 + c1 g_hat + c2 g_hat^2) * g_max / 25
    prog_c0: float
    prog_c1: float
    prog_c2: float
    prog_clip_g_max: bool  # also clip programmed conductances at g_max (off: the published model)
    # drift g(t) = g_prog ((t + t0)/t0)^-nu, nu ~ |N(mu(g_hat_T), sigma(g_hat_T))|
    drift_t0: float
    nu_mu_slope: float
    nu_mu_intercept: float
    nu_mu_min: float
    nu_mu_max: float
    nu_sigma_slope: float
    nu_sigma_intercept: float
    nu_sigma_min: float
    nu_sigma_max: float
    # 1/f read noise, sigma = |g(t)| Q_s(g_hat_prog) sqrt(ln((t + t0 + t_read) / (2 t_read)))
    read_q_coeff: float
    read_q_exp: float
    read_q_max: float
    read_t_read: float
    # pulsed SET on the normalised range [0, set_w_span] (aihwkit PCMPreset, Nandakumar 2020)
    set_dw_min: float
    set_gamma: float
    set_a_up: float
    set_a: float
    set_b: float
    set_w_span: float
    # 1 / set_w_span, rounded once here (``set_span_fields``): the pulse arithmetic multiplies by
    # it where it would divide by the span (``multilevel.set_pulse``, ``device_ops.ml_set_pulse``)
    set_w_span_inv: float
    set_sigma_c2c: float
    set_sigma_add: float
    set_sigma_slope: float
    set_sigma_d2d: float
    verify_iterations: int
    endurance: float

    @property
    def g_range(self) -> float:
        return self.g_max - self.g_min


class BinaryParams(NamedTuple):
    """A binary PCM cell. Read noise follows the multi-level 1/f law with g_hat = g / g_on
    (``spec.devices.PcmBinary.read_noise``, whose defaults are the multi-level fit's)."""

    g_on: float
    g_off: float
    sigma_on: float
    sigma_off: float
    nu_on: float
    nu_off: float
    drift_t0: float
    read_q_coeff: float
    read_q_exp: float
    read_q_max: float
    read_t_read: float
    endurance: float


def set_span_fields(span: float) -> dict[str, float]:
    """``set_w_span`` and its reciprocal ``set_w_span_inv``, to set both at once (also in
    ``MultilevelParams._replace`` and a device kind's own ``kernel_params``).

    A SET pulse would divide by the span three times, on the dependent chain of a device's pulses
    (each starts from the conductance the last one reached); multiplying instead took a chain of
    pulses at span 3 from 45.4 to 36.7 ns a pulse (bench/bench_set_pulse.py, one core). For a
    power-of-two span (every shipped spec: the default 2) the reciprocal is exact and
    x * (1 / span) is x / span bit for bit. For another span a product may round an ulp away from
    the quotient, which the exp and the sums carry to a few ulps of the result
    (tests/test_set_span.py); the kernels and the numpy reference both multiply, so they agree.
    """
    return {"set_w_span": span, "set_w_span_inv": 1.0 / span}


def check_set_span(p: MultilevelParams, kind: str) -> None:
    """ValueError unless ``p.set_w_span_inv`` is ``1 / p.set_w_span`` (a device kind that builds
    its parameters by hand, or a ``_replace`` of the span alone, would leave it stale)."""
    if p.set_w_span_inv != 1.0 / p.set_w_span:
        raise ValueError(f"{kind}: set_w_span_inv {p.set_w_span_inv!r} is not 1 / set_w_span "
                         f"({p.set_w_span!r}); build both with set_span_fields")


def multilevel_params(spec: PcmMultilevel) -> MultilevelParams:
    pn, dr, rn, sr = spec.programming_noise, spec.drift, spec.read_noise, spec.set_response
    return MultilevelParams(
        g_min=spec.g_min, g_max=spec.g_max, levels=spec.levels,
        prog_c0=pn.c0, prog_c1=pn.c1, prog_c2=pn.c2,
        prog_clip_g_max=pn.clip_at_g_max,
        drift_t0=dr.t0, nu_mu_slope=dr.mu_slope, nu_mu_intercept=dr.mu_intercept,
        nu_mu_min=dr.mu_min, nu_mu_max=dr.mu_max, nu_sigma_slope=dr.sigma_slope,
        nu_sigma_intercept=dr.sigma_intercept, nu_sigma_min=dr.sigma_min, nu_sigma_max=dr.sigma_max,
        read_q_coeff=rn.q_coeff, read_q_exp=rn.q_exp, read_q_max=rn.q_max, read_t_read=rn.t_read,
        set_dw_min=sr.dw_min, set_gamma=sr.gamma, set_a_up=sr.a_up, set_a=sr.a, set_b=sr.b,
        **set_span_fields(sr.w_max), set_sigma_c2c=sr.sigma_c2c, set_sigma_add=sr.sigma_add,
        set_sigma_slope=sr.sigma_slope, set_sigma_d2d=sr.sigma_d2d,
        verify_iterations=spec.verify_iterations, endurance=spec.endurance)


def binary_params(spec: PcmBinary) -> BinaryParams:
    rn = spec.read_noise
    return BinaryParams(
        g_on=spec.g_on, g_off=spec.g_off, sigma_on=spec.sigma_on, sigma_off=spec.sigma_off,
        nu_on=spec.drift_nu_on, nu_off=spec.drift_nu_off, drift_t0=spec.drift_t0,
        read_q_coeff=rn.q_coeff, read_q_exp=rn.q_exp, read_q_max=rn.q_max, read_t_read=rn.t_read,
        endurance=spec.endurance)
