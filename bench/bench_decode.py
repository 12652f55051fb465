"""Engine time of GPT-2 small decoding: `python bench/bench_decode.py [--tokens N]`.

Simulates the shipped gpt2_small_decode workload (a 64-token prompt, then N decode steps) on
hic_pcm and prints wall time and engine events, with the decode's default of three simulated
steps (the others interpolated) and, for comparison, with a few more steps simulated, so that the
events' growth with steps simulated (not with tokens or cycles) shows in one run. The target is
engine time under 5 s for 128 tokens. Wall time moves with the machine's load; CPU time (this
process's) much less, so both are printed. A plain script: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hicsim import simulate
from hicsim.spec import load_arch
from hicsim.workload import load_workload

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=128)
    args = p.parse_args()
    arch = load_arch(ROOT / "arch_specs" / "hic_pcm.yaml")
    base = load_workload(ROOT / "workloads" / "gpt2_small_decode.yaml")
    print(f"GPT-2 small on hic_pcm, 64-token prompt, {args.tokens} decode tokens")
    print(f"{'simulated steps':>16} {'wall s':>7} {'CPU s':>6} {'events':>9} {'tokens/s':>9}"
          f" {'mJ/token':>9} {'line err':>9}")
    for simulated in (3, 5, 9):
        decode = base.decode.model_copy(update={"new_tokens": args.tokens,
                                                "simulated_steps": simulated})
        w = base.model_copy(update={"decode": decode})
        start, cpu = time.perf_counter(), time.process_time()
        r = simulate(arch, w)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        d = r.summary["transformer"]["decode"]
        print(f"{d['simulated_steps']:>16} {seconds:>7.2f} {cpu:>6.2f} {r.events:>9,}"
              f" {d['tokens_per_s']:>9.2f} {1e3 * d['energy_per_token_J']:>9.3f}"
              f" {100 * d['interpolation_error']:>8.2g}%")


if __name__ == "__main__":
    main()
