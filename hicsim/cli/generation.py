"""``hicsim generation ARCH.yaml WORKLOAD``: the memory table of a spec's generation unit on a
workload (a trace file or a zoo network name), layer by layer and in total, with parameter and
memory ratios in both directions. No simulation: only the plan and its accounting.

    hicsim generation arch_specs/hic_pcm_generation.yaml resnet18_cifar10 \\
        --convention published --tuple 2,44,3,6,3
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hicsim.cli.common import add_overrides, overrides_of
from hicsim.generation.memory import memory_table
from hicsim.spec import load_arch
from hicsim.spec.errors import single
from hicsim.spec.generation import TUPLE_KEYS, tuple_overrides
from hicsim.workload import load_workload, zoo

COLUMNS = {  # table column -> printed heading
    "layer": "layer", "shape": "shape", "levels": "levels", "params": "params",
    "stored_params": "stored", "stored_bytes": "stored B", "fp32_bytes": "FP32 B",
    "param_fraction": "params stored/dense", "fp32_fraction": "memory stored/FP32",
    "param_ratio": "params dense/stored", "fp32_ratio": "memory FP32/stored",
    "crossbar_ratio": "memory crossbar/stored"}


def register(sub) -> None:
    p = sub.add_parser("generation", help="memory table of a spec's weight generation on a workload")
    p.add_argument("arch", help="architecture spec (YAML) with a generation section")
    p.add_argument("workload", help="workload trace (YAML) or zoo network name")
    p.add_argument("--convention", choices=("published",),
                   help="accounting convention by name (sets generation.convention)")
    p.add_argument("--tuple", metavar="BI,BO,QB,QU,QV",
                   help="factorisation ranks and bits, e.g. 2,44,3,6,3")
    p.add_argument("--layers", action="store_true", help="print every layer, not only the total")
    p.add_argument("--csv", metavar="FILE", help="write the full table (every column) as CSV")
    add_overrides(p)
    p.set_defaults(func=run)


def factorisation_overrides(text: str) -> dict:
    """``--tuple 2,44,3,6,3`` as spec overrides of generation.factorisation."""
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != len(TUPLE_KEYS):
        raise single("--tuple", f"expected five integers Bi,Bo,qb,qu,qv, got {text!r}")
    return tuple_overrides(values)


def _workload(name: str):
    return load_workload(name) if Path(name).suffix in (".yaml", ".yml") else zoo.build(name)


def run(args) -> int:
    overrides = overrides_of(args.overrides)
    if args.convention:
        overrides["generation.convention"] = args.convention
    if args.tuple:
        overrides.update(factorisation_overrides(args.tuple))
    arch = load_arch(args.arch, overrides)
    if arch.generation is None:
        raise single(args.arch, "the spec has no generation section")
    workload = _workload(args.workload)
    table = memory_table(workload, arch.generation, workload.weight_bits)
    if args.csv:
        table.to_csv(args.csv, index=False)
    table["params"] = table["weights"] + table["extra_params"]
    shown = table if args.layers else table.tail(1)
    print(f"{workload.name} on {arch.name}: {len(table) - 1} weighted layers, "
          f"{int(table['weights'].iloc[-1]):,} weights + {int(table['extra_params'].iloc[-1]):,} "
          f"batch-norm and bias parameters; crossbar baseline at {workload.weight_bits:g} "
          f"bits per weight")
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.float_format", "{:.4g}".format):
        print(shown[[c for c in COLUMNS if c in shown]].rename(columns=COLUMNS)
              .to_string(index=False, na_rep=""))
    return 0
