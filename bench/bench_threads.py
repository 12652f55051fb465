"""The kernels on two threads under numba's threading layers, alone and beside a competing
process, all in one run: the noisy MVM and the HIC update (nothing programmed, and about 1 % of
the weights programmed per call) on a 512 x 512 hic_pcm layer, batch 64.

Run: .venv/bin/python bench/bench_threads.py [--repeats 20]

Each configuration runs in a process of its own (numba fixes its threading layer at the first
parallel kernel): OpenMP with libgomp's default spinning wait (numba's default layer), OpenMP with
``OMP_WAIT_POLICY=passive``, and numba's ``workqueue`` (hicsim's choice, ``kernels/threads.py``);
one thread as the reference. The competing process is one busy loop, started before and stopped
after the configurations it accompanies. Figures: the median and the worst of five timed blocks
(the best hides the rounds where spinning threads collapse).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROWS, COLS, BATCH = 512, 512, 64
CONFIGS = (("1 thread", 1, {"NUMBA_THREADING_LAYER": "workqueue"}),
           ("omp, spinning (numba default)", 2, {"NUMBA_THREADING_LAYER": "omp"}),
           ("omp, OMP_WAIT_POLICY=passive", 2, {"NUMBA_THREADING_LAYER": "omp",
                                                "OMP_WAIT_POLICY": "passive"}),
           ("workqueue (hicsim's default)", 2, {}))


def _blocks(fn, repeats: int) -> list[float]:
    """Seconds per call of five blocks of ``repeats`` calls, after a warm-up call."""
    fn()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        times.append((time.perf_counter() - start) / repeats)
    return sorted(times)


def child(threads: int, repeats: int) -> None:
    import numba
    import numpy as np

    from hicsim.kernels.crossbar import CrossbarArray
    from hicsim.spec import load_arch
    numba.set_num_threads(threads)
    rng = np.random.default_rng(0)
    arch = load_arch("arch_specs/hic_pcm.yaml")
    xb = CrossbarArray(arch, rng.uniform(-0.5, 0.5, (ROWS, COLS)), w_max=1.0, seed=0)
    xb.set_time(1e5)
    x = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    d = (0.01 * rng.standard_normal((BATCH, COLS))).astype(np.float32)
    out = {"mvm": [BATCH * ROWS * COLS / s / 1e9 for s in _blocks(lambda: xb.forward(x), repeats)]}
    for lr in (1e-4, 1e-3):
        xu = CrossbarArray(arch, rng.uniform(-0.5, 0.5, (ROWS, COLS)), w_max=1.0, seed=0)
        for _ in range(5):
            xu.update(x, d, lr, "hic")
        programmed = []
        times = _blocks(lambda: programmed.append(xu.update(x, d, lr, "hic")), max(2, repeats // 4))
        out[f"update {lr:g}"] = [ROWS * COLS / s / 1e9 for s in times]
        out[f"programmed {lr:g}"] = float(np.mean(programmed)) / (ROWS * COLS)
    out["layer"] = numba.threading_layer()
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeats)
        return
    print(f"{ROWS}x{COLS} hic_pcm, batch {BATCH}; median (worst) of five blocks; "
          f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'':10s} {'configuration':32s} {'noisy MVM GMAC/s':>18s} "
          f"{'HIC update G/s, 0 %':>22s} {'HIC update G/s, ~1 %':>22s}")
    base = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY")}
    for competing in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competing else None
        try:
            for label, threads, env in CONFIGS:
                run = subprocess.run([sys.executable, __file__, "--child", str(threads),
                                      "--repeats", str(args.repeats)],
                                     env={**base, **env}, capture_output=True, text=True, check=True)
                r = json.loads(run.stdout.strip().splitlines()[-1])

                def fig(key, fmt):
                    values = r[key]
                    return f"{values[2]:{fmt}} ({values[4]:{fmt}})"  # from the fastest block down
                print(f"  {'+ 1 busy' if competing else 'alone':10s} {label:32s} "
                      f"{fig('mvm', '7.2f'):>18s} {fig('update 0.0001', '7.3f'):>22s} "
                      f"{fig('update 0.001', '7.3f'):>22s}   [{r['layer']}, "
                      f"{r['programmed 0.001']:.2%} programmed]", flush=True)
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()


if __name__ == "__main__":
    main()
