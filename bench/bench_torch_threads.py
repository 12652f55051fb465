"""A user's own training loop on a converted network (``convert`` + ``AnalogSGD``, README's
``hicsim.torch`` example) with torch's layers on N threads: torch's OpenMP workers spin after
each of its layers and take the cores the next numba kernel needs, which ``hicsim train`` avoids
by running torch on one thread (``hicsim.torch.network``). ResNet-32 (width 1) on hic_pcm, batch
32 of the digits, momentum 0.9.

    python bench/bench_torch_threads.py [--torch-threads N] [--steps 8]

Prints the median over the steps after the first (which compiles) of the wall time and of the
process's CPU time (all its threads: the spinning ones too). Without ``--torch-threads`` torch
keeps its default (one per core).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from hicsim.spec import load_arch
from hicsim.torch import AnalogSGD, convert
from hicsim.torch.models import resnet32
from hicsim.train.data import load_dataset

ROOT = Path(__file__).resolve().parents[1]
BATCH = 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-threads", type=int, help="default: torch's own")
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    data = load_dataset("digits")
    torch.manual_seed(0)
    model = convert(resnet32(classes=10, in_channels=1, width=1.0),
                    load_arch(ROOT / "arch_specs" / "hic_pcm.yaml"), seed=0)
    opt = AnalogSGD(model, lr=0.05, momentum=0.9)
    times = []
    for k in range(args.steps):
        x = torch.from_numpy(np.ascontiguousarray(data.x_train[BATCH * k:BATCH * (k + 1)]))
        y = torch.from_numpy(data.y_train[BATCH * k:BATCH * (k + 1)].astype(np.int64))
        wall, cpu = time.perf_counter(), time.process_time()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall = statistics.median(t[0] for t in times[1:])
    cpu = statistics.median(t[1] for t in times[1:])
    print(f"converted ResNet-32 width 1 on hic_pcm, batch {BATCH}, torch threads "
          f"{torch.get_num_threads()}: median of steps 2-{args.steps}, {1e3 * wall:.1f} ms wall, "
          f"{1e3 * cpu:.1f} ms of the process's CPU")


if __name__ == "__main__":
    main()
