"""PCM device models and weight representations (numpy; the numba kernels mirror them).

- ``params``: ``MultilevelParams`` / ``BinaryParams``, flat SI tuples built from the spec models
  (``multilevel_params(spec)``, ``binary_params(spec)``).
- ``multilevel``: the published multi-level statistics: programming noise, drift, 1/f read
  noise, stochastic nonlinear SET (reference truth for the kernels).
- ``binary``: SET / RESET states with spreads and drift, read margin.
- ``layout``: ``build_layout(arch, w_max) -> (Layout, MultilevelParams, BinaryParams)``, the
  kernels' flat description of the hardware model's weight representation (devices per weight,
  their weights, the update step); import it from ``hicsim.devices.layout``.
- ``state``: ``DeviceState``, per-device arrays (conductance, drift exponent, programming time,
  SET / RESET / write-erase counters) of shape (devices, rows, cols).
- ``encode`` / ``decode``: float weights -> device state; device state at time t -> effective
  weights and read-noise variance.
- ``ideal``: spec overrides that make every device ideal (ablations, exact bookkeeping tests).

Write-erase cycle: one per RESET that follows one or more SETs since the previous RESET.
"""

from hicsim.devices.params import BinaryParams, MultilevelParams, binary_params, multilevel_params
from hicsim.devices.state import DeviceState

__all__ = ["BinaryParams", "MultilevelParams", "binary_params",
           "multilevel_params", "DeviceState"]
