"""``hicsim validate ARCH.yaml``: check a spec (and optionally a workload) and say what it holds.
``hicsim validate --published [DIR]``: the shipped specs of published chips against their papers."""

from __future__ import annotations

from pathlib import Path

from hicsim.cli.common import add_overrides, overrides_of
from hicsim.spec import load_arch


def register(sub) -> None:
    p = sub.add_parser("validate", help="check an architecture spec, or (--published) compare the "
                                        "published chips' specs with their papers")
    p.add_argument("arch", nargs="?", help="architecture spec (YAML); with --published, the "
                                           "directory of the shipped specs (default arch_specs)")
    p.add_argument("--published", action="store_true",
                   help="print every published figure of ISAAC, HERMES and IBM's 64-core chip: "
                        "published, simulated, relative error; exit 1 if one is out of its bound")
    add_overrides(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.published:
        from hicsim.report.published import context_text, validation_rows, validation_text
        spec_dir = Path(args.arch or "arch_specs")
        rows = validation_rows(spec_dir)
        print(validation_text(rows))
        print(context_text(spec_dir))
        return 0 if all(abs(r["error"]) <= r["bound"] for r in rows) else 1
    if args.arch is None:
        from hicsim.spec.errors import single
        raise single("validate", "name an architecture spec, or use --published")
    arch = load_arch(args.arch, overrides_of(args.overrides))
    t = arch.tile
    print(f"{args.arch}: ok: {arch.name}, {arch.chip.tiles} tiles x {t.crossbars} crossbars of "
          f"{t.crossbar.rows}x{t.crossbar.cols}, weights: {t.weights.representation}")
    return 0
