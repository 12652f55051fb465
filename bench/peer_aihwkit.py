"""IBM aihwkit's analog-tile throughput on this machine, for hicsim's kernel benchmark to print beside
its own figures (same shapes, same counting, same timing as bench/bench_kernels.py).

aihwkit is an optional peer, never a dependency: it is imported lazily inside the functions, and
``available()`` says whether it can be. It has no wheel for Python 3.11 here and is built from its
sdist into a separate venv (see bench/README.md).

Also the device statistics side by side (issue 15): conductance mean and spread of aihwkit's
PCMLikeNoiseModel against hicsim's sampled model and the published closed forms
(``hicsim.devices.moments``), and a pulse train on aihwkit's PCMPresetDevice against hicsim's.

Run: python bench/peer_aihwkit.py [--threads 2] [--repeats 20] [--update-repeats 5] [--no-speed]
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


def mixed_precision_network(model, lr: float):
    """(a copy of ``model`` converted to aihwkit's analog layers with ``MixedPrecisionPCMPreset``,
    aihwkit's ``AnalogSGD`` at ``lr``): aihwkit's training of a whole network with the scheme
    hicsim's ``mixed_precision`` rule implements, for bench_torch.py."""
    import copy

    from aihwkit.nn.conversion import convert_to_analog
    from aihwkit.optim import AnalogSGD
    from aihwkit.simulator.presets import MixedPrecisionPCMPreset

    analog = convert_to_analog(copy.deepcopy(model), MixedPrecisionPCMPreset())
    opt = AnalogSGD(analog.parameters(), lr=lr)
    opt.regroup_param_groups(analog)
    return analog, opt


TARGETS_US = (1, 5, 10, 15, 20, 25)
TIMES = (("t0", 0.0), ("1 h", 3600.0), ("1 day", 86400.0), ("1 year", 365.25 * 86400.0))


def conductance_statistics(devices: int = 100_000, seed: int = 0, read_noise: bool = True):
    """Rows (target uS, time label, closed-form mean and std, hicsim's, aihwkit's), uS."""
    torch = _torch(1, seed)
    import numpy as np
    from aihwkit.inference.noise.pcm import PCMLikeNoiseModel

    from hicsim.devices import moments
    from hicsim.devices import multilevel as mlm
    from hicsim.devices.params import multilevel_params
    from hicsim.spec import load_arch

    p = multilevel_params(load_arch("arch_specs/hic_pcm.yaml").devices["pcm_ml"])
    peer = PCMLikeNoiseModel(g_max=25.0, read_noise_scale=1.0 if read_noise else 0.0)
    rng = np.random.default_rng(seed)
    rows = []
    for target in TARGETS_US:
        g_t = torch.full((devices,), float(target))
        g_prog = peer.apply_programming_noise_to_conductance(g_t)
        nu = peer.generate_drift_coefficients(g_t)
        z = rng.standard_normal((3, devices))
        h_prog = mlm.program(p, np.full(devices, target * 1e-6), z[0])
        h_nu = mlm.drift_nu(p, np.full(devices, target * 1e-6), z[1])
        for label, t in TIMES:
            a = peer.apply_drift_noise_to_conductance(g_prog, nu, t).double().numpy()
            h = mlm.drifted(h_prog, h_nu, t, p.drift_t0)
            if read_noise:
                h = h + mlm.multilevel_read_sigma(p, h_prog, h, t) * z[2]
            mean, std = moments.conductance_moments(p, target * 1e-6, t, read_noise)
            rows.append((target, label, mean * 1e6, std * 1e6, h.mean() * 1e6, h.std() * 1e6,
                         a.mean(), a.std()))
    return rows


def _peer_pulse_tile(torch, devices: int):
    """An aihwkit tile of ``devices`` PCMPresetDevices at w = 0 that SETs each device once per
    update, and the update's inputs; None where this aihwkit build's C++ tile rejects torch's
    tensors (a wheel built against another torch than the one installed)."""
    from aihwkit.simulator.configs import SingleRPUConfig
    from aihwkit.simulator.parameters.enums import PulseType
    from aihwkit.simulator.presets.devices import PCMPresetDevice

    cfg = SingleRPUConfig(device=PCMPresetDevice(up_down_dtod=0.0, w_max_dtod=0.0))
    cfg.update.pulse_type = PulseType.DETERMINISTIC_IMPLICIT
    cfg.update.desired_bl = 1
    cfg.update.update_bl_management = False
    cfg.update.update_management = False
    cols = 200
    tile = cfg.tile_class(devices // cols, cols, cfg)
    try:
        tile.set_weights(torch.zeros(devices // cols, cols))
    except RuntimeError as exc:
        print(f"  aihwkit's pulsed tile is not usable here ({exc}); its column is n/a")
        return None
    tile.set_learning_rate(cfg.device.dw_min)
    return tile, torch.ones(1, cols), -torch.ones(1, devices // cols)


def pulse_train_statistics(devices: int = 20_000, pulses: int = 40, seed: int = 0):
    """Rows (pulse, closed-form mean and std, hicsim's, aihwkit's or None) of the normalised
    weight w in [0, 2] of devices SET ``pulses`` times from w = 0. aihwkit: a tile of
    PCMPresetDevice, one deterministic pulse per update per device; its device-to-device spreads
    that hicsim does not model (up_down_dtod, w_max_dtod) are set to 0."""
    torch = _torch(1, seed)
    import numpy as np

    from hicsim.devices import moments
    from hicsim.devices import multilevel as mlm
    from hicsim.devices.params import multilevel_params
    from hicsim.spec import load_arch

    p = multilevel_params(load_arch("arch_specs/hic_pcm.yaml").devices["pcm_ml"])
    peer = _peer_pulse_tile(torch, devices)
    rng = np.random.default_rng(seed)
    d2d = mlm.device_to_device_factor(p, rng.standard_normal(devices))
    g = np.full(devices, p.g_min)
    mean, std = moments.pulse_train_moments(p, p.g_min, pulses)
    to_w = p.set_w_span / p.g_range
    rows = []
    for n in range(1, pulses + 1):
        g = mlm.set_pulse(p, g, d2d, rng.standard_normal(devices))
        a = (None, None)
        if peer is not None:
            tile, x, d = peer
            tile.update(x, d)
            w = tile.get_weights()[0].double().numpy().ravel()
            a = (w.mean(), w.std())
        rows.append((n, mean[n] * to_w, std[n] * to_w, g.mean() * to_w, g.std() * to_w) + a)
    return rows


def print_device_statistics(seed: int = 0) -> None:
    print("conductance (uS) of 100,000 devices: mean / std; closed form | hicsim | aihwkit")
    for read_noise in (False, True):
        print(f"  read noise {'on' if read_noise else 'off'}")
        for r in conductance_statistics(seed=seed, read_noise=read_noise):
            print(f"    g_T {r[0]:>2} uS {r[1]:>6}: {r[2]:7.3f} / {r[3]:6.3f} | {r[4]:7.3f} / "
                  f"{r[5]:6.3f} | {r[6]:7.3f} / {r[7]:6.3f}")
    print("pulsed SET from w = 0 (normalised range [0, 2]), 20,000 devices: mean / std; "
          "closed form | hicsim | aihwkit")
    for r in pulse_train_statistics(seed=seed):
        if r[0] in (1, 2, 3, 5, 10, 20, 30, 40):
            peer = "n/a" if r[5] is None else f"{r[5]:6.3f} / {r[6]:6.3f}"
            print(f"    pulse {r[0]:>2}: {r[1]:6.3f} / {r[2]:6.3f} | {r[3]:6.3f} / {r[4]:6.3f} | "
                  f"{peer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20, help="forward calls per timed block")
    parser.add_argument("--update-repeats", type=int, default=5, help="update calls per timed block")
    parser.add_argument("--no-speed", action="store_true", help="device statistics only")
    args = parser.parse_args()
    if not available():
        print("aihwkit: not importable, not measured")
        return
    import aihwkit

    print(f"aihwkit {aihwkit.__version__}: device statistics")
    print_device_statistics()
    if args.no_speed:
        return

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
