"""What a small command imports (issue 17's start-up): `hicsim run` of one layer and `hicsim
validate` load no module of another command (numba, matplotlib, torch, dask); a run's summary
needs no pandas (its tables are built when asked for), and validate not even the engine's SimPy
or numpy. pint (with the numpy and scipy it imports) is loaded only for unit strings that are
not in the memo of parsed values (hicsim.unit_memo): on a first run, not on the next. Checked in
a fresh interpreter with its own cache folder, by module, never by time (the time is
bench/bench_startup.py's figure)."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("numba", "matplotlib", "torch", "dask", "pandas", "simpy", "pint", "scipy", "numpy")
PROBE = ("import sys\nfrom hicsim.cli import main\ncode = main(sys.argv[1:])\n"
         f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\nsys.exit(code)\n")
RUN = ("run", "arch_specs/hic_pcm.yaml", "tests/data/one_fc.yaml")
VALIDATE = ("validate", "arch_specs/hic_pcm.yaml")


@pytest.fixture
def heavy_modules(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # a cache of this test's own

    def imported(*args: str) -> set[str]:
        done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                              text=True, cwd=ROOT, check=True, env=env)
        return set(done.stdout.splitlines()[-1].split())

    return imported


def test_a_small_run_imports_no_other_commands_modules(heavy_modules):
    # the first run parses the spec's values with pint (which imports scipy); the next reads them
    assert heavy_modules(*RUN) == {"simpy", "numpy", "pint", "scipy"}
    # the engine is SimPy and numpy; the printed summary is summed from the rows, without pandas
    assert heavy_modules(*RUN) == {"simpy", "numpy"}


def test_a_run_that_writes_its_tables_imports_pandas(heavy_modules, tmp_path):
    heavy_modules(*VALIDATE)
    # the tables are DataFrames: the lazy import happens when they are asked for
    assert heavy_modules(*RUN, "--out", str(tmp_path / "out")) == {"pandas", "simpy", "numpy"}


def test_validate_imports_none_of_the_heavy_modules(heavy_modules):
    assert heavy_modules(*VALIDATE) == {"pint", "scipy", "numpy"}
    assert heavy_modules(*VALIDATE) == set()


def test_a_value_not_in_the_memo_is_parsed_by_pint(heavy_modules):
    heavy_modules(*VALIDATE)
    assert "pint" in heavy_modules(*VALIDATE, "--set", "clock=1.25 GHz")


def test_the_package_exports_its_names_on_first_use():
    done = subprocess.run([sys.executable, "-c", "import sys, hicsim\n"
                           "before = 'hicsim.api' in sys.modules\n"
                           "print(before, hicsim.simulate.__module__, hicsim.Result.__name__)"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["False", "hicsim.api", "Result"]
