"""Process start-up of small commands: wall time of `hicsim validate` and of `hicsim run` on a
one-layer workload (a 256 x 256 fc on hic_pcm), beside a bare `python -c pass`, and what each
command imports of the heavy modules. Best of N runs per command (the least disturbed figure on a
shared machine). Target (issue 17): a small run or validate under 0.6 s.

    python bench/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
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


def best_wall(argv: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


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
    print(f"best of {runs} runs, wall time (shared machine: compare rows of one run)")
    print(f"  {'python -c pass':<26} {best_wall([sys.executable, '-c', 'pass'], runs):6.3f} s")
    for name, args in commands.items():
        print(f"  {'hicsim ' + name:<26} {best_wall([hicsim, *args], runs):6.3f} s   "
              f"imports: {imported(args) or '-'}")


if __name__ == "__main__":
    main()
