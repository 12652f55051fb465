"""Process start-up of small commands: wall and CPU time of `hicsim validate` and of `hicsim run`
on a one-layer workload (a 256 x 256 fc on hic_pcm), beside two floors measured in the same run (a
bare `python -c pass` and `python -c "import numpy"`, which every command needs), and what each
command imports of the heavy modules. Best of N runs per command (the least disturbed figure on a
shared machine). Target (issue 17): a small run or validate under 0.6 s.

Each command runs once first with bytecode writing allowed, so hicsim's modules are timed as
Python loads them after any first run (from their compiled .pyc), not compiled from source at
every start: an environment with PYTHONDONTWRITEBYTECODE set (as on the team's machine) would
otherwise compile all of them each time (about 0.07 s of CPU), which a normal install does once.
That first run also fills the user's memo of parsed unit values (``hicsim/unit_memo.py``), as any
first run does: the timed runs then read the spec's values from it and do not import pint.

    python bench/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "matplotlib", "torch", "dask", "pandas", "scipy", "simpy", "pint", "numpy")
ONE_LAYER = ROOT / "tests" / "data" / "one_fc.yaml"
# Runs hicsim's command line in a fresh interpreter, then names the heavy modules it imported.
PROBE = ("import sys\nfrom hicsim.cli import main\ncode = main(sys.argv[1:])\n"
         f"print('imported:', ' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
         "sys.exit(code)\n")


def best_times(argv: list[str], runs: int) -> tuple[float, float]:
    """(best wall time, best CPU time: user + system of the child). On a loaded machine the
    wall time counts the waits for a core; the CPU time is what the start-up itself costs."""
    wall = cpu = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
        wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def imported(args: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], check=True, capture_output=True,
                          text=True, cwd=ROOT)
    return done.stderr.strip().splitlines()[-1].removeprefix("imported:").strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args().runs
    hicsim = str(Path(sys.executable).with_name("hicsim"))
    commands = {"validate": ["validate", "arch_specs/hic_pcm.yaml"],
                "run (one fc layer)": ["run", "arch_specs/hic_pcm.yaml", str(ONE_LAYER)]}
    print(f"best of {runs} runs (shared machine: compare rows of one run)")
    print(f"  {'':<26} {'wall':>7} {'CPU':>7}")
    rows = {"python -c pass": [sys.executable, "-c", "pass"],
            'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
            **{"hicsim " + name: [hicsim, *args] for name, args in commands.items()}}
    warm = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for name, argv in rows.items():
        subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, env=warm)  # writes .pyc
        wall, cpu = best_times(argv, runs)
        modules = "" if name.startswith("python") else f"   imports: {imported(argv[1:]) or '-'}"
        print(f"  {name:<26} {wall:6.3f}s {cpu:6.3f}s{modules}")


if __name__ == "__main__":
    main()
