"""Accuracy with generated weights: fit every weighted layer's factors to trained weights (SVD /
ALS, then quantisation to the tuple's bits: ``fit.py``), put the weights the unit would generate
in place of the trained ones, and evaluate.

Framework-free: the caller gives the trained weights by layer name (K x C x R x S, or K x C), the
workload layers that plan them, and an ``evaluate`` callback that runs the network with a given
set of weights (None: the trained ones) and returns its accuracy. Optionally a ``fine_tune``
callback trains on with every weighted layer projected onto what the unit can generate (it gets
a ``project`` function: trained weights in, generated weights out, for the tuple at hand) and
returns the accuracy of its final generated weights. ``examples/generation_accuracy.py`` does
both for a network trained here with ``hicsim.train`` (numpy), and
``examples/generation_cifar10_resnet18.py`` for a PyTorch ResNet-18 on CIFAR-10.

Batch-norm parameters and biases are left as trained: they are stored at full precision.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from hicsim.generation.fit import DEFAULT_ITERATIONS, FitResult, fit_network
from hicsim.generation.kernel import generate
from hicsim.generation.memory import network_memory
from hicsim.generation.plan import LayerPlan, plan_layer
from hicsim.generation.shape import layer_roles
from hicsim.spec.generation import GenerationUnit, tuple_overrides

Weights = Mapping[str, np.ndarray]
Evaluate = Callable[[Optional[Weights]], float]
Project = Callable[[Weights], dict]
FineTune = Callable[[Project], float]

# The published tuples (Bi, Bo, qb, qu, qv): ResNet-18 and DenseNet-121 on CIFAR-10.
PUBLISHED_TUPLES = ((2, 44, 3, 6, 3), (1, 25, 4, 6, 6))


def tuple_specs(spec_path, tuples=PUBLISHED_TUPLES,
                convention: Optional[str] = "published") -> dict[str, GenerationUnit]:
    """The generation unit of the spec at ``spec_path`` at each tuple, labelled by the tuple."""
    from hicsim.spec import load_arch  # the spec loader pulls in pint: only when asked

    base = {"generation.convention": convention} if convention else {}
    return {str(tuple(t)): load_arch(spec_path, {**base, **tuple_overrides(t)}).generation
            for t in tuples}


def plan_layers(layers: Sequence, spec: GenerationUnit, crossbar_bits: float) -> dict:
    """Plans of ``layers`` (the weighted layers of a network, in order) under ``spec``."""
    return {layer.name: plan_layer(layer, spec, crossbar_bits, layer_roles(layer, i, len(layers)))
            for i, layer in enumerate(layers)}


def generated_weights(weights: Weights, plans: Mapping[str, LayerPlan],
                      iterations: int = DEFAULT_ITERATIONS) -> tuple[dict, dict[str, FitResult]]:
    """(the weights the unit generates, each in its trained array's shape; the fits)."""
    fits = fit_network(plans, weights, iterations)
    return ({name: generate(f.factors).reshape(np.shape(weights[name])) for name, f in fits.items()},
            fits)


def accuracy_with_generation(weights: Weights, layers: Sequence,
                             specs: Mapping[str, GenerationUnit], evaluate: Evaluate,
                             crossbar_bits: float = 8, iterations: int = DEFAULT_ITERATIONS,
                             fine_tune: Optional[FineTune] = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accuracy table: one row per spec label with the trained accuracy, the accuracy with
    weights generated from the trained ones, with ``fine_tune`` the accuracy after it, and the
    memory figures; fit table: one row per (spec, layer) with its plan and relative fit error
    ||W - W_generated|| / ||W|| of the trained weights, and of the fine-tuned ones)."""
    trained = evaluate(None)
    rows, fit_rows = [], []
    for label, spec in specs.items():
        plans = plan_layers(layers, spec, crossbar_bits)
        generated, fits = generated_weights(weights, plans, iterations)
        memory = network_memory(plans, crossbar_bits)
        row = dict(tuple=label, trained_accuracy=trained, generated_accuracy=evaluate(generated))
        last_fits: list = [fits]

        def project(current: Weights) -> dict:
            out, last_fits[0] = generated_weights(current, plans, iterations)
            return out

        if fine_tune is not None:
            row["fine_tuned_accuracy"] = fine_tune(project)
        rows.append({**row, "generated_layers": sum(not p.direct for p in plans.values()),
                     "layers": len(plans), "param_fraction": memory.param_fraction,
                     "fp32_fraction": memory.fp32_fraction, "fp32_ratio": memory.fp32_ratio})
        for name, f in fits.items():
            fit_rows.append(dict(tuple=label, layer=name, shape=str(f.factors.plan.shape),
                                 levels=f.factors.plan.levels, relative_error=f.relative_error,
                                 **({"fine_tuned_error": last_fits[0][name].relative_error}
                                    if fine_tune is not None else {})))
    return pd.DataFrame(rows), pd.DataFrame(fit_rows)


def accuracy_text(accuracy: pd.DataFrame, fits: pd.DataFrame) -> str:
    """The two tables as text: accuracy per tuple, then each layer's plan and fit error."""
    tuned = "fine_tuned_accuracy" in accuracy
    lines = [f"{'tuple':<20}{'trained':>9}{'generated':>11}" + (f"{'fine-tuned':>12}" if tuned else "")
             + f"{'layers gen.':>13}{'params stored/dense':>21}{'memory stored/FP32':>20}"]
    for r in accuracy.to_dict("records"):
        lines.append(f"{r['tuple']:<20}{r['trained_accuracy']:>9.4f}{r['generated_accuracy']:>11.4f}"
                     + (f"{r['fine_tuned_accuracy']:>12.4f}" if tuned else "")
                     + f"{r['generated_layers']:>8}/{r['layers']:<4}{r['param_fraction']:>21.4f}"
                     f"{r['fp32_fraction']:>20.4f}")
    labels = list(accuracy["tuple"])
    errors = ("relative_error", "fine_tuned_error") if tuned else ("relative_error",)
    lines += ["", "relative fit error ||W - W_gen||_F / ||W||_F per layer: levels applied, error of "
              + ("the trained / the fine-tuned weights" if tuned else "the trained weights"),
              f"{'layer':<24}{'shape':>13}" + "".join(f"{t:>{14 + 8 * len(errors)}}" for t in labels)]
    by = fits.set_index(["layer", "tuple"])
    for name in dict.fromkeys(fits["layer"]):
        cells = "".join(f"{by.loc[(name, t), 'levels']:>12}"
                        + "".join(f"{by.loc[(name, t), e]:>8.3f}" for e in errors) + "  "
                        for t in labels)
        lines.append(f"{name:<24}{by.loc[(name, labels[0]), 'shape']:>13}  {cells}")
    return "\n".join(lines)
