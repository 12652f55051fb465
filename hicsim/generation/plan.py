"""Per-layer factorisation plan: which levels apply, their ranks and bit widths, what is stored.

A plan is the one description of a layer's compact form that the fit, the generation kernel, the
memory accounting and the engine all read. The stored tensors by level:

    both levels   B (nB x Bi x R.S) @bits_b, U (Bo x C x Bi) @bits_u, V (K x Bo) @bits_v
    intra only    B (nB x Bi x R.S) @bits_b, U (K x C x Bi) @bits_u      (every kernel from bases)
    cross only    W1 (Bo x C x R.S) @bits_b, V (K x Bo) @bits_v          (basis kernels stored)
    direct        W (K x C x R.S) @direct_bits

nB is the number of basis kernels with ``spatial_basis: per_kernel`` and 1 with ``shared``.

How a plan is chosen (``plan_layer``): the spec's ``direct`` roles and per-layer overrides may
send a layer to direct storage; otherwise a level is eligible under the rank rule (intra-kernel
only when Bi < min(C, R.S), cross-kernel only when Bo < min(K, C.R.S)), and of the eligible
combinations the one storing the fewest bytes wins (ties: fewer levels, i.e. less generation
work). So a level is used only where it pays, and ``reasons`` says why for each level. Under
``policy: all_eligible`` every eligible level is applied, paying or not (the published method).
A layer stored directly takes the bits of its role (``direct_precision``: classifier, conv,
linear), else ``direct_bits``, else the crossbar's bits per weight.

Beside the weights a layer may store batch-norm scale and shift (``BN``, 2 per channel) and a
bias (``bias``): ``extras``, never generated, at ``direct_precision``'s bits. They are not in
``stored_bytes`` (the weights' compact form, which the generation unit reads) but are counted by
the memory accounting, on both sides of every ratio.

Bytes are whole tensors packed at their bit widths. The per-tensor quantisation scales (one float
each, at most 16 B a layer) are left out, as they are for the crossbar baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

from hicsim.generation.shape import WeightShape, layer_roles
from hicsim.spec.generation import GenerationUnit

MAX_FACTOR_BITS = 16  # see hicsim.spec.generation.FactorBits


@dataclass(frozen=True)
class TensorSpec:
    """One stored tensor: ``B``, ``U``, ``V``, ``W1`` (basis kernels) or ``W`` (direct weights)."""

    name: str
    shape: tuple[int, ...]
    bits: float

    @property
    def elems(self) -> int:
        return math.prod(self.shape)

    @property
    def bytes(self) -> int:
        return math.ceil(self.elems * self.bits / 8)


@dataclass(frozen=True)
class LayerPlan:
    name: str
    shape: WeightShape
    bi: Optional[int]  # level-1 rank; None: level 1 skipped
    bo: Optional[int]  # level-2 rank; None: level 2 skipped
    bits_b: int = 8
    bits_u: int = 4
    bits_v: int = 4
    spatial_basis: str = "per_kernel"
    direct_bits: float = 8  # bits per weight when stored directly (may be fractional)
    reasons: tuple[str, ...] = ()
    extras: tuple[TensorSpec, ...] = ()  # BN scale and shift, bias: stored as they are

    def __post_init__(self):
        s = self.shape
        _check_rank(self.name, "bi", self.bi, min(s.c, s.rs), f"min(C={s.c}, R.S={s.rs})")
        _check_rank(self.name, "bo", self.bo, min(s.k, s.kernel_size),
                    f"min(K={s.k}, C.R.S={s.kernel_size})")
        for field in ("bits_b", "bits_u", "bits_v"):
            bits = getattr(self, field)
            if not isinstance(bits, int) or not 1 <= bits <= MAX_FACTOR_BITS:
                raise ValueError(f"layer {self.name!r}: {field} must be an integer in "
                                 f"1..{MAX_FACTOR_BITS}, got {bits!r}")
        if not 0 < self.direct_bits <= 32:
            raise ValueError(f"layer {self.name!r}: direct_bits must be in (0, 32], "
                             f"got {self.direct_bits!r}")
        if self.spatial_basis not in ("per_kernel", "shared"):
            raise ValueError(f"layer {self.name!r}: spatial_basis must be per_kernel or shared, "
                             f"got {self.spatial_basis!r}")

    @property
    def intra(self) -> bool:
        return self.bi is not None

    @property
    def cross(self) -> bool:
        return self.bo is not None

    @property
    def direct(self) -> bool:
        return not (self.intra or self.cross)

    @property
    def levels(self) -> str:
        return "+".join(n for n, on in (("intra", self.intra), ("cross", self.cross)) if on) or "direct"

    @property
    def basis_kernels(self) -> int:
        """Kernels level 1 produces (or that are stored as W1): Bo, or every kernel without level 2."""
        return self.bo if self.cross else self.shape.k

    @property
    def tensors(self) -> tuple[TensorSpec, ...]:
        s, n = self.shape, self.basis_kernels
        if self.direct:
            return (TensorSpec("W", (s.k, s.c, s.rs), self.direct_bits),)
        out = []
        if self.intra:
            n_bases = n if self.spatial_basis == "per_kernel" else 1
            out += [TensorSpec("B", (n_bases, self.bi, s.rs), self.bits_b),
                    TensorSpec("U", (n, s.c, self.bi), self.bits_u)]
        else:
            out.append(TensorSpec("W1", (n, s.c, s.rs), self.bits_b))
        if self.cross:
            out.append(TensorSpec("V", (s.k, self.bo), self.bits_v))
        return tuple(out)

    def tensor(self, name: str) -> TensorSpec:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"layer {self.name!r} ({self.levels}) stores no tensor {name!r}; "
                       f"it stores {[t.name for t in self.tensors]}")

    @property
    def stored_bytes(self) -> int:
        return sum(t.bytes for t in self.tensors)

    @property
    def stored_params(self) -> int:
        return sum(t.elems for t in self.tensors)

    @property
    def extra_bytes(self) -> int:
        return sum(t.bytes for t in self.extras)

    @property
    def extra_params(self) -> int:
        return sum(t.elems for t in self.extras)

    @property
    def intra_macs(self) -> int:
        """Level 1, once per layer: every basis kernel's C x R.S from C x Bi times Bi x R.S."""
        s = self.shape
        return self.basis_kernels * s.c * self.bi * s.rs if self.intra else 0

    @property
    def cross_macs_per_kernel(self) -> int:
        """Level 2 for one output kernel (C.R.S weights from Bo basis kernels): lets the engine
        charge a tile for just the kernels it holds."""
        return self.bo * self.shape.kernel_size if self.cross else 0

    @property
    def cross_macs(self) -> int:
        return self.shape.k * self.cross_macs_per_kernel

    @property
    def generation_macs(self) -> int:
        """MACs to produce the layer's whole weight tensor (0 when stored directly)."""
        return self.intra_macs + self.cross_macs


def _check_rank(layer: str, field: str, rank, limit: int, limit_text: str) -> None:
    if rank is None:
        return
    if not isinstance(rank, int) or rank <= 0:
        raise ValueError(f"layer {layer!r}: {field} must be a positive integer, got {rank!r}")
    if rank > limit:
        raise ValueError(f"layer {layer!r}: {field}={rank} exceeds the full rank {limit_text} = {limit}")


def plan_layer(layer, spec: GenerationUnit, crossbar_bits_per_weight: float,
               roles: frozenset[str] = frozenset()) -> LayerPlan:
    """The plan of one weighted workload layer under ``spec``. ``roles`` (see
    ``shape.layer_roles``) are what the spec's ``direct`` list is matched against."""
    shape = WeightShape.of(layer)
    f = spec.factorisation_for(layer.name)
    direct = LayerPlan(layer.name, shape, None, None, f.bits_b, f.bits_u, f.bits_v, f.spatial_basis,
                       _direct_bits(spec, roles, crossbar_bits_per_weight),
                       extras=extra_tensors(layer, spec))
    if not spec.enabled:
        return replace(direct, reasons=("generation unit disabled",))
    forced = spec.forced_direct(layer.name)
    if forced:
        return replace(direct, reasons=("layer override direct: true",))
    ruled = sorted(roles & set(spec.direct))
    if ruled and forced is None:
        return replace(direct, reasons=(f"{'/'.join(ruled)} layer: stored directly by the rule "
                                        f"direct: [{', '.join(spec.direct)}]",))

    intra_ok, intra_why = _rank_rule("intra-kernel", "Bi", f.bi, {"C": shape.c, "R.S": shape.rs})
    cross_ok, cross_why = _rank_rule("cross-kernel", "Bo", f.bo,
                                     {"K": shape.k, "C.R.S": shape.kernel_size})
    candidates = [replace(direct, bi=f.bi if use_intra else None, bo=f.bo if use_cross else None)
                  for use_intra in (False, True)[:1 + intra_ok]
                  for use_cross in (False, True)[:1 + cross_ok]]
    if spec.policy_for(layer.name) == "all_eligible":
        best = candidates[-1]  # the combination with every eligible level
    else:
        best = min(candidates, key=lambda p: (p.stored_bytes, p.intra + p.cross))

    reasons = [_level_reason(best, "bi", f.bi, intra_ok, intra_why),
               _level_reason(best, "bo", f.bo, cross_ok, cross_why)]
    if best.direct:
        reasons.append(f"stored directly at {best.direct_bits:g} bits/weight")
    return replace(best, reasons=tuple(reasons))


def _direct_bits(spec: GenerationUnit, roles: frozenset[str], crossbar_bits: float) -> float:
    """Bits per weight if the layer is stored directly: its role's, else the spec's, else the
    crossbar's."""
    by_role = spec.direct_precision
    role_bits = (by_role.classifier if "classifier" in roles else
                 by_role.linear if "linear" in roles else by_role.conv)
    return role_bits or spec.direct_bits or crossbar_bits


def extra_tensors(layer, spec: Optional[GenerationUnit]) -> tuple[TensorSpec, ...]:
    """The layer's batch-norm and bias parameters as stored tensors, at the spec's bits (32
    without a spec: full precision)."""
    bits = spec.direct_precision if spec is not None else None
    out = []
    if layer.batch_norm_params:
        out.append(TensorSpec("BN", (layer.batch_norm_params,), bits.batch_norm if bits else 32))
    if layer.bias_params:
        out.append(TensorSpec("bias", (layer.bias_params,), bits.bias if bits else 32))
    return tuple(out)


def _rank_rule(level: str, rank_name: str, rank: Optional[int], dims: dict[str, int]):
    """(eligible, why) for one level under the rank rule rank < min(dims)."""
    if rank is None:
        return False, f"{level} off ({rank_name.lower()}: null)"
    limit = min(dims.values())
    dims_text = ", ".join(f"{k}={v}" for k, v in dims.items())
    ok = rank < limit
    return ok, f"{level}: {rank_name}={rank} {'<' if ok else 'is not <'} min({dims_text}) = {limit}"


def _level_reason(best: LayerPlan, rank_field: str, rank: Optional[int], eligible: bool,
                  why: str) -> str:
    """Why one level (``rank_field`` 'bi' or 'bo') is in ``best`` or not."""
    if not eligible or getattr(best, rank_field) is not None:
        return why
    with_level = replace(best, **{rank_field: rank})
    level = why.split(":")[0]
    return (f"{level} skipped, does not pay: {with_level.stored_bytes} B with it, "
            f"{best.stored_bytes} B without")


def plan_network(workload, spec: GenerationUnit, crossbar_bits_per_weight: float) -> dict[str, LayerPlan]:
    """Plans of every weighted layer of ``workload``, by layer name in network order."""
    weighted = workload.weighted_layers
    unknown = sorted(set(spec.layers) - {layer.name for layer in weighted})
    if unknown:
        raise ValueError(f"generation.layers: no weighted layer named {', '.join(map(repr, unknown))} "
                         f"in workload {workload.name!r}")
    return {layer.name: plan_layer(layer, spec, crossbar_bits_per_weight,
                                   layer_roles(layer, i, len(weighted)))
            for i, layer in enumerate(weighted)}
