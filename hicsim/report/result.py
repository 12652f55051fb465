"""The result of one simulation: tidy pandas tables and a summary, built from counts x costs.

The summary is computed from the tables' rows in plain Python (``hicsim.report.tally``); each
table becomes a DataFrame when it is first asked for, so a run that only prints its summary never
imports pandas. Tables (one row per observation, plain columns):
- ``actions``: layer, phase, component, action, category, count, energy_per_action_J, energy_J
- ``layers``: per layer, its op, mapping, first start and last end cycle, energy
- ``traffic``: every transfer: first cycle, end cycle, level, direction, bytes, layer
- ``units``: every hardware unit: busy cycles, operations, utilisation
- ``mapping``: per weighted layer: partitions, crossbars, replicas, tiles
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Optional

from hicsim.costs import (area_breakdown, category_of, costed_actions, layer_device_reads,
                          memory_names, peak, static_power)
from hicsim.engine.run import EngineResult
from hicsim.hardware.ids import Component
from hicsim.hardware.memory import memory_hierarchy
from hicsim.mapping.place import Mapping
from hicsim.report.tally import descending, sums_by, total
from hicsim.report.transformer import is_transformer, stage_table, transformer_summary
from hicsim.spec.arch import Arch
from hicsim.workload.model import Workload

if TYPE_CHECKING:
    import pandas as pd


# Where a layer's time goes on its critical unit; the rest of its span is a stall (waiting on
# memory, transfers or a unit another layer holds).
TIME_KINDS = ("compute", "conversion", "programming", "generation")


ACTION_COLUMNS = ("layer", "phase", "component", "action", "category", "count",
                  "energy_per_action_J", "energy_J")
TRAFFIC_COLUMNS = ("cycle", "end_cycle", "level", "direction", "bytes", "layer")
UNIT_COLUMNS = ("unit", "kind", "busy_cycles", "operations")
LAYER_COLUMNS = ("layer", "op", "weighted", "weights", "macs_per_sample", "start_cycle", "end_cycle",
                 "energy_J", *(f"{kind}_cycles" for kind in TIME_KINDS), "stall_cycles")
# column numbers in the rows
LAYER, PHASE, COMPONENT, ACTION, COUNT, ENERGY = 0, 1, 2, 3, 5, 7
LEVEL, DIRECTION, BYTES = 2, 3, 4


def _frame(rows, columns) -> pd.DataFrame:
    import pandas as pd  # only when a table is asked for (see the module's docstring)

    return pd.DataFrame(rows, columns=list(columns))


@dataclass
class Result:
    arch: str
    workload: str
    clock_hz: float
    batch: int
    mode: str
    cycles: int
    events: int
    # the tables' rows, as the engine counted them and the costs priced them
    action_rows: list[tuple]
    traffic_rows: list[tuple]
    unit_rows: list[tuple]
    mapping_rows: list[dict]
    layer_rows: list[dict]  # per layer, all but its energy (summed from the actions)
    summary: dict = field(default_factory=dict)
    # the memory levels innermost first, then the interconnect: the order traffic is shown in
    levels: tuple = ()
    # training: per phase of a step, per layer x device; transformers: prefill and decode steps
    phase_table: Optional[pd.DataFrame] = None
    wear_table: Optional[pd.DataFrame] = None
    stage_table: Optional[pd.DataFrame] = None

    @cached_property
    def actions(self) -> pd.DataFrame:
        return _frame(self.action_rows, ACTION_COLUMNS)

    @cached_property
    def traffic(self) -> pd.DataFrame:
        return _frame(self.traffic_rows, TRAFFIC_COLUMNS)

    @cached_property
    def units(self) -> pd.DataFrame:
        units = _frame(self.unit_rows, UNIT_COLUMNS)
        units["utilisation"] = units["busy_cycles"] / max(self.cycles, 1)
        return units

    @cached_property
    def mapping(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.mapping_rows)

    @cached_property
    def layers(self) -> pd.DataFrame:
        import pandas as pd

        energy = sums_by(self.action_rows, (LAYER,), ENERGY)
        df = pd.DataFrame([{**row, "energy_J": float(energy.get((row["layer"],), 0.0))}
                           for row in self.layer_rows], columns=LAYER_COLUMNS)
        if not self.mapping.empty:
            df = df.merge(self.mapping[["layer", "crossbars", "replicas", "tiles"]], on="layer", how="left")
        return df

    @property
    def phases(self) -> pd.DataFrame:
        return self.phase_table if self.phase_table is not None else _frame([], ())

    @property
    def wear(self) -> pd.DataFrame:
        return self.wear_table if self.wear_table is not None else _frame([], ())

    @property
    def stages(self) -> pd.DataFrame:
        return self.stage_table if self.stage_table is not None else _frame([], ())

    @property
    def latency_s(self) -> float:
        return self.cycles / self.clock_hz

    @property
    def energy_J(self) -> float:
        return float(total(row[ENERGY] for row in self.action_rows))

    def energy_sums(self, *keys: str) -> list[tuple]:
        """(key tuple, energy) summed by any of layer, phase, component, action, category,
        largest first: ``energy_by`` without pandas."""
        columns = [ACTION_COLUMNS.index(k) for k in keys]
        return descending(sums_by(self.action_rows, columns, ENERGY))

    def energy_by(self, *keys: str) -> pd.DataFrame:
        """Energy summed by any of layer, phase, component, action, category."""
        return _frame([(*key, float(e)) for key, e in self.energy_sums(*keys)], (*keys, "energy_J"))

    def area_table(self) -> pd.DataFrame:
        """Chip area by component (mm^2) and where each figure came from."""
        sources = self.summary.get("cost_sources", {})
        return _frame([(c, a, sources.get(f"{c}.area", "")) for c, a in
                       self.summary.get("area_by_component_mm2", {}).items()],
                      ("component", "area_mm2", "source"))

    def cost_sources(self) -> pd.DataFrame:
        """Every cost figure (energy per action, static power, area) and its source."""
        return _frame(sorted(self.summary.get("cost_sources", {}).items()), ("cost", "source"))

    def level_sums(self) -> list[tuple[str, str, int]]:
        """(level, direction, bytes), levels innermost first, directions in name order:
        ``traffic_by_level`` without pandas."""
        sums = sums_by(self.traffic_rows, (LEVEL, DIRECTION), BYTES)
        ordered = sorted(sorted(sums.items()), key=lambda kv: self._level_rank(kv[0][0]))
        return [(level, direction, nbytes) for (level, direction), nbytes in ordered]

    def traffic_by_level(self) -> pd.DataFrame:
        """Bytes and achieved bandwidth per memory level and direction."""
        return _frame([(level, direction, nbytes, self.bandwidth(nbytes))
                       for level, direction, nbytes in self.level_sums()],
                      ("level", "direction", "bytes", "bandwidth_B_per_s"))

    def bandwidth(self, nbytes: int) -> float:
        """Achieved bytes per second of ``nbytes`` moved over the run."""
        return nbytes / self.latency_s if self.cycles else 0.0

    def _level_rank(self, level: str) -> int:
        return self.levels.index(level) if level in self.levels else len(self.levels)

    def traffic_timeline(self, bins: int = 50) -> pd.DataFrame:
        """Bytes per level and direction (``dram.read``, ...) in equal time bins, each transfer
        spread over the cycles it took (``hicsim.report.timeline``); levels innermost first."""
        from hicsim.report.timeline import spread_timeline

        out = spread_timeline(self.traffic, self.cycles, bins, self.clock_hz)
        columns = sorted(out.columns[2:], key=lambda c: (self._level_rank(c.split(".")[0]), c))
        return out[["start_s", "width_s", *columns]]


def build_result(arch: Arch, workload: Workload, mapping: Mapping, engine: EngineResult) -> Result:
    costs = {key: energy for key, (energy, _) in costed_actions(arch).items()}
    layer_reads = layer_device_reads(arch, workload)
    levels = memory_names(arch)
    rows = []
    for (layer, phase, component, action), count in engine.ledger.counts.items():
        try:
            unit_cost = costs[(component, action)]
        except KeyError:
            raise RuntimeError(f"no cost for action {component}.{action}: add it to the cost table")
        if action == "read" and (layer, component) in layer_reads:
            unit_cost = layer_reads[(layer, component)][0]
        rows.append((layer, phase, component, action, category_of(component, action, phase, arch.devices, levels),
                     count, unit_cost, count * unit_cost))
    rows += _static_rows(arch, engine.cycles)
    units = [(u.name, u.kind, u.busy_cycles, u.operations) for u in engine.units]
    result = Result(arch.name, workload.name, arch.clock, workload.batch, mapping.mode, engine.cycles,
                    engine.events, rows, engine.ledger.transfers(), units, _mapping_rows(mapping),
                    _layer_rows(workload, engine),
                    levels=(*(m.name for m in memory_hierarchy(arch)), Component.INTERCONNECT))
    result.summary = _summary(result, arch, workload, mapping, engine)
    if engine.stages is not None and is_transformer(workload):  # tables of the actions (pandas)
        result.stage_table = stage_table(engine.stages, arch.clock)
        result.summary["transformer"] = transformer_summary(
            arch, workload, mapping, engine.stages, result.actions, costs, arch.clock)
    if workload.phase == "training":
        from hicsim.report.training import phase_table, training_summary, wear_table  # pandas

        steps = math.ceil(workload.dataset_size / workload.batch) if workload.dataset_size else None
        result.phase_table = phase_table(result.actions, engine.ledger.spans)
        result.wear_table = wear_table(arch, workload, mapping, result.actions, steps)
        result.summary["training"] = training_summary(result.latency_s, result.energy_J,
                                                      result.phases, result.wear, result.actions,
                                                      workload)
    return result


def _static_rows(arch: Arch, cycles: int) -> list[tuple]:
    """Static power x simulated time, one row per component: counted in cycles, priced per cycle
    (layer ``(chip)``, phase and category ``static``)."""
    power, _ = static_power(arch)
    return [(STATIC_LAYER, "static", component, "leakage", "static", cycles, watts / arch.clock,
             cycles * watts / arch.clock) for component, watts in power.items() if watts > 0 and cycles]


STATIC_LAYER = "(chip)"


def _mapping_rows(mapping: Mapping) -> list[dict]:
    rows = []
    for lm in mapping.layers.values():
        tiles = mapping.tiles_of(lm)
        rows.append(dict(layer=lm.name, groups=lm.groups, rows=lm.rows, cols=lm.cols,
                         row_parts=lm.row_parts, col_parts=lm.col_parts,
                         groups_per_crossbar=lm.groups_per_crossbar, crossbars=lm.crossbars,
                         replicas=lm.replicas, passes=len(mapping.passes(lm)), tiles=len(tiles),
                         mvms_per_sample=lm.mvms_per_sample, input_slices=lm.slices,
                         devices=sum(lm.devices.values())))
    return rows


def _layer_rows(workload: Workload, engine: EngineResult) -> list[dict]:
    spans: dict[str, list[int]] = {}
    for (layer, _), (start, end) in engine.ledger.spans.items():
        s = spans.setdefault(layer, [start, end])
        s[0], s[1] = min(s[0], start), max(s[1], end)
    rows = []
    for layer in workload.layers:
        start, end = spans.get(layer.name, (0, 0))
        busy = {kind: engine.ledger.time.get((layer.name, kind), 0) for kind in TIME_KINDS}
        rows.append(dict(layer=layer.name, op=layer.op, weighted=layer.weighted,
                         weights=layer.weights, macs_per_sample=layer.macs_per_sample,
                         start_cycle=start, end_cycle=end,
                         **{f"{kind}_cycles": c for kind, c in busy.items()},
                         stall_cycles=max(0, end - start - sum(busy.values()))))
    return rows


def _summary(r: Result, arch: Arch, workload: Workload, mapping: Mapping, engine: EngineResult) -> dict:
    by_level = r.level_sums()
    programming = sums_by(r.action_rows, (COMPONENT, ACTION), COUNT,
                          where=lambda row: row[ACTION] in ("set_pulse", "reset_pulse"))
    busiest = max(r.unit_rows, key=lambda u: u[2])  # the first of the busiest, in unit order
    return {
        "arch": r.arch, "workload": r.workload, "phase": workload.phase, "batch": r.batch,
        "weights": "resident" if r.mode == "resident" else "streamed from DRAM",
        "latency_cycles": r.cycles, "latency_s": r.latency_s,
        "throughput_samples_per_s": r.batch / r.latency_s if r.cycles else 0.0,
        "energy_J": r.energy_J, "energy_per_sample_J": r.energy_J / r.batch,
        "energy_by_component_J": {c: float(e) for (c,), e in r.energy_sums("component")},
        "energy_by_category_J": {c: float(e) for (c,), e in r.energy_sums("category")},
        "bytes_by_level": {f"{lv}.{d}": int(b) for lv, d, b in by_level},
        "bandwidth_B_per_s": {f"{lv}.{d}": float(r.bandwidth(b)) for lv, d, b in by_level},
        "programming_pulses": {f"{c}.{a}": int(n) for (c, a), n in sorted(programming.items())},
        "crossbars_used": mapping.crossbars_used if r.mode == "resident" else mapping.slots,
        "crossbars_available": mapping.slots,
        "macs_per_sample": workload.macs_per_sample,
        "busiest_unit": str(busiest[0]), "busiest_unit_cycles": int(busiest[2]),
        **_physical_summary(r, arch, workload),
        "engine_events": r.events,
        "engine_waves": engine.waves,  # the batch ran as this many waves (mapping.waves)
        # wave operations and tensors that may differ from samples on their own (engine.waves)
        "engine_wave_conflicts": engine.conflicts,
        "operand_stats_layers": [l.name for l in workload.weighted_layers if l.stats is not None],
        # Global-buffer ledger: every byte allocated was freed after its last read or is resident.
        "buffer_bytes_in": engine.ledger.buffer_in, "buffer_bytes_out": engine.ledger.buffer_out,
        "buffer_bytes_resident": engine.buffer_resident_bytes,
        "buffer_peak_bytes": engine.ledger.buffer_peak,
    }


def _physical_summary(r: Result, arch: Arch, workload: Workload) -> dict:
    """Area, power, static and dynamic energy, peak and achieved throughput and efficiency, and
    where every cost came from (the spec, or which model)."""
    area, area_source, area_missing = area_breakdown(arch)
    chip_area = sum(area.values())
    static = float(total(row[ENERGY] for row in r.action_rows if row[PHASE] == "static"))
    pk = peak(arch, {k: e for k, (e, _) in costed_actions(arch).items()})
    ops = 2.0 * workload.macs_per_sample * r.batch
    achieved = ops / r.latency_s if r.cycles else 0.0
    average_w = r.energy_J / r.latency_s if r.cycles else 0.0
    sources = {f"{c}.{a}": src for (c, a), (_, src) in costed_actions(arch).items() if src != "tally"}
    power, power_source = static_power(arch)
    sources.update({f"{c}.static": src for c, src in power_source.items()})
    sources.update({f"{c}.area": src for c, src in area_source.items()})
    sources.update({f"{c}.read@{layer}": src
                    for (layer, c), (_, src) in layer_device_reads(arch, workload).items()})
    return {
        "area_mm2": chip_area * 1e6,
        "area_by_component_mm2": {k: v * 1e6 for k, v in sorted(area.items(), key=lambda kv: -kv[1])},
        "area_excludes": area_missing,
        "energy_dynamic_J": r.energy_J - static, "energy_static_J": static,
        "static_power_W": sum(power.values()),
        "average_power_W": average_w, "peak_power_W": pk.power_W,
        "peak_tops": pk.ops_per_s / 1e12, "achieved_tops": achieved / 1e12,
        "tops_per_w": ops / r.energy_J / 1e12 if r.energy_J else 0.0,
        "peak_tops_per_w": pk.ops_per_s / pk.power_W / 1e12,
        "peak_tops_per_mm2": pk.ops_per_s / 1e12 / (chip_area * 1e6) if chip_area else None,
        "achieved_tops_per_mm2": achieved / 1e12 / (chip_area * 1e6) if chip_area else None,
        "pj_per_mac": r.energy_J / (workload.macs_per_sample * r.batch) * 1e12,
        "cost_sources": sources,
    }
