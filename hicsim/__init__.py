"""hicsim: an event-driven simulator of PCM in-memory-computing accelerators for DNNs."""

from hicsim import kernel_cache

kernel_cache.ensure_fresh()  # before any kernel loads from numba's cache (see kernel_cache.py)

from hicsim.api import simulate  # noqa: E402
from hicsim.report.result import Result  # noqa: E402
from hicsim.spec import Arch, InputError, load_arch  # noqa: E402
from hicsim.workload import Workload, load_workload  # noqa: E402

__version__ = "0.1.0"
__all__ = ["simulate", "Result", "Arch", "Workload", "InputError", "load_arch", "load_workload"]
