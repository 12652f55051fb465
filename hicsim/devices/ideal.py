"""Spec overrides that switch off every device non-ideality: for ablations and for tests of the
update rules' bookkeeping, which must then be exact."""

from __future__ import annotations

from hicsim.spec.arch import Arch


def ideal_device_overrides(arch: Arch) -> dict[str, float]:
    """Dotted-path overrides (for ``load_arch`` / ``override_arch``) making every device ideal:
    no programming, read or SET noise, no drift, no device-to-device spread, and a linear SET
    response whose step is exactly one level."""
    out: dict[str, float] = {}
    for name, dev in arch.devices.items():
        p = f"devices.{name}."
        if dev.kind == "pcm_multilevel":
            for c in ("c0", "c1", "c2"):
                out[p + "programming_noise." + c] = 0.0
            for k in ("mu_min", "mu_max", "sigma_min", "sigma_max", "mu_slope", "mu_intercept",
                      "sigma_slope", "sigma_intercept"):
                out[p + "drift." + k] = 0.0
            out[p + "read_noise.q_coeff"] = 0.0
            sr = p + "set_response."
            out[sr + "a_up"] = 0.0
            out[sr + "dw_min"] = dev.set_response.w_max / (dev.levels - 1)
            for k in ("sigma_c2c", "sigma_add", "sigma_slope", "sigma_d2d"):
                out[sr + k] = 0.0
        else:
            for k in ("sigma_on", "sigma_off", "drift_nu_on", "drift_nu_off"):
                out[p + k] = 0.0
            out[p + "read_noise.q_coeff"] = 0.0
    return out
