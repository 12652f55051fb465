"""Published chips against their shipped specs: every figure as published, as simulated, and the
relative error, with the bound the tests hold it to.

Simulated figures come from the cost model at peak (``hicsim.costs.peak``: every crossbar busy at
the spec's rates; power is the datapath's energy per action x its rate plus all static power) and
from the area breakdown. Published figures: ISAAC, Shafiee et al., ISCA 2016 (corrected), Table I
and the peak figures derived from it; HERMES core, Khaddam-Aljameh et al., JSSC 2022; IBM's 64-core
chip, Le Gallo et al., Nature Electronics 2023 (see shared/REFERENCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hicsim.components import adc_area, int_add_energy, murmann_energy, sram
from hicsim.hardware.memory import memory_hierarchy
from hicsim.costs import area_breakdown, cost_table, peak
from hicsim.spec import load_arch
from hicsim.spec.arch import Arch


@dataclass(frozen=True)
class ChipFigures:
    """A spec's peak throughput, power by component and area by component (SI units)."""

    tiles: int
    ops_per_s: float
    power_W: dict
    area_m2: dict

    @classmethod
    def of(cls, arch: Arch) -> "ChipFigures":
        pk = peak(arch, cost_table(arch))
        power = dict(pk.static_W)
        for name, watts in pk.dynamic_W.items():
            power[name] = power.get(name, 0.0) + watts
        return cls(arch.chip.tiles, pk.ops_per_s, power, area_breakdown(arch)[0])

    def total_power(self) -> float:
        return sum(self.power_W.values())

    def total_area(self) -> float:
        return sum(self.area_m2.values())


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    published: float
    bound: float  # relative error the tests allow
    simulated: Callable[[ChipFigures], float]


def _group(parts: tuple[str, ...], kind: str, per: Callable[[ChipFigures], float], scale: float):
    table = "power_W" if kind == "power" else "area_m2"
    return lambda f: sum(getattr(f, table).get(p, 0.0) for p in parts) / per(f) * scale


def _isaac() -> list[Figure]:
    per_ima = lambda f: f.tiles * 12  # noqa: E731 - 12 IMAs per tile
    per_tile = lambda f: f.tiles  # noqa: E731
    per_router = lambda f: f.tiles / 4  # noqa: E731 - one router per 4 tiles
    once = lambda f: 1  # noqa: E731
    ima = ("adc", "dac", "sample_hold", "crossbar", "reram_2b", "shift_add", "ima_input_register",
           "ima_output_register")
    tile = ima + ("local_buffer", "bus", "router", "sigmoid", "tile_shift_add", "max_pool",
                  "tile_output_register")
    # (Table I row, hicsim parts, per group, power mW, area mm^2)
    rows = [("ADC (8 per IMA)", ("adc",), per_ima, 16, 0.0096),
            ("DAC (8 x 128 per IMA)", ("dac",), per_ima, 4, 0.00017),
            ("sample-and-hold (8 x 128 per IMA)", ("sample_hold",), per_ima, 0.01, 0.00004),
            ("crossbars (8 per IMA)", ("crossbar", "reram_2b"), per_ima, 2.4, 0.0002),
            ("IMA shift-and-add", ("shift_add",), per_ima, 0.2, 0.00024),
            ("IMA input register", ("ima_input_register",), per_ima, 1.24, 0.0021),
            ("IMA output register", ("ima_output_register",), per_ima, 0.23, 0.00077),
            ("12 IMAs (per tile)", ima, per_tile, 289, 0.157),
            ("eDRAM buffer (per tile)", ("local_buffer",), per_tile, 20.7, 0.083),
            ("bus (per tile)", ("bus",), per_tile, 7, 0.090),
            ("router (per 4 tiles)", ("router",), per_router, 42, 0.151),
            ("sigmoid (per tile)", ("sigmoid",), per_tile, 0.52, 0.0006),
            ("tile shift-and-add", ("tile_shift_add",), per_tile, 0.05, 0.00006),
            ("max-pool (per tile)", ("max_pool",), per_tile, 0.4, 0.00024),
            ("tile output register", ("tile_output_register",), per_tile, 1.68, 0.0032),
            ("tile total", tile, per_tile, 330, 0.372),
            ("HyperTransport links (chip)", ("hypertransport",), once, 10.4e3, 22.88)]
    figures = [Figure("peak throughput", "TOPS", 41.29, 0.05, lambda f: f.ops_per_s / 1e12),
               Figure("chip power", "W", 65.8, 0.05, lambda f: f.total_power()),
               Figure("chip area", "mm^2", 85.4, 0.05, lambda f: f.total_area() * 1e6),
               Figure("GOPS/W", "GOPS/W", 627.5, 0.05, lambda f: f.ops_per_s / f.total_power() / 1e9),
               Figure("GOPS/s/mm^2", "GOPS/s/mm^2", 478.95, 0.05,
                      lambda f: f.ops_per_s / 1e9 / (f.total_area() * 1e6))]
    for name, parts, per, mw, mm2 in rows:
        figures.append(Figure(f"{name} power", "mW", mw, 0.05, _group(parts, "power", per, 1e3)))
        figures.append(Figure(f"{name} area", "mm^2", mm2, 0.05, _group(parts, "area", per, 1e6)))
    return figures


def _tops(f: ChipFigures) -> float:
    return f.ops_per_s / 1e12


PUBLISHED: dict[str, tuple[str, list[Figure]]] = {
    "isaac.yaml": ("ISAAC, Shafiee et al., ISCA 2016 (corrected), Table I", _isaac()),
    "hermes_core.yaml": ("HERMES core, Khaddam-Aljameh et al., JSSC 2022", [
        Figure("TOPS/W", "TOPS/W", 10.5, 0.15, lambda f: _tops(f) / f.total_power()),
        Figure("TOPS/mm^2", "TOPS/mm^2", 1.59, 0.15, lambda f: _tops(f) / (f.total_area() * 1e6))]),
    "ibm_64core.yaml": ("IBM 64-core PCM chip, Le Gallo et al., Nature Electronics 2023", [
        Figure("throughput (8-bit, one-phase)", "TOPS", 63.1, 0.05, _tops),
        Figure("TOPS/W (8-bit, one-phase)", "TOPS/W", 9.76, 0.15, lambda f: _tops(f) / f.total_power())]),
}


def validation_rows(spec_dir: Path) -> list[dict]:
    """One row per published figure: spec, source, figure, unit, published, simulated, error, bound."""
    rows = []
    for spec, (source, figures) in PUBLISHED.items():
        chip = ChipFigures.of(load_arch(spec_dir / spec))
        for fig in figures:
            sim = fig.simulated(chip)
            rows.append(dict(spec=spec, source=source, figure=fig.name, unit=fig.unit,
                             published=fig.published, simulated=sim,
                             error=(sim - fig.published) / fig.published, bound=fig.bound))
    return rows


def validation_text(rows: list[dict]) -> str:
    lines, spec = [], None
    for r in rows:
        if r["spec"] != spec:
            spec = r["spec"]
            lines.append(f"{spec}: {r['source']}")
            lines.append(f"  {'figure':<38} {'unit':<12} {'published':>11} {'simulated':>11} {'error':>8}  bound")
        ok = "ok" if abs(r["error"]) <= r["bound"] else "OUT"
        lines.append(f"  {r['figure']:<38} {r['unit']:<12} {r['published']:>11.5g} {r['simulated']:>11.5g} "
                     f"{100 * r['error']:>+7.2f} %  {100 * r['bound']:.0f} % {ok}")
    return "\n".join(lines)


# What the component models alone give for parts whose published figure a spec quotes: context
# for how far a best-case model sits from a real part (not validated, no bound).
def model_context(arch: Arch) -> list[tuple[str, str, float, float]]:
    """(part, unit, figure the spec gives, model's figure) for isaac.yaml's modelled parts."""
    t, node, vdd = arch.tile, arch.technology.node, arch.technology.vdd
    local = memory_hierarchy(arch).local
    energy = murmann_energy(t.adc.bits, t.adc.sample_rate)
    return [("ADC energy per conversion (Murmann fit)", "pJ", t.adc.energy * 1e12, energy * 1e12),
            ("ADC area (survey regression)", "um^2", t.adc.area * 1e12,
             adc_area(t.adc.bits, t.adc.sample_rate, node, energy) * 1e12),
            ("64 KB buffer area (CACTI SRAM table)", "mm^2", arch.memory[0].area * 1e6,
             sram(local.capacity, local.bytes_per_cycle * 8, node).area_m2 * 1e6),
            ("shift-and-add per op (Horowitz adder)", "fJ", t.shift_add.energy * 1e15,
             int_add_energy(t.partial_sum_bits, node, vdd) * 1e15)]


def context_text(spec_dir: Path) -> str:
    lines = ["isaac.yaml: the component models alone, for context (the spec gives the published "
             "figure; not validated)",
             f"  {'part':<40} {'unit':<6} {'published':>10} {'model':>10} {'model/published':>16}"]
    for part, unit, given, model in model_context(load_arch(spec_dir / "isaac.yaml")):
        lines.append(f"  {part:<40} {unit:<6} {given:>10.4g} {model:>10.4g} {model / given:>15.2f}x")
    return "\n".join(lines)
