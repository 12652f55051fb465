"""A converted PyTorch network's training epoch on simulated devices against the same network in
plain PyTorch FP32 on CPU (target: at most 3x), and against IBM aihwkit's analog training of the
same network (MixedPrecisionPCMPreset against hicsim's ``mixed_precision`` on pcm_multilevel,
target: hicsim at least 3x faster) when aihwkit is importable (an optional peer, never a
dependency: bench/README.md builds it). All measured in the same run.

Run: .venv/bin/python bench/bench_torch.py [--model resnet32] [--width 1] [--samples 512]
     [--batch 32] [--repeats 2] [--threads 2]

The network (``hicsim.torch.models``) trains on the 8x8 digits for one epoch over the first
``--samples`` training images (a full epoch is 1,437), batch ``--batch``, SGD at lr 0.05: forward,
loss, backward and optimizer step, no evaluation; hicsim's own numpy products run single-threaded
beside its kernels, as ``hicsim train`` runs them (``hicsim.kernels.threads``). FP32: the unconverted network with
``torch.optim.SGD``, torch's default threads (and one thread, the setting hicsim's converted
networks run torch's own layers with, ``hicsim.torch.network``). hicsim: ``convert`` then
``AnalogSGD``, numba ``--threads``. Each figure is the best of ``--repeats`` epochs, each on a
fresh copy of the network (the same work every time), after a warm-up epoch on a few batches;
the runs take turns within each repeat, and FP32 on torch's default threads runs last.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import time

import numba
import numpy as np
import torch
from torch.nn import functional as F

import peer_aihwkit
from hicsim.kernels import blas_single_threaded
from hicsim.spec import load_arch
from hicsim.torch import AnalogSGD, convert
from hicsim.torch.models import MODELS
from hicsim.train.data import load_dataset

LR = 0.05
AIHWKIT = "aihwkit MixedPrecisionPCMPreset"


def epoch_seconds(make, x, y, batch: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one epoch of a fresh (model, optimizer) from ``make()``. The CPU
    time (all the process's threads) is the steadier figure on a shared machine, where wall time
    also counts waiting for a core."""
    model, opt = make()
    model.train()
    start, cpu = time.perf_counter(), time.process_time()
    for b in range(0, len(x), batch):
        loss = F.cross_entropy(model(x[b:b + batch]), y[b:b + batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start, time.process_time() - cpu


def guarded(label):
    """hicsim's numpy products single-threaded beside its kernels, as `hicsim train` runs them
    (``hicsim.kernels.threads``); torch's FP32 runs as a user would run it."""
    return blas_single_threaded() if label.startswith("hicsim") else contextlib.nullcontext()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet32", choices=sorted(MODELS))
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="numba threads")
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    data = load_dataset("digits")
    x = torch.from_numpy(np.ascontiguousarray(data.x_train[:args.samples]))
    y = torch.from_numpy(data.y_train[:args.samples].astype(np.int64))
    torch.manual_seed(0)
    net = MODELS[args.model](classes=data.classes, in_channels=x.shape[1], width=args.width)
    weights = sum(m.weight.numel() for m in net.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)))
    default_threads = torch.get_num_threads()

    def fp32(threads):
        def make():
            torch.set_num_threads(threads)
            model = copy.deepcopy(net)
            return model, torch.optim.SGD(model.parameters(), lr=LR)
        return make

    def analog(spec, rule):
        arch = load_arch(spec)

        def make():
            torch.set_num_threads(1)  # as hicsim.torch.network runs converted networks
            model = convert(copy.deepcopy(net), arch, rule=rule, seed=0)
            return model, AnalogSGD(model, lr=LR)
        return make

    runs = {"PyTorch FP32, torch threads 1": fp32(1),
            "hicsim hic on hic_pcm": analog("arch_specs/hic_pcm.yaml", "hic"),
            "hicsim mixed_precision on pcm_multilevel": analog("arch_specs/pcm_multilevel.yaml",
                                                               "mixed_precision")}
    aihwkit = peer_aihwkit.available()
    if aihwkit:
        runs[AIHWKIT] = lambda: peer_aihwkit.mixed_precision_network(net, LR)
    warm = min(len(x), 2 * args.batch)
    for label, make in runs.items():
        with guarded(label):
            epoch_seconds(make, x[:warm], y[:warm], args.batch)  # compile, allocate
    # the repeats take turns, so that a change of the machine's load reaches every run alike
    seconds = {label: (float("inf"), float("inf")) for label in runs}  # best wall, best CPU
    for _ in range(args.repeats):
        for label, make in runs.items():
            with guarded(label):
                wall, cpu = epoch_seconds(make, x, y, args.batch)
            seconds[label] = (min(seconds[label][0], wall), min(seconds[label][1], cpu))
    if default_threads != 1:  # last: torch's OpenMP workers keep spinning after their runs
        # and would slow whatever ran next in this process
        make = fp32(default_threads)
        epoch_seconds(make, x[:warm], y[:warm], args.batch)
        times = [epoch_seconds(make, x, y, args.batch) for _ in range(args.repeats)]
        seconds["PyTorch FP32, torch threads %d" % default_threads] = tuple(map(min, zip(*times)))
    print(f"{args.model} width {args.width:g} ({weights:,} weights) on digits: one epoch of "
          f"{len(x)} images, batch {args.batch}, best of {args.repeats}; numba threads "
          f"{args.threads}; wall and CPU seconds")
    fp32 = "PyTorch FP32, torch threads 1"
    for label, (wall, cpu) in seconds.items():
        print(f"  {label:42s} {wall:8.2f} s wall ({wall / seconds[fp32][0]:5.2f}x FP32 on 1 "
              f"thread) {cpu:8.2f} s CPU ({cpu / seconds[fp32][1]:5.2f}x)")
    hic = seconds["hicsim hic on hic_pcm"]
    print(f"  hicsim hic epoch / PyTorch FP32 epoch (1 torch thread): {hic[0] / seconds[fp32][0]:.2f}x "
          f"wall, {hic[1] / seconds[fp32][1]:.2f}x CPU (target <= 3x)")
    if not aihwkit:
        print("aihwkit: not importable, not measured (bench/README.md builds it)")
        return
    mine = seconds["hicsim mixed_precision on pcm_multilevel"]
    print(f"  aihwkit epoch / hicsim mixed_precision epoch: {seconds[AIHWKIT][0] / mine[0]:.1f}x "
          f"wall, {seconds[AIHWKIT][1] / mine[1]:.1f}x CPU (target >= 3x)")


if __name__ == "__main__":
    main()
