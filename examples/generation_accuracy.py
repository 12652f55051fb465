"""Accuracy with generated weights on a network trained here: hicsim.train's residual network
(ResNet-32's block structure, batch norm after every convolution) on scikit-learn's 8x8 digits,
in float32, then every published factorisation tuple applied to its trained weights.

    python examples/generation_accuracy.py [--epochs 15] [--width 2] [--seed 0] [--fine-tune 3]

For each tuple (Bi, Bo, qb, qu, qv) under the published accounting convention, every layer's
bases and coefficients are fitted to its trained weights (SVD / ALS, then quantised to the
tuple's bits), the generated weights replace the trained ones, and the test set is evaluated.
Then, from the trained network, ``--fine-tune`` epochs of projected training: each epoch starts
from the weights the unit generates (fitted afresh), and the last ones are tested. Prints
accuracy before and after per tuple, then the relative fit error of every layer.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from hicsim.generation.accuracy import accuracy_text, accuracy_with_generation, tuple_specs
from hicsim.spec import load_arch
from hicsim.train.data import load_dataset
from hicsim.train.layers import BatchNorm2d, Conv2d as TrainConv
from hicsim.train.run import RunConfig, TrainingRun
from hicsim.workload.layers import Conv2d, Linear

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "arch_specs" / "hic_pcm_generation.yaml"


def _flat(layer) -> list:
    """The model's layers in order, blocks opened up."""
    inner = getattr(layer, "layers", None)
    return [leaf for child in inner for leaf in _flat(child)] if inner is not None else [layer]


def workload_layers(model) -> list:
    """The trained model's weight layers as workload layers, for planning: shapes, biases and the
    batch norms that follow them (input_hw is any size the kernel fits: plans ignore it)."""
    flat, out = _flat(model), []
    for i, layer in enumerate(flat):
        if not hasattr(layer, "store"):
            continue
        rows, cols = layer.store.shape
        bn = cols if i + 1 < len(flat) and isinstance(flat[i + 1], BatchNorm2d) else 0
        bias = "bias" in layer.params
        if isinstance(layer, TrainConv):
            k = layer.kernel
            out.append(Conv2d(name=layer.name, op="conv2d", in_channels=rows // (k * k),
                              out_channels=cols, kernel=k, padding=k // 2, input_hw=(k, k),
                              bias=bias, batch_norm_channels=bn))
        else:
            out.append(Linear(name=layer.name, op="linear", in_features=rows, out_features=cols,
                              bias=bias, batch_norm_channels=bn))
    return out


def stores_of(model) -> dict:
    return {l.name: l.store for l in _flat(model) if hasattr(l, "store")}


def read_weights(stores: dict, layers) -> dict[str, np.ndarray]:
    """K x C x R x S (convolutions; im2col's columns are channel, row, column) or K x C."""
    return {l.name: stores[l.name].weights.T.reshape(
        (l.out_channels, l.in_channels, *l.kernel_hw) if isinstance(l, Conv2d) else
        (l.out_features, l.in_features)).astype(np.float64) for l in layers}


def write_weights(stores: dict, weights) -> None:
    for name, w in weights.items():
        store = stores[name]
        store.weights[...] = np.asarray(w).reshape(store.shape[1], -1).T


def evaluator(run: TrainingRun, stores: dict):
    """Test accuracy with the given weights (None: the trained ones); the model is left as
    trained."""
    trained = {name: s.weights.copy() for name, s in stores.items()}

    def evaluate(weights) -> float:
        write_weights(stores, weights or {})
        try:
            return run.accuracy(run.data.x_test, run.data.y_test)
        finally:
            for name, store in stores.items():
                store.weights[...] = trained[name]
    return evaluate


def fine_tuner(run: TrainingRun, stores: dict, layers, epochs: int, lr: float):
    """Train on from the trained network for ``epochs`` epochs, each starting from the weights
    the unit generates (projected training), then test with generated weights; the model is
    restored afterwards."""
    def fine_tune(project) -> float:
        saved = {k: v.copy() for k, v in run.model.state().items()}
        config, run.config = run.config, replace(run.config, lr=lr)
        try:
            for _ in range(epochs):
                write_weights(stores, project(read_weights(stores, layers)))
                run.train_epoch(progress=False)
            write_weights(stores, project(read_weights(stores, layers)))
            return run.accuracy(run.data.x_test, run.data.y_test)
        finally:
            run.config = config
            run.model.load_state(saved)
    return fine_tune


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--width", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=30, help="ALS rounds at most")
    parser.add_argument("--fine-tune", type=int, default=3, metavar="EPOCHS",
                        help="projected fine-tuning epochs per tuple (0: none)")
    parser.add_argument("--fine-tune-lr", type=float, default=0.01)
    args = parser.parse_args(argv)
    data = load_dataset("digits")
    config = RunConfig(model="resnet", dataset="digits", rule="fp32", width=args.width,
                       epochs=args.epochs, seed=args.seed, batch=32, lr=0.05, momentum=0.9)
    run = TrainingRun(config, load_arch(ROOT / "arch_specs" / "hic_pcm.yaml"), data)
    while not run.done:
        run.train_epoch(progress=False)
    layers, stores = workload_layers(run.model), stores_of(run.model)
    tune = fine_tuner(run, stores, layers, args.fine_tune, args.fine_tune_lr) \
        if args.fine_tune else None
    acc, fits = accuracy_with_generation(read_weights(stores, layers), layers, tuple_specs(SPEC),
                                         evaluator(run, stores), iterations=args.iterations,
                                         fine_tune=tune)
    print(f"digits, hicsim.train resnet width {args.width:g}, fp32, {args.epochs} epochs, "
          f"seed {args.seed}; published convention; fine-tuned: {args.fine_tune} projected "
          f"epochs at lr {args.fine_tune_lr:g}; ALS rounds <= {args.iterations}")
    print(accuracy_text(acc, fits))


if __name__ == "__main__":
    main()
