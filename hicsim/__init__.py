"""hicsim: an event-driven simulator of PCM in-memory-computing accelerators for DNNs."""

from hicsim.api import simulate
from hicsim.report.result import Result
from hicsim.spec import Arch, InputError, load_arch
from hicsim.workload import Workload, load_workload

__version__ = "0.1.0"
__all__ = ["simulate", "Result", "Arch", "Workload", "InputError", "load_arch", "load_workload"]
