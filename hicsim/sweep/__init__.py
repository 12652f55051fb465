"""Design-space sweeps: a sweep file -> points -> one row per point, run locally or on Dask.

``run_sweep('sweeps/adc_bits_x_crossbar_resnet32.yaml', 'out.jsonl')`` returns a tidy table: one
row per point with every swept parameter as a column, then status/error, then every summary
metric (nested ones flattened: ``energy_by_component_J.adc``).
"""

from hicsim.sweep.check import check_sweep
from hicsim.sweep.expand import Point, expand
from hicsim.sweep.point import NONDETERMINISTIC_COLUMNS, run_task
from hicsim.sweep.results import read_results
from hicsim.sweep.run import default_results_path, run_sweep
from hicsim.sweep.spec import Sweep, SweepFile, load_sweep

__all__ = ["run_sweep", "load_sweep", "check_sweep", "expand", "read_results", "run_task",
           "default_results_path", "Sweep", "SweepFile", "Point", "NONDETERMINISTIC_COLUMNS"]
