"""Does weight generation pay, layer by layer? Traffic it saves against the work it adds.

For one full load of a layer's weights, without the unit: the dense weights are read from DRAM
and staged through the global buffer. With it: the stored bases and coefficients are read from
DRAM into the basis buffer, and the unit spends ``generation_macs`` MACs. The break-even points
are the energy per MAC and the MACs per cycle at which both cost the same: a unit that spends
less per MAC (or runs faster) than these saves energy (or time) on that layer. Figures come from
the spec's cost table, the mapping and hardware model the engine runs on (the caller passes them:
nothing is mapped again here), and the engine's own closed forms (``Timing``).
"""

from __future__ import annotations

import math

import pandas as pd

from hicsim.costs import cost_table
from hicsim.engine.timing import Timing
from hicsim.hardware.ids import BASIS_BUFFER, Action, Component
from hicsim.hardware.model import Hardware
from hicsim.mapping import Mapping
from hicsim.workload.model import Workload


def generation_breakeven(hw: Hardware, mapping: Mapping, workload: Workload) -> pd.DataFrame:
    """One row per weighted layer of ``mapping`` (``map_workload(hw, workload)``); raises
    ValueError if the hardware has no generation unit."""
    if hw.generation is None:
        raise ValueError(f"{hw.name}: the spec has no generation section")
    costs, timing = cost_table(hw.spec), Timing(hw)
    plans = mapping.generation
    read, write = Action.READ_BYTES, Action.WRITE_BYTES
    backing, buffer = hw.memory.backing, hw.memory.staging
    dram = costs[(backing.name, read)]
    staging = costs[(buffer.name, write)] + costs[(buffer.name, read)]
    basis = costs[(BASIS_BUFFER, write)] + costs[(BASIS_BUFFER, read)]
    per_mac = costs[(Component.GENERATION_UNIT, Action.MAC)]
    rows = []
    for name, plan in plans.items():
        dense = mapping.layers[name].weight_bytes(workload.weight_bits)
        stored, macs = (dense, 0) if plan.direct else (plan.stored_bytes, plan.generation_macs)
        e_without = dense * (dram + staging)
        e_traffic_with = stored * (dram + (staging if plan.direct else basis))
        t_without = timing.transfer_op(backing, dense)
        t_with = timing.transfer_op(backing, stored) + timing.generation_op(macs, stored)
        saved_cycles = t_without - timing.transfer_op(backing, stored)
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
