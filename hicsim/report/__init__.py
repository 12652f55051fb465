"""Reports: the Result tables, the printed summary, and file exports."""

from hicsim.report.result import Result, build_result

__all__ = ["Result", "build_result"]
