"""Where the optimizer step of a converted ResNet-32 spends its time on HIC devices: one training
step's update (batch 32, lr 0.05, hic on hic_pcm, width 1, digits), split into its parts per
programmed weight, one thread, CPU time (``time.thread_time``: steadier than wall time on this
shared machine), best of ``--repeats``. Every layer's device state is restored before each part
runs, so each part sees the same weights and steps (and a warm cache: training's is colder).

The parts: the whole update (``apply_gradient``: gradient product, rule, programming and the
refresh of the programmed weights); then, on the steps the rule gives, the prefetch of the moving
weights' devices, their programming (``program.apply_steps``) and their decode (``weight_at``:
from the stored sums of the devices a step left alone, where it can) each alone (the full decode
of every weight at a clock move: ``bench_step_time.py``).

Run: .venv/bin/python bench/bench_update_parts.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import time

import numba
import numpy as np
import torch
from numba import njit
from torch.nn import functional as F

from hicsim.kernels import blas_single_threaded
from hicsim.kernels.crossbar import _NO_INPUTS, RULES
from hicsim.kernels.decode import NO_MEMO, q_clip_below, weight_at
from hicsim.kernels.program import apply_steps
from hicsim.kernels.rng import mix_key
from hicsim.kernels.update import UPDATE, _prefetch_row
from hicsim.spec import load_arch
from hicsim.torch import AnalogSGD, convert
from hicsim.torch.convert import analog_modules
from hicsim.torch.models import resnet32
from hicsim.train.data import load_dataset
from hicsim.train.stores import apply_gradient, load_store_state, store_state

LR, BATCH = 0.05, 32
PREFETCH, PROGRAM, DECODE = 1, 2, 4


@njit
def _parts(steps, program_seed, st, lay, coef, offset, ml, bp, t_now, weights, variance, prefix,
           reuse, parts):
    """The programming of ``update.program_weight`` for every row, only the ``parts`` asked for
    (the decode reuses each weight's prefix as the last programming found it could)."""
    clip_ml, clip_bin = q_clip_below(ml), q_clip_below(bp)
    rows, cols = steps.shape
    for i in range(rows):
        memo = NO_MEMO
        if parts & PREFETCH:
            _prefetch_row(i, steps[i], st, prefix, lay.slots - 1)
        for j in range(cols):
            n = steps[i, j]
            if n != 0:
                if parts & PROGRAM:
                    code, sign = st.code[i, j], st.sign[i, j]
                    apply_steps(st, lay, ml, bp, i, j, n, t_now, mix_key(program_seed, i * cols + j))
                    reuse[i, j] = st.code[i, j] == code and st.sign[i, j] == sign
                if parts & DECODE:
                    w, v, memo = weight_at(st, lay.slot_binary, lay.slots, coef, offset, ml, bp,
                                           i, j, t_now, clip_ml, clip_bin, memo, prefix,
                                           reuse[i, j])
                    weights[i, j] = w
                    variance[i, j] = v


def _captured_step():
    """The analog layers after two training steps, with the third step's activations and errors."""
    data = load_dataset("digits")
    x = torch.from_numpy(np.ascontiguousarray(data.x_train[:3 * BATCH]))
    y = torch.from_numpy(data.y_train[:3 * BATCH].astype(np.int64))
    torch.manual_seed(0)
    model = convert(resnet32(classes=10, in_channels=1, width=1.0),
                    load_arch("arch_specs/hic_pcm.yaml"), rule="hic", seed=0)
    opt = AnalogSGD(model, lr=LR)
    for b in range(0, 3 * BATCH, BATCH):
        loss = F.cross_entropy(model(x[b:b + BATCH]), y[b:b + BATCH])
        opt.zero_grad()
        loss.backward()
        if b < 2 * BATCH:
            opt.step()
    return [m.layer for m in analog_modules(model)]


def _steps(store, gradient):
    """The rule's steps for ``gradient``, the devices left alone (the kernel's ``steps_out``)."""
    steps = np.zeros(store.shape, np.int32)
    lo, hi, per_step, stochastic = store._accumulator_format("hic")
    UPDATE.serial(_NO_INPUTS, gradient, -LR / store.step, RULES["hic"], store._acc.copy(),
                  store._chi.copy(), lo, hi, per_step, stochastic, np.uint64(1), np.uint64(2),
                  store.state, store.layout, store._coef, store._offset, store.ml, store.bp,
                  store.t_now, store.weights, store.variance, np.empty(store.shape[0], np.int64),
                  steps, False, True)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    with blas_single_threaded():
        layers = _captured_step()
        saved = [copy.deepcopy(store_state(layer.store)) for layer in layers]
        steps = [_steps(layer.store, np.ascontiguousarray(layer._x.T @ layer._delta))
                 for layer in layers]
        moving = sum(int(np.count_nonzero(s)) for s in steps)
        step_count = sum(int(np.abs(s).sum()) for s in steps)
        weights = sum(layer.store.weights.size for layer in layers)

        def best(run_layer):
            """Best total CPU seconds over the layers, each restored before it runs."""
            times = []
            for _ in range(args.repeats):
                total = 0.0
                for layer, state, s in zip(layers, saved, steps):
                    load_store_state(layer.store, state)
                    layer.store._fresh_prefix()  # decoded again after the load: not timed
                    t = time.thread_time()
                    run_layer(layer, s)
                    total += time.thread_time() - t
                times.append(total)
            return min(times)

        reuse = [np.zeros(s.shape, np.bool_) for s in steps]

        def part(flags):
            def run_layer(layer, s):
                st = layer.store
                _parts(s, np.uint64(2), st.state, st.layout, st._coef, st._offset, st.ml, st.bp,
                       st.t_now, st.weights, st.variance, st._prefix.sums,
                       reuse[layers.index(layer)], flags)
            return best(run_layer)

        whole = best(lambda layer, s: apply_gradient(layer.store, "hic", layer._x, layer._delta,
                                                     LR, 0.0, layer.weight_velocity))
        print(f"ResNet-32 width 1, hic on hic_pcm, one update of batch {BATCH} at lr {LR}: "
              f"{moving:,} of {weights:,} weights programmed ({moving / weights:.1%}), "
              f"{step_count / moving:.2f} steps each; one thread, CPU time, best of {args.repeats}")
        name = f"whole update (apply_gradient, {len(layers)} layers)"
        print(f"  {name:42s} {whole * 1e3:6.1f} ms  "
              f"{whole / moving * 1e9:5.0f} ns per programmed weight")
        for name, flags in (("prefetch alone", PREFETCH), ("programming alone", PROGRAM),
                            ("decode of the programmed alone", DECODE),
                            ("all three", PREFETCH | PROGRAM | DECODE)):
            t = part(flags)
            print(f"  {name:42s} {t * 1e3:6.1f} ms  {t / moving * 1e9:5.0f} ns per programmed weight")


if __name__ == "__main__":
    main()
