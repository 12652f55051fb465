"""``hicsim validate ARCH.yaml``: check a spec (and optionally a workload) and say what it holds."""

from __future__ import annotations

from hicsim.cli.common import add_overrides, overrides_of
from hicsim.spec import load_arch


def register(sub) -> None:
    p = sub.add_parser("validate", help="check an architecture spec")
    p.add_argument("arch", help="architecture spec (YAML)")
    add_overrides(p)
    p.set_defaults(func=run)


def run(args) -> int:
    arch = load_arch(args.arch, overrides_of(args.overrides))
    t = arch.tile
    print(f"{args.arch}: ok: {arch.name}, {arch.chip.tiles} tiles x {t.crossbars} crossbars of "
          f"{t.crossbar.rows}x{t.crossbar.cols}, weights: {t.weights.representation}")
    return 0
