"""What a small command imports (issue 17's start-up): `hicsim run` of one layer and `hicsim
validate` load no module of another command (numba, matplotlib, torch, dask); a run's summary
needs no pandas (its tables are built when asked for), and validate not even the engine's SimPy. Checked in a fresh interpreter, by module, never by time (the time is
bench/bench_startup.py's figure)."""

import subprocess
import sys

from conftest import ROOT

HEAVY = ("numba", "matplotlib", "torch", "dask", "pandas", "simpy")
PROBE = ("import sys\nfrom hicsim.cli import main\ncode = main(sys.argv[1:])\n"
         f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\nsys.exit(code)\n")
def heavy_modules(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return set(done.stdout.splitlines()[-1].split())


def test_a_small_run_imports_no_other_commands_modules():
    # the engine is SimPy; the printed summary is summed from the rows, without pandas
    assert heavy_modules("run", "arch_specs/hic_pcm.yaml", "tests/data/one_fc.yaml") == {"simpy"}


def test_a_run_that_writes_its_tables_imports_pandas(tmp_path):
    # the tables are DataFrames: the lazy import happens when they are asked for
    assert heavy_modules("run", "arch_specs/hic_pcm.yaml", "tests/data/one_fc.yaml",
                         "--out", str(tmp_path)) == {"pandas", "simpy"}


def test_validate_imports_none_of_the_heavy_modules():
    assert heavy_modules("validate", "arch_specs/hic_pcm.yaml") == set()


def test_the_package_exports_its_names_on_first_use():
    done = subprocess.run([sys.executable, "-c", "import sys, hicsim\n"
                           "before = 'hicsim.api' in sys.modules\n"
                           "print(before, hicsim.simulate.__module__, hicsim.Result.__name__)"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["False", "hicsim.api", "Result"]
