"""Fit a layer's factors to given weights: truncated SVD to start, alternating least squares for
the two-level product, and a least-squares refit after each quantisation so that every factor
makes up for the rounding of the factors quantised before it.

  intra only   per kernel (or over all kernels stacked, for a shared basis) the top Bi right
               singular vectors are B; quantise B; U by least squares against B_q; quantise U.
               (Truncated SVD is already the best rank-Bi fit here: no iterations needed.)
  cross only   the top Bo right singular vectors of W (K x C.R.S) are the basis kernels W1;
               quantise them; V by least squares against W1_q; quantise V.
  both         start from the SVD of W, then the intra-only fit of its basis kernels and V by least
               squares; refine V, U, B by alternating least squares (see als.py); quantise B,
               refit U, quantise U, refit V, quantise V.
  direct       quantise W at ceil(direct_bits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from hicsim.generation import als
from hicsim.generation.factors import Factors
from hicsim.generation.kernel import generate
from hicsim.generation.plan import LayerPlan
from hicsim.generation.quantise import QuantTensor, quantise

# ALS stops when a round lowers the residual by less than TOL of itself. Early rounds can crawl
# through a plateau (a few % a round) before converging, so the tolerance sits far below that.
DEFAULT_ITERATIONS = 100
TOL = 1e-5


@dataclass(frozen=True, eq=False)
class FitResult:
    factors: Factors
    relative_error: float  # ||W - W_generated||_F / ||W||_F (0 for an all-zero W)


def _as_kernels(weights: np.ndarray, plan: LayerPlan) -> np.ndarray:
    """``weights`` as K x C x R.S; accepts K x C x R x S or K x C.R.S (K x C for linear layers)."""
    s = plan.shape
    w = np.asarray(weights, dtype=np.float64)
    if w.shape not in ((s.k, s.c, s.r, s.s), (s.k, s.kernel_size)):
        raise ValueError(f"layer {plan.name!r}: weights of shape {w.shape} do not match "
                         f"{s} (K x C x R x S, or K x C.R.S)")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"layer {plan.name!r}: weights hold NaN or infinity")
    return w.reshape(s.k, s.c, s.rs)


def _spatial_bases(kernels: np.ndarray, plan: LayerPlan) -> np.ndarray:
    """B (nB x Bi x R.S, unit-norm rows): the top Bi right singular vectors of each kernel
    (n x C x R.S), or of all kernels stacked for a shared basis."""
    n, c, rs = kernels.shape
    stacked = kernels if plan.spatial_basis == "per_kernel" else kernels.reshape(1, n * c, rs)
    return np.linalg.svd(stacked, full_matrices=False)[2][:, : plan.bi, :]


def _fit_intra_only(w: np.ndarray, plan: LayerPlan) -> dict[str, QuantTensor]:
    b = quantise(_spatial_bases(w, plan), plan.bits_b)
    u = w @ np.linalg.pinv(b.values())  # least squares per kernel, against the quantised B
    return {"B": b, "U": quantise(u, plan.bits_u)}


def _fit_cross_only(w: np.ndarray, basis: np.ndarray, plan: LayerPlan) -> dict[str, QuantTensor]:
    w1 = quantise(basis, plan.bits_b)
    return {"W1": w1, "V": quantise(als.solve_v(w, w1.values()), plan.bits_v)}


def _fit_both(w: np.ndarray, basis: np.ndarray, plan: LayerPlan, iterations: int) -> dict[str, QuantTensor]:
    shared = plan.spatial_basis == "shared"
    b = _spatial_bases(basis, plan)
    u = basis @ np.linalg.pinv(b)
    v, u, b = als.refine(w, als.solve_v(w, u @ b), u, b, shared, iterations, TOL)
    u, b = als.normalise_bases(u, b)
    bq = quantise(b, plan.bits_b)
    uq = quantise(als.solve_u(w, v, bq.values()), plan.bits_u)
    vq = quantise(als.solve_v(w, uq.values() @ bq.values()), plan.bits_v)
    return {"B": bq, "U": uq, "V": vq}


def fit_layer(weights: np.ndarray, plan: LayerPlan, iterations: int = DEFAULT_ITERATIONS) -> FitResult:
    """Quantised factors of ``weights`` under ``plan`` and the relative reconstruction error.
    ``iterations``: at most this many alternating-least-squares rounds when both levels apply."""
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    s = plan.shape
    w = _as_kernels(weights, plan)
    if plan.direct:
        tensors = {"W": quantise(w, min(32, math.ceil(plan.direct_bits)))}
    elif not plan.cross:
        tensors = _fit_intra_only(w, plan)
    else:
        _, _, vt = np.linalg.svd(w.reshape(s.k, s.kernel_size), full_matrices=False)
        basis = vt[: plan.bo].reshape(plan.bo, s.c, s.rs)
        tensors = _fit_both(w, basis, plan, iterations) if plan.intra else _fit_cross_only(w, basis, plan)
    factors = Factors(plan, tensors)
    norm = np.linalg.norm(w)
    error = np.linalg.norm(generate(factors).reshape(w.shape) - w) / norm if norm > 0 else 0.0
    return FitResult(factors, float(error))


def fit_network(plans: Mapping[str, LayerPlan], weights: Mapping[str, np.ndarray],
                iterations: int = DEFAULT_ITERATIONS) -> dict[str, FitResult]:
    """``fit_layer`` for every planned layer; ``weights`` by layer name (K x C x R x S or K x C)."""
    missing = [name for name in plans if name not in weights]
    if missing:
        raise ValueError(f"no weights given for layers {missing}")
    return {name: fit_layer(weights[name], plan, iterations) for name, plan in plans.items()}


def fit_errors(fits: Mapping[str, FitResult]) -> pd.DataFrame:
    """One row per layer: how it is stored and its relative reconstruction error."""
    return pd.DataFrame([{"layer": name, "levels": f.factors.plan.levels,
                          "relative_error": f.relative_error} for name, f in fits.items()])
