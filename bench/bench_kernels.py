"""Throughput of hicsim's crossbar kernels beside numpy's float32 matmul and, where it is
installed, IBM aihwkit's analog tile, all measured in the same run.

Run: .venv/bin/python bench/bench_kernels.py [--threads 2] [--repeats 50] [--updates-only]
     (with aihwkit: the venv of bench/README.md, e.g. /tmp/aihw/venv/bin/python bench/...)
MVMs: GMAC/s counted as batch x rows x cols (logical weights, whatever the devices per weight).
With read noise the closed form computes two products the size of numpy's one, so 0.5x numpy is
its ceiling before any DAC, noise or ADC work.
Updates: G device-updates/s counted as rows x cols weights updated per call / seconds per call;
the share of weights programmed per call is printed beside each figure, because programming, not
the accumulation, is what costs once weights move; so is the time per programmed weight (a call's
time beyond the same rule's call that programs next to nothing, over the weights it programmed).
The gradient product alone, as numpy computes it, is printed as the updates' ceiling.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np

import peer_aihwkit
from hicsim.kernels.crossbar import CrossbarArray
from hicsim.spec import load_arch
from timing import seconds_per_call

ROWS, COLS, BATCH = 512, 512, 64
MACS = BATCH * ROWS * COLS


def bench_mvm(arch_path: str, label: str, repeats: int, rng, numpy_gmacs: float) -> float:
    """Prints the forward and transposed MVMs; returns the noisy forward's GMAC/s."""
    x = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    d = rng.standard_normal((BATCH, COLS)).astype(np.float32)
    xb = CrossbarArray(load_arch(arch_path), rng.uniform(-1, 1, (ROWS, COLS)), w_max=1.0, seed=0)
    noisy = 0.0
    for t_now, noise_label in ((0.0, "no read noise (t = 0)"), (1e5, "read noise (t = 1e5 s)")):
        xb.set_time(t_now)
        for direction, fn in (("forward", lambda: xb.forward(x)), ("transposed", lambda: xb.backward(d))):
            gmacs = MACS / seconds_per_call(fn, repeats) / 1e9
            print(f"  {label:10s} {direction:10s} {noise_label:24s} {gmacs:7.1f} GMAC/s "
                  f"({gmacs / numpy_gmacs:.2f}x numpy)")
            if direction == "forward" and t_now > 0:
                noisy = gmacs
    small = x[:4]
    col = seconds_per_call(lambda: xb.forward(small, per_column=True), 2)
    print(f"  {label:10s} forward per column (batch 4, faithful ADC) {4 * ROWS * COLS / col / 1e9:7.3f} GMAC/s")
    return noisy


def bench_update(arch_path: str, rule: str, lr: float, repeats: int) -> tuple[float, float, float]:
    """Steady state: the same batch every call, after warm-up calls that fill the accumulators;
    the same weights and batch (seed 0) for every rule and rate. Returns (G device-updates/s,
    seconds per call, weights programmed per call)."""
    rng = np.random.default_rng(0)
    xb = CrossbarArray(load_arch(arch_path), rng.uniform(-0.5, 0.5, (ROWS, COLS)), w_max=1.0, seed=0)
    x = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    d = (0.01 * rng.standard_normal((BATCH, COLS))).astype(np.float32)
    for _ in range(5):
        xb.update(x, d, lr, rule)
    programmed = []
    sec = seconds_per_call(lambda: programmed.append(xb.update(x, d, lr, rule)), repeats)
    return ROWS * COLS / sec / 1e9, sec, float(np.mean(programmed))


LEARNING_RATES = (1e-4, 2e-3, 1e-2)  # ~0 %, ~0.9 % and ~15 % of hic's weights programmed per call
UPDATES = (("arch_specs/hic_pcm.yaml", "hic"), ("arch_specs/hic_pcm.yaml", "stochastic_pulse"),
           ("arch_specs/hic_pcm.yaml", "mixed_precision_closed_loop"),
           ("arch_specs/pcm_multilevel.yaml", "mixed_precision"))


def bench_updates(repeats: int) -> dict:
    """Each rule at three learning rates (~0 %, ~1 % and ~15 % of the weights programmed per
    call). The cost per programmed weight is the time a call takes beyond the same rule's call at
    the smallest rate (which programs next to nothing), over the weights it programmed."""
    print("  updates, errors ~ N(0, 0.01^2):")
    gups = {}
    for spec, rule in UPDATES:
        base = None
        for lr in LEARNING_RATES:
            g, sec, programmed = bench_update(spec, rule, lr, repeats)
            gups[rule, lr] = g
            line = (f"  {spec.split('/')[-1][:-5]:14s} lr {lr:<6g} {rule:28s} {g:6.3f} G device-updates/s "
                    f"({programmed / (ROWS * COLS):6.2%} programmed per call")
            if base is None:
                base = (sec, programmed)
            elif programmed > 10 * base[1] + 10:
                line += f"; {1e6 * (sec - base[0]) / (programmed - base[1]):.2f} us per programmed weight"
            print(line + ")")
    return gups


def bench_aihwkit(threads: int, repeats: int, noisy_gmacs: float, hic_gups: dict) -> None:
    """``hic_gups``: hicsim's hic update by learning rate. aihwkit's update granularity is coarser,
    so each of its rates is compared with the hicsim rate that programs a similar share (~0 % and
    ~1-2 % of the weights per call)."""
    if not peer_aihwkit.available():
        print("aihwkit: not importable, not measured (bench/README.md builds it)")
        return
    import aihwkit
    print(f"aihwkit {aihwkit.__version__} (same shapes, torch threads {threads}):")
    fwd = peer_aihwkit.forward_gmacs(threads=threads, repeats=repeats, ir_drop=0.0)
    print(f"  forward, PCM preset drifted to 1e5 s, IR drop off {fwd:7.2f} GMAC/s "
          f"(hicsim hic noisy forward: {noisy_gmacs / fwd:.0f}x)")
    for lr, hic_lr in ((1e-3, 1e-4), (1e-2, 2e-3)):
        stats: dict = {}
        ups = peer_aihwkit.update_gups(threads=threads, lr=lr, stats=stats)
        print(f"  update, MixedPrecisionPCMPreset, lr {lr:g}: {ups:6.3f} G device-updates/s "
              f"({stats['programmed']:.2%} programmed per call; hicsim hic at lr {hic_lr:g}: "
              f"{hic_gups[hic_lr] / ups:.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--updates-only", action="store_true", help="skip the MVMs and aihwkit")
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    if args.updates_only:
        print(f"{ROWS}x{COLS}, batch {BATCH}, numba threads {args.threads}")
        bench_updates(max(2, args.repeats // 5))
        return
    rng = np.random.default_rng(0)
    a = rng.standard_normal((BATCH, ROWS)).astype(np.float32)
    w = rng.standard_normal((ROWS, COLS)).astype(np.float32)
    numpy_gmacs = MACS / seconds_per_call(lambda: a @ w, args.repeats) / 1e9
    print(f"{ROWS}x{COLS}, batch {BATCH}, numba threads {args.threads}")
    print(f"  numpy float32 matmul (BLAS default threads)  {numpy_gmacs:7.1f} GMAC/s")
    noisy = bench_mvm("arch_specs/hic_pcm.yaml", "hic", args.repeats, rng, numpy_gmacs)
    bench_mvm("arch_specs/pcm_multilevel.yaml", "multilevel", args.repeats, rng, numpy_gmacs)
    # the update's ceiling: its gradient x^T delta alone, as numpy computes it (BLAS threads)
    xt = np.ascontiguousarray(a.T)
    grad_s = seconds_per_call(lambda: xt @ w[:BATCH], args.repeats)
    print(f"  numpy gradient x^T delta alone (an update's ceiling): "
          f"{ROWS * COLS / grad_s / 1e9:.2f} G weights/s ({ROWS * BATCH * COLS / grad_s / 1e9:.1f} GMAC/s)")
    gups = bench_updates(max(2, args.repeats // 5))
    hic_gups = {lr: g for (rule, lr), g in gups.items() if rule == "hic"}
    bench_aihwkit(args.threads, max(2, args.repeats // 5), noisy, hic_gups)


if __name__ == "__main__":
    main()
