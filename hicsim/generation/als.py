"""Alternating least squares for the two-level product W[k, c, :] = sum_o V[k, o] (U[o] . B[o])[c, :].

Why not just SVD twice: the rows of a truncated SVD of W are the basis kernels only up to a
rotation, and a rotated mix of per-kernel low-rank kernels is no longer low rank per kernel. Fixing
two of V, U, B leaves a linear least-squares problem in the third, so alternating them lowers the
error at every step. The U and B steps are solved through their normal equations, whose Gram
matrices factor into small Bo x Bo and Bi x Bi pieces: the (K.C) x (Bo.Bi) design matrix of a
large layer is never built.

Arrays: w (K, C, RS), v (K, Bo), u (Bo, C, Bi), b (nB, Bi, RS) with nB = Bo or 1 (shared).
"""

from __future__ import annotations

import numpy as np


def _solve(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Least-squares solution of the normal equations (lstsq copes with a singular Gram)."""
    return np.linalg.lstsq(gram, rhs, rcond=None)[0]


def solve_v(w: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """V for given basis kernels (Bo, C, RS): W (K x C.RS) against W1 (Bo x C.RS)."""
    return w.reshape(w.shape[0], -1) @ np.linalg.pinv(basis.reshape(basis.shape[0], -1))


def solve_u(w: np.ndarray, v: np.ndarray, b: np.ndarray) -> np.ndarray:
    bo, (_, bi, _), c = v.shape[1], b.shape, w.shape[1]
    b = np.broadcast_to(b, (bo,) + b.shape[1:])
    gram = np.einsum("ko,kp->op", v, v)[:, None, :, None] * np.einsum("oir,pjr->oipj", b, b)
    rhs = np.einsum("ko,oir,kcr->oic", v, b, w, optimize=True)
    x = _solve(gram.reshape(bo * bi, bo * bi), rhs.reshape(bo * bi, c))
    return x.reshape(bo, bi, c).transpose(0, 2, 1)


def solve_b(w: np.ndarray, v: np.ndarray, u: np.ndarray, shared: bool) -> np.ndarray:
    bo, c, bi = u.shape
    rs = w.shape[2]
    if shared:
        mixed = np.einsum("ko,oci->kci", v, u, optimize=True)  # one B seen through V and U
        gram = np.einsum("kci,kcj->ij", mixed, mixed, optimize=True)
        return _solve(gram, np.einsum("kci,kcr->ir", mixed, w, optimize=True))[None]
    gram = np.einsum("ko,kp->op", v, v)[:, None, :, None] * np.einsum("oci,pcj->oipj", u, u)
    rhs = np.einsum("ko,oci,kcr->oir", v, u, w, optimize=True)
    return _solve(gram.reshape(bo * bi, bo * bi), rhs.reshape(bo * bi, rs)).reshape(bo, bi, rs)


def normalise_bases(u: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm rows of B, their norms moved into U: the product is unchanged, and one
    per-tensor scale then suits every row of B."""
    norms = np.linalg.norm(b, axis=2)  # (nB, Bi)
    norms = np.where(norms > 0, norms, 1.0)
    return u * norms[:, None, :], b / norms[:, :, None]


def residual(w: np.ndarray, v: np.ndarray, u: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(w.reshape(w.shape[0], -1) - v @ (u @ b).reshape(u.shape[0], -1)))


def refine(w: np.ndarray, v: np.ndarray, u: np.ndarray, b: np.ndarray, shared: bool,
           max_iterations: int, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rounds of B, U, V updates from a starting point (float, unquantised), until a round
    lowers the residual by less than ``tol`` of itself or after ``max_iterations`` rounds."""
    error = residual(w, v, u, b)
    for _ in range(max_iterations):
        b = solve_b(w, v, u, shared)
        u, b = normalise_bases(u, b)
        u = solve_u(w, v, b)
        v = solve_v(w, u @ b)
        previous, error = error, residual(w, v, u, b)
        if previous - error <= tol * previous:
            break
    return v, u, b
