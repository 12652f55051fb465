"""Does weight generation pay, layer by layer? Traffic it saves against the work it adds.

For one full load of a layer's weights, without the unit: the dense weights are read from DRAM
and staged through the global buffer. With it: the stored bases and coefficients are read from
DRAM into the basis buffer, and the unit spends ``generation_macs`` MACs. The break-even points
are the energy per MAC and the MACs per cycle at which both cost the same: a unit that spends
less per MAC (or runs faster) than these saves energy (or time) on that layer. Figures come from
the spec's cost table and the same closed forms the engine uses.
"""

from __future__ import annotations

import math

import pandas as pd

from hicsim.costs import cost_table
from hicsim.engine.timing import Timing
from hicsim.hardware.model import build_hardware
from hicsim.mapping import map_workload
from hicsim.spec.arch import Arch
from hicsim.workload.model import Workload


def generation_breakeven(arch: Arch, workload: Workload) -> pd.DataFrame:
    """One row per weighted layer; raises ValueError if the spec has no generation unit."""
    if arch.generation is None:
        raise ValueError(f"{arch.name}: the spec has no generation section")
    hw = build_hardware(arch)
    costs, timing = cost_table(arch), Timing(hw)
    plans = map_workload(hw, workload).generation
    dram = costs[("dram", "read_bytes")]
    staging = costs[("global_buffer", "write_bytes")] + costs[("global_buffer", "read_bytes")]
    basis = costs[("basis_buffer", "write_bytes")] + costs[("basis_buffer", "read_bytes")]
    per_mac = costs[("generation_unit", "mac")]
    rows = []
    for name, plan in plans.items():
        dense = math.ceil(plan.shape.weights * workload.weight_bits / 8)
        stored, macs = (dense, 0) if plan.direct else (plan.stored_bytes, plan.generation_macs)
        e_without = dense * (dram + staging)
        e_traffic_with = stored * (dram + (staging if plan.direct else basis))
        t_without = timing.bytes_op(dense, timing.dram_bytes_per_cycle)
        t_with = timing.bytes_op(stored, timing.dram_bytes_per_cycle) + timing.generation_op(macs, stored)
        saved_cycles = t_without - timing.bytes_op(stored, timing.dram_bytes_per_cycle)
        rows.append(dict(
            layer=name, levels=plan.levels, dense_bytes=dense, stored_bytes=stored,
            dram_bytes_saved=dense - stored, generation_macs=macs,
            energy_without_J=e_without, energy_with_J=e_traffic_with + macs * per_mac,
            generation_energy_J=macs * per_mac,
            cycles_without=t_without, cycles_with=t_with,
            breakeven_energy_per_mac_J=(e_without - e_traffic_with) / macs if macs else math.nan,
            breakeven_macs_per_cycle=macs / saved_cycles if macs and saved_cycles > 0 else math.nan,
            reason="; ".join(plan.reasons)))
    df = pd.DataFrame(rows)
    df["pays_energy"] = df["energy_with_J"] < df["energy_without_J"]
    df["pays_latency"] = df["cycles_with"] < df["cycles_without"]
    return df
