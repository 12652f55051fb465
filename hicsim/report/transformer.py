"""Transformer figures: time to first token, per-token latency and energy of decode, energy by
operation type, the bytes and bandwidth of every stage (prefill, then each decode step), where
the KV caches live, and how long PCM lasts when crossbars are written at run time.

Energy by operation type: data movement (buffers, DRAM, interconnect), programming (device
pulses and verify reads while writing), weight MVMs (the crossbar layers' analog reads,
conversions and digital sums), attention matmuls (activation-by-activation products),
softmax/norm/activation (those layers' vector work), static (leakage over the run), other
(residual adds, copies).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hicsim.engine.sequence import Stages
from hicsim.workload.decode import prompt_tokens

if TYPE_CHECKING:
    import pandas as pd

MOVEMENT = {"memory", "interconnect"}  # cost categories of data movement
VECTOR_KINDS = {"softmax", "layernorm", "rmsnorm", "gelu", "silu", "tanh"}
OP_TYPES = ("weight MVM", "attention matmul", "softmax/norm/activation", "data movement",
            "programming", "static", "other")


def is_transformer(workload) -> bool:
    return workload.decode is not None or any(
        layer.op in VECTOR_KINDS or (layer.op == "matmul" and not layer.weighted)
        for layer in workload.layers)


def op_type(layer, component: str, category: str) -> str:
    if category == "static":  # leakage over the run's time
        return "static"
    if category in MOVEMENT:
        return "data movement"
    if category == "programming":
        return "programming"
    if layer is None:  # the network input's own moves
        return "other"
    if layer.weighted:
        return "weight MVM"
    if layer.op == "matmul":
        return "attention matmul"
    if layer.op in VECTOR_KINDS:
        return "softmax/norm/activation"
    return "other"


def energy_by_op_type(workload, actions: pd.DataFrame) -> dict[str, float]:
    layers = {layer.name: layer for layer in workload.layers}
    out = dict.fromkeys(OP_TYPES, 0.0)
    for layer, component, category, energy in actions[
            ["layer", "component", "category", "energy_J"]].itertuples(index=False, name=None):
        out[op_type(layers.get(layer), component, category)] += energy
    return out


def stage_table(stages: Stages, clock_hz: float) -> pd.DataFrame:
    """Per stage (prefill, then each decode step): cycles, whether the engine simulated it or it
    was interpolated, and bytes and achieved bandwidth per memory level and direction."""
    import pandas as pd  # here: a run's report asks is_transformer of every workload

    rows = []
    for s, (cycles, simulated, moved) in enumerate(zip(stages.cycles, stages.is_simulated,
                                                        stages.bytes_by_level)):
        seconds = cycles / clock_hz
        row = {"stage": "prefill" if s == 0 else f"decode {s}", "step": s, "cycles": cycles,
               "seconds": seconds, "simulated": simulated}
        for key, nbytes in sorted(moved.items()):
            row[f"{key}_bytes"] = nbytes
            row[f"{key}_B_per_s"] = nbytes / seconds if seconds else 0.0
        rows.append(row)
    return pd.DataFrame(rows).fillna(0.0)


def transformer_summary(arch, workload, mapping, stages: Stages, actions: pd.DataFrame,
                        costs: dict, clock_hz: float) -> dict:
    out = {"energy_by_op_type_J": energy_by_op_type(workload, actions),
           "kv_cache": {level: sum(n for name, n in stages.kv_bytes.items()
                                   if stages.kv_levels[name] == level)
                        for level in sorted(set(stages.kv_levels.values()))}}
    per_second = workload.batch * clock_hz / stages.cycles[0]  # samples (or prompts) per second
    if workload.decode is not None:
        n = workload.decode.new_tokens
        static = float(actions.loc[actions["category"] == "static", "energy_J"].sum())
        # The prefill's own counts, and its share of the leakage (by its share of the time).
        prefill_j = (sum(c * costs[k[2:]] for k, c in stages.simulated[0].counts.items())
                     + static * stages.cycles[0] / sum(stages.cycles))
        decode_s = sum(stages.cycles[1:]) / clock_hz
        total_j = float(actions["energy_J"].sum())
        per_second = workload.batch * n / decode_s
        out["decode"] = {
            "prompt_tokens": prompt_tokens(workload), "new_tokens": n,
            "simulated_steps": sum(stages.is_simulated) - 1,
            "time_to_first_token_s": stages.cycles[0] / clock_hz,
            "per_token_latency_s": decode_s / n, "tokens_per_s": per_second,
            "prefill_energy_J": prefill_j, "decode_energy_J": total_j - prefill_j,
            "energy_per_token_J": (total_j - prefill_j) / (n * workload.batch),
            "interpolation_error": stages.interpolation_error,
        }
    wear = _wear(arch, workload, mapping, stages, actions, per_second)
    if wear:
        out["wear"] = wear
    return out


def _wear(arch, workload, mapping, stages: Stages, actions: pd.DataFrame,
          per_second: float) -> list[dict]:
    """Hours until the most-written device reaches its endurance at the simulated rate (tokens
    per second when decoding, else samples per second), for each kind of run-time writing."""
    unit = "token" if workload.decode is not None else "sample"
    runs = (workload.decode.new_tokens if workload.decode is not None else 1) * workload.batch
    out = []
    endurance = min(arch.devices[name].endurance for name in set(arch.tile.weights.device_names()))
    if mapping.mode == "streamed" and mapping.layers:
        # Every pass starts at slot 0: its devices are written once per pass, every run.
        passes = sum(len(mapping.passes(lm)) for lm in mapping.layers.values())
        out.append(_lifetime("weights streamed through the crossbars", passes, unit,
                             endurance, per_second))
    runtime = arch.chip.activation_matmul.crossbars
    if arch.chip.activation_matmul.unit == "crossbars":
        attention = {l.name for l in workload.layers if l.op == "matmul" and not l.weighted}
        rows = actions[actions["layer"].isin(attention) & (actions["action"] == "devices_written")]
        written = float(rows["count"].sum())
        if workload.decode is not None:  # decode steps only: the prefill is once per sequence
            written -= sum(c for k, c in stages.simulated[0].counts.items()
                           if k[0] in attention and k[3] == "devices_written")
        xb = arch.tile.crossbar
        devices = runtime.crossbars * xb.rows * xb.cols
        out.append(_lifetime("activation matmuls on run-time crossbars (writes rotated evenly)",
                             written / runs / devices, unit, endurance, per_second))
    return out


def _lifetime(what: str, writes: float, unit: str, endurance: float, per_second: float) -> dict:
    hours = endurance / (writes * per_second) / 3600 if writes > 0 and per_second > 0 else math.inf
    return {"what": what, f"writes_per_device_per_{unit}": writes, "endurance": endurance,
            "hours_to_endurance": hours}


def transformer_lines(t: dict, si) -> list[str]:
    """The lines ``hicsim run`` prints for a transformer (``si`` formats a value with a unit)."""
    lines = []
    d = t.get("decode")
    if d:
        lines.append(f"  prefill        {d['prompt_tokens']} tokens: time to first token "
                     f"{si(d['time_to_first_token_s'], 's')}, {si(d['prefill_energy_J'], 'J')}")
        lines.append(f"  decode         {d['new_tokens']} tokens: {d['tokens_per_s']:,.1f} tokens/s, "
                     f"{si(d['per_token_latency_s'], 's')}/token, "
                     f"{si(d['energy_per_token_J'], 'J')}/token "
                     f"({d['simulated_steps']} steps simulated, the rest interpolated; "
                     f"line error {100 * d['interpolation_error']:.2g} %)")
    total = sum(t["energy_by_op_type_J"].values()) or 1.0
    lines.append("  by op type     " + ", ".join(
        f"{k} {100 * e / total:.1f} %" for k, e in t["energy_by_op_type_J"].items() if e))
    if t["kv_cache"]:
        lines.append("  KV cache       " + ", ".join(f"{si(n, 'B')} in {level}"
                                                    for level, n in t["kv_cache"].items()))
    for w in t.get("wear", []):
        per = next(k for k in w if k.startswith("writes_per_device"))
        lines.append(f"  PCM wear       {w['what']}: {w[per]:.3g} {per.replace('_', ' ')}, "
                     f"endurance {w['endurance']:.3g} reached in {w['hours_to_endurance']:.3g} h")
    return lines
