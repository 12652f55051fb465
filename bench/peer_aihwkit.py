"""IBM aihwkit's analog-tile throughput on this machine, for hicsim's kernel benchmark to print beside
its own figures (same shapes, same counting, same timing as bench/bench_kernels.py).

aihwkit is an optional peer, never a dependency: it is imported lazily inside the functions, and
``available()`` says whether it can be. It has no wheel for Python 3.11 here and is built from its
sdist into a separate venv (see bench/README.md).

Run: python bench/peer_aihwkit.py [--threads 2] [--repeats 20] [--update-repeats 5]
Counting: GMAC/s = batch x rows x cols / seconds per forward call; G device-updates/s =
rows x cols weights per update call / seconds per update call (as in bench_kernels.py).
"""

from __future__ import annotations

import argparse
import os

from timing import seconds_per_call  # bench/ is on sys.path when a bench script runs


def available() -> bool:
    """True when aihwkit (and its compiled simulator, rpu_base) imports."""
    try:
        from aihwkit.simulator import rpu_base  # noqa: F401  (the C++ part; fails if not built)
    except Exception:  # ImportError, or a broken build raising something else
        return False
    return True


def _torch(threads: int, seed: int):
    """Import torch with ``threads`` CPU threads and a fixed seed. aihwkit's CPU tiles do their
    GEMMs in OpenBLAS, whose thread count is read from the environment when it is first loaded."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return torch


def forward_gmacs(rows: int = 512, cols: int = 512, batch: int = 64, repeats: int = 20, seed: int = 0,
                  threads: int = 2, ir_drop: float | None = None) -> float:
    """GMAC/s of an aihwkit ``AnalogLinear(rows, cols)`` forward (inference) pass on CPU.

    Config: ``aihwkit.simulator.presets.StandardHWATrainingPreset``, an ``InferenceRPUConfig`` that is
    aihwkit's documented baseline for PCM inference (Rasch et al. 2023): PCMLikeNoiseModel for
    programming noise / drift, per-MVM PCM read noise (w_noise 0.0175, PCM_READ), 8-bit DAC/ADC
    (inp_res = out_res = 254), output noise 0.04, output bound 10, global drift compensation,
    IR drop (ir_drop 1.0), one tile up to 512 rows. Weights are programmed and drifted to
    t = 1e5 s (as hicsim's "read noise (t = 1e5 s)" case), then timed in eval mode under no_grad.
    ``ir_drop=0.0`` switches IR drop off (hicsim does not model it); None keeps the preset's value.
    Most of the time goes to the read noise: aihwkit draws a new noisy copy of all rows x cols weights
    per call (single-threaded); without it (w_noise 0) a call is about 10x faster.
    """
    torch = _torch(threads, seed)
    from aihwkit.nn import AnalogLinear
    from aihwkit.simulator.presets import StandardHWATrainingPreset

    cfg = StandardHWATrainingPreset()
    if ir_drop is not None:
        cfg.forward.ir_drop = ir_drop
    layer = AnalogLinear(rows, cols, bias=False, rpu_config=cfg).eval()
    layer.program_analog_weights()
    layer.drift_analog_weights(1e5)
    x = torch.randn(batch, rows)
    with torch.no_grad():
        sec = seconds_per_call(lambda: layer(x), repeats)
    return batch * rows * cols / sec / 1e9


def update_gups(rows: int = 512, cols: int = 512, batch: int = 64, repeats: int = 5, seed: int = 0,
                threads: int = 2, lr: float = 1e-3, refresh: bool = True, warm: int = 30,
                stats: dict | None = None) -> float:
    """G device-updates/s of aihwkit's ``MixedPrecisionPCMPreset`` update on CPU.

    The tile's own update is called directly (``AnalogTile.update(x, d)``, the call AnalogSGD makes in
    its step), so no forward/backward is timed and nothing needs subtracting. One call does the digital
    rank-``batch`` update of the chi matrix, the transfer (transfer_every = 1, i.e. once per batch) of
    chi's whole-granularity part to the PCM pair as pulsed SETs (PCMPresetUnitCell, Nandakumar 2020),
    and, as the preset has refresh_every = 1, a refresh check that reads both devices of every column
    with a noisy forward pass (about 90 % of the time per call). ``refresh=False`` sets refresh_every = 0.
    Inputs as bench_kernels.py: weights ~ U(-0.5, 0.5), x ~ N(0, 1), errors ~ N(0, 0.01^2), learning
    rate ``lr``; ``warm`` untimed calls first let chi spread towards its steady state. aihwkit's
    granularity (0.01 of a [-2, 2] weight range) is coarser than hicsim's device step: at lr 1e-3 almost
    nothing is programmed, at lr 1e-2 about 1-2 % of the weights per call. If ``stats`` is a dict, it
    receives "programmed" = mean fraction of weights changed per call, over 10 untimed calls after.
    """
    torch = _torch(threads, seed)
    from aihwkit.simulator.presets import MixedPrecisionPCMPreset

    cfg = MixedPrecisionPCMPreset()
    if not refresh:
        cfg.device.device.refresh_every = 0
    tile = cfg.tile_class(cols, rows, cfg)  # out_size, in_size: weights are [cols, rows]
    tile.set_weights(torch.rand(cols, rows) - 0.5)
    tile.set_learning_rate(lr)
    x = torch.randn(batch, rows)
    d = 0.01 * torch.randn(batch, cols)
    for _ in range(warm):
        tile.update(x, d)
    sec = seconds_per_call(lambda: tile.update(x, d), repeats)
    if stats is not None:  # weights changed per call, read outside the timing
        changed = []
        for _ in range(10):
            before = tile.get_weights()[0]
            tile.update(x, d)
            changed.append((tile.get_weights()[0] != before).float().mean().item())
        stats["programmed"] = sum(changed) / len(changed)
    return rows * cols / sec / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20, help="forward calls per timed block")
    parser.add_argument("--update-repeats", type=int, default=5, help="update calls per timed block")
    args = parser.parse_args()
    if not available():
        print("aihwkit: not importable, not measured")
        return
    import aihwkit

    kw = dict(threads=args.threads, repeats=args.repeats)
    print(f"aihwkit {aihwkit.__version__}, 512x512, batch 64, torch threads {args.threads}")
    print(f"  forward StandardHWATrainingPreset (t = 1e5 s)  {forward_gmacs(**kw):7.2f} GMAC/s")
    print(f"  forward same, IR drop off                      {forward_gmacs(ir_drop=0.0, **kw):7.2f} GMAC/s")
    for lr, refresh in ((1e-3, True), (1e-2, True), (1e-2, False)):
        st: dict = {}
        g = update_gups(lr=lr, refresh=refresh, stats=st, threads=args.threads, repeats=args.update_repeats)
        label = f"lr {lr:g}, refresh {'on' if refresh else 'off'}"
        print(f"  update  MixedPrecisionPCMPreset, {label:20s} {g:7.3f} G device-updates/s "
              f"({st['programmed']:.2%} of weights programmed per call)")


if __name__ == "__main__":
    main()
