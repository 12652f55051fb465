"""Discrete-event engine (SimPy): units as processes, batched operations, action counts."""

from hicsim.engine.run import EngineResult, run_engine

__all__ = ["EngineResult", "run_engine"]
