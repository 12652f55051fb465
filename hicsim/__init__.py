"""hicsim: an event-driven simulator of PCM in-memory-computing accelerators for DNNs.

The names below are imported on first use: ``import hicsim.cli`` (every command) imports this
package first, and a command such as ``hicsim validate`` must not pay for the engine and pandas.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {"simulate": "hicsim.api", "Result": "hicsim.report.result", "Arch": "hicsim.spec",
           "InputError": "hicsim.spec", "load_arch": "hicsim.spec", "Workload": "hicsim.workload",
           "load_workload": "hicsim.workload"}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'hicsim' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
