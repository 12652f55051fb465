"""Spec model of the on-chip weight generation unit (the arch spec's ``generation:`` section).

The unit holds weights as low-precision bases and coefficients and generates them on chip:
level 1 (intra-kernel) W1 = U (C x Bi) . B (Bi x R.S) per basis kernel, level 2 (cross-kernel)
W = V (K x Bo) . W1 (Bo x C.R.S). The section carries both the hardware (throughput, latency,
energy, basis buffer) and the default factorisation, with per-layer overrides by layer name::

    generation:
      macs_per_cycle: 256
      latency: 4 cycle
      energy_per_mac: 0.2 pJ
      basis_buffer: {capacity: 128 KiB, bandwidth: 64 B/cycle, read_energy: 0.8 pJ/B, write_energy: 1.0 pJ/B}
      factorisation: {bi: 3, bo: 32, bits_b: 8, bits_u: 4, bits_v: 4}
      direct: [pointwise, depthwise, classifier]
      layers:
        conv1: {bi: 4, bo: 16}
        fc: {direct: false, bo: 64}

How a layer's plan is decided from this section is ``hicsim.generation.plan``.

Accounting conventions. ``convention: published`` fills, for every key the section leaves out,
the conventions of the published in-situ generation results, as the issue that asked for them
states them (the paper itself could not be consulted here, so each is marked as such):
every eligible level is applied (``policy: all_eligible``); 1x1 convolutions are generated
across kernels like any other (``direct: [classifier]``, under the same rank rule Bo < min(K, C));
convolutions that are not generated are stored at 32 bits, the classifier at 8
(``direct_precision``); batch-norm scale and shift, and biases, at 32 bits on both sides of every
ratio. Without ``convention`` the defaults below apply (hicsim's own: the cheapest plan, 1x1 and
classifier layers stored directly at the crossbar's bits per weight).
"""

from __future__ import annotations

from typing import Annotated, Dict, List, Literal, Optional

from pydantic import Field, field_validator, model_validator

from hicsim.spec.memory import Memory
from hicsim.spec.quantities import Area, Bits, Energy, PositiveInt, Strict, TimeOrZero

# Factor codes are multiplied in 64-bit integers on the way to a weight (code_v x code_u x code_b
# summed over Bi x Bo terms); 16 bits per factor keeps that exact for any realistic Bi x Bo.
FactorBits = Annotated[int, Field(ge=1, le=16, strict=True,
                                  description="bit width of a factor's codes (1: sign only)")]

# Layer roles a spec may send to direct storage (decided per layer in hicsim.generation.plan):
#   first       the first weighted layer of the network
#   classifier  the last weighted layer of the network
#   pointwise   1x1 convolutions (no spatial extent: level 1 can never apply)
#   depthwise   convolutions with one input channel per group (level 1 can never apply)
#   grouped     other grouped convolutions
#   linear      fully connected layers and matmuls with a weight operand
DirectRole = Literal["first", "classifier", "pointwise", "depthwise", "grouped", "linear"]


class Factorisation(Strict):
    """Ranks and bit widths of the two-level factorisation. A rank left null switches its level
    off (``bi: null`` = cross-kernel only)."""

    bi: Optional[PositiveInt] = Field(default=3, description="level-1 rank: spatial bases per kernel")
    bo: Optional[PositiveInt] = Field(default=32, description="level-2 rank: basis kernels per layer")
    bits_b: FactorBits = Field(default=8, description="bases B (or the basis kernels W1 when "
                                                      "level 1 is skipped)")
    bits_u: FactorBits = Field(default=4, description="level-1 coefficients U")
    bits_v: FactorBits = Field(default=4, description="level-2 coefficients V")
    spatial_basis: Literal["per_kernel", "shared"] = Field(
        default="per_kernel", description="one B (Bi x R.S) per basis kernel, or one for the layer")


Policy = Literal["cheapest", "all_eligible"]
POLICY_TEXT = ("cheapest: of the eligible level combinations, the one storing the fewest bytes; "
               "all_eligible: every level the rank rule allows, whether it pays or not")


class DirectPrecision(Strict):
    """Bits per directly stored parameter, by role. A weight role left out takes ``direct_bits``
    (or, without it, the crossbar's bits per weight)."""

    conv: Optional[Bits] = Field(default=None, description="convolutions that are not generated")
    linear: Optional[Bits] = Field(default=None, description="linear layers and weight matmuls "
                                                             "that are not generated, but the "
                                                             "classifier")
    classifier: Optional[Bits] = Field(default=None, description="the last weighted layer")
    batch_norm: Bits = Field(default=32, description="batch-norm scale and shift (2 per channel)")
    bias: Bits = Field(default=32, description="biases (1 per output channel)")


# The published conventions, by name; a key the spec gives itself wins over the preset's.
CONVENTIONS = {
    "published": {"policy": "all_eligible", "direct": ["classifier"],
                  "direct_precision": {"conv": 32, "linear": 32, "classifier": 8,
                                       "batch_norm": 32, "bias": 32}},
}


class LayerOverride(Strict):
    """Per-layer changes to the default factorisation; omitted keys keep the default.
    ``direct: true`` stores the layer directly; ``direct: false`` exempts it from the ``direct``
    roles (the rank and size rules still apply)."""

    direct: Optional[bool] = None
    bi: Optional[PositiveInt] = None
    bo: Optional[PositiveInt] = None
    bits_b: Optional[FactorBits] = None
    bits_u: Optional[FactorBits] = None
    bits_v: Optional[FactorBits] = None
    spatial_basis: Optional[Literal["per_kernel", "shared"]] = None
    disable: List[Literal["intra", "cross"]] = Field(
        default_factory=list, description="levels switched off for this layer")
    policy: Optional[Policy] = Field(default=None, description=f"this layer's policy ({POLICY_TEXT})")

    def apply(self, base: Factorisation) -> Factorisation:
        changes = {k: v for k, v in self.model_dump(exclude={"direct", "disable", "policy"}).items()
                   if v is not None}
        changes.update({{"intra": "bi", "cross": "bo"}[level]: None for level in self.disable})
        return base.model_copy(update=changes)


class GenerationUnit(Strict):
    """On-chip weight generation unit: hardware figures plus the factorisation it generates from."""

    convention: Optional[Literal["published"]] = Field(
        default=None, description="fill the keys left out with a named accounting convention "
                                  "(see the module docstring)")
    enabled: bool = Field(default=True, description="false: every layer is stored directly")
    macs_per_cycle: PositiveInt = Field(description="generation throughput")
    latency: TimeOrZero = Field(default="0 ns", description="pipeline fill, paid once per burst")
    energy_per_mac: Energy
    basis_buffer: Memory = Field(description="the unit's own SRAM for bases and coefficients")
    area: Optional[Area] = None
    factorisation: Factorisation = Factorisation()
    direct: List[DirectRole] = Field(
        default_factory=lambda: ["pointwise", "classifier"],
        description="layer roles stored directly (not generated)")
    direct_bits: Optional[Bits] = Field(
        default=None, description="bits per directly stored weight; omitted: the crossbar's")
    direct_precision: DirectPrecision = Field(
        default_factory=DirectPrecision, description="bits per directly stored parameter by role")
    policy: Policy = Field(default="cheapest", description=POLICY_TEXT)
    layers: Dict[str, LayerOverride] = Field(default_factory=dict,
                                             description="per-layer overrides by layer name")

    @model_validator(mode="before")
    @classmethod
    def _fill_convention(cls, data):
        """A named convention supplies the keys the section leaves out (nested ones too)."""
        if not isinstance(data, dict) or data.get("convention") not in CONVENTIONS:
            return data
        filled = dict(data)
        for key, value in CONVENTIONS[data["convention"]].items():
            if isinstance(value, dict) and isinstance(filled.get(key), dict):
                filled[key] = {**value, **filled[key]}
            else:
                filled.setdefault(key, value)
        return filled

    @field_validator("direct")
    @classmethod
    def _no_repeats(cls, v: list[str]) -> list[str]:
        repeated = sorted({role for role in v if v.count(role) > 1})
        if repeated:
            raise ValueError(f"roles listed more than once: {', '.join(repeated)}")
        return v

    def factorisation_for(self, layer_name: str) -> Factorisation:
        override = self.layers.get(layer_name)
        return override.apply(self.factorisation) if override else self.factorisation

    def policy_for(self, layer_name: str) -> str:
        override = self.layers.get(layer_name)
        return override.policy if override and override.policy else self.policy

    def forced_direct(self, layer_name: str) -> Optional[bool]:
        """True/False when the layer's override says so, None when the role rule decides."""
        override = self.layers.get(layer_name)
        return override.direct if override else None


# A factorisation tuple (Bi, Bo, qb, qu, qv), as the published results quote them.
TUPLE_KEYS = ("bi", "bo", "bits_b", "bits_u", "bits_v")


def tuple_overrides(values) -> dict:
    """Spec overrides (dotted paths) setting generation.factorisation to a tuple."""
    values = tuple(values)
    if len(values) != len(TUPLE_KEYS):
        raise ValueError(f"a factorisation tuple is (Bi, Bo, qb, qu, qv), got {values!r}")
    return {f"generation.factorisation.{k}": v for k, v in zip(TUPLE_KEYS, values)}
