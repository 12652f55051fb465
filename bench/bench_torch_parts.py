"""Where a converted network's training epoch spends its time, beside the same epoch in plain
PyTorch FP32: the measured side of ``bench_torch.py``'s ratios. One thread everywhere (numba,
torch, BLAS), CPU time of this thread, so the parts add up to the epoch.

Run: .venv/bin/python bench/bench_torch_parts.py [--model resnet32] [--samples 128] [--batch 32]
     [--repeats 3]

hicsim's runs: ``fp32`` (the same path, its weights a float32 matrix: exact products, no devices,
DAC, noise or ADC: what the path itself costs), ``hic`` and ``mixed_precision``. Their parts are
timed by wrapping, in this process only, the functions every converted
layer goes through (``hicsim.train.layers`` calls them; each part's own time, without the parts
it calls):
- forward reads: ``CrossbarArray.forward`` (``FloatArray``'s for fp32) (DAC, the product and the read-noise variance product,
  output noise, ADC);
- transposed reads: ``CrossbarArray.backward`` (the same, delta . W^T);
- device update: ``CrossbarArray.update`` / ``update_gradient`` (accumulator, rule, programming
  pulses, decode of the programmed weights);
- weight gradient: the rest of ``apply_gradient`` (x^T delta, when formed outside the kernel);
- im2col / col2im: the convolutions' patches;
- everything else: torch's own layers (batch norm, ReLU, additions, the loss), autograd and
  Python, as the epoch's remainder.
FP32's products come from ``torch.profiler``: the CPU time of its convolution, linear and their
backward ops as a share of the profiled epoch (the profiler slows every op, the many small ones
most, so the share is a lower bound), times the unprofiled epoch; the rest is batch norm,
activations, the loss and the optimizer.

The read counts explain the transposed reads' cost: a convolution's transposed read on the
crossbar gives one noisy, ADC-converted number per (patch, weight row), kernel^2 times the numbers
of the input gradient FP32's backward writes (``hicsim.train.im2col``: col2im then sums them).
"""

from __future__ import annotations

import argparse
import copy
import time
from collections import defaultdict

import numba
import numpy as np
import torch
from torch.nn import functional as F

import hicsim.train.layers as layers
from hicsim.kernels import CrossbarArray, FloatArray, blas_single_threaded
from hicsim.spec import load_arch
from hicsim.torch import AnalogSGD, convert
from hicsim.torch.models import MODELS
from hicsim.train.data import load_dataset

LR = 0.05
# fp32 runs the same path with the weights in float32 (``FloatArray``: exact products, no
# devices, DAC, noise or ADC): what the path costs before any device physics
RUNS = {"fp32 (no devices)": ("arch_specs/hic_pcm.yaml", "fp32"),
        "hic on hic_pcm": ("arch_specs/hic_pcm.yaml", "hic"),
        "mixed_precision on pcm_multilevel": ("arch_specs/pcm_multilevel.yaml", "mixed_precision")}
TORCH_PRODUCTS = ("aten::convolution", "aten::convolution_backward", "aten::addmm", "aten::mm")


class PartTimer:
    """Exclusive CPU time per part: a part's time excludes the wrapped parts it calls."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.numbers = defaultdict(int)  # numbers each read part returned
        self._stack = []

    def wrap(self, owner, name: str, part: str):
        fn = getattr(owner, name)

        def timed(*args, **kwargs):
            self._stack.append(0.0)
            start = time.thread_time()
            out = fn(*args, **kwargs)
            spent = time.thread_time() - start
            inner = self._stack.pop()
            self.seconds[part] += spent - inner
            if self._stack:
                self._stack[-1] += spent
            if part.endswith("reads"):
                self.numbers[part] += out.size
            return out
        setattr(owner, name, timed)
        return fn

    def reset(self):
        self.seconds.clear()
        self.numbers.clear()


def install(timer: PartTimer) -> None:
    for store in (CrossbarArray, FloatArray):
        timer.wrap(store, "forward", "forward reads")
        timer.wrap(store, "backward", "transposed reads")
        timer.wrap(store, "update", "device update")
        timer.wrap(store, "update_gradient", "device update")
    timer.wrap(layers, "apply_gradient", "weight gradient")
    timer.wrap(layers, "im2col", "im2col / col2im")
    timer.wrap(layers, "col2im", "im2col / col2im")


def epoch(model, opt, x, y, batch: int) -> float:
    start = time.thread_time()
    for b in range(0, len(x), batch):
        loss = F.cross_entropy(model(x[b:b + batch]), y[b:b + batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.thread_time() - start


def fp32_parts(net, x, y, batch: int, repeats: int) -> tuple[float, dict[str, float]]:
    """(best epoch CPU seconds unprofiled, its parts from one profiled epoch, scaled to it)."""
    best = min(epoch(m, torch.optim.SGD(m.parameters(), lr=LR), x, y, batch)
               for m in (copy.deepcopy(net) for _ in range(repeats)))
    model = copy.deepcopy(net)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        epoch(model, torch.optim.SGD(model.parameters(), lr=LR), x, y, batch)
    events = {e.key: e for e in prof.key_averages()}
    # total (not self) time of the top-level ops: a convolution's includes its mkldnn kernel
    linear = sum(events[k].cpu_time_total for k in TORCH_PRODUCTS if k in events) * 1e-6
    profiled = sum(e.self_cpu_time_total for e in prof.key_averages()) * 1e-6
    products = linear * best / profiled  # the profiler slows every op: its share of the epoch
    return best, {"convolutions and linear (forward, backward)": products,
                  "everything else": best - products}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet32", choices=sorted(MODELS))
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    data = load_dataset("digits")
    x = torch.from_numpy(np.ascontiguousarray(data.x_train[:args.samples]))
    y = torch.from_numpy(data.y_train[:args.samples].astype(np.int64))
    torch.manual_seed(0)
    net = MODELS[args.model](classes=data.classes, in_channels=x.shape[1])
    fp32, fp32_split = fp32_parts(net, x, y, args.batch, args.repeats)
    timer = PartTimer()
    install(timer)
    print(f"{args.model} on digits, one epoch of {len(x)} images, batch {args.batch}, one "
          f"thread, CPU seconds (best of {args.repeats}; parts of the best epoch)")
    print(f"  PyTorch FP32: {fp32:.3f} s")
    for part, seconds in fp32_split.items():
        print(f"    {part:44s} {seconds:7.3f} s  {seconds / fp32:5.2f}x FP32 epoch")
    with blas_single_threaded():
        for label, (spec, rule) in RUNS.items():
            arch = load_arch(spec)
            best, split, numbers = float("inf"), {}, {}
            for r in range(args.repeats + 1):  # the first compiles and warms up
                model = convert(copy.deepcopy(net), arch, rule=rule, seed=0)
                opt = AnalogSGD(model, lr=LR)
                timer.reset()
                total = epoch(model, opt, x, y, args.batch)
                if r and total < best:
                    best, split, numbers = total, dict(timer.seconds), dict(timer.numbers)
            split["everything else"] = best - sum(split.values())
            print(f"  hicsim {label}: {best:.3f} s ({best / fp32:.2f}x FP32)")
            for part, seconds in split.items():
                count = f"  {numbers[part] / 1e6:6.1f} M numbers read" if part in numbers else ""
                print(f"    {part:44s} {seconds:7.3f} s  {seconds / fp32:5.2f}x FP32 epoch{count}")
            reads = split["forward reads"] + split["transposed reads"]
            print(f"    the reads alone: {reads / fp32:.2f}x FP32's whole epoch")


if __name__ == "__main__":
    main()
