"""Training reports: phases of a step, per-epoch figures, and device wear with projected lifetime.

Per-epoch figures are one simulated step times the steps in an epoch (dataset size / batch):
steps repeat the same work, and the next step waits for this step's update.
Write-erase cycles: ``hicsim.devices`` counts one per RESET that follows one or more SETs since the
previous RESET; a training step's RESETs all follow the SETs that moved those devices, so here a
step's cycles are its RESETs. A device's lifetime is
its endurance over the write-erase cycles per step of the most-written device of its kind
(multi-level or binary), measured by ``hicsim train`` when the workload's rates carry it, else the
layer's mean for that kind (then optimistic).
"""

from __future__ import annotations

import math

import pandas as pd

from hicsim.mapping.place import Mapping
from hicsim.spec.arch import Arch
from hicsim.workload.model import Workload

PHASES = ("forward", "backward", "gradient", "update")


def phase_table(actions: pd.DataFrame, spans: dict) -> pd.DataFrame:
    """Per phase: first start, last end, and energy (the loss is part of backward)."""
    rows = []
    for phase in PHASES:
        ends = [se for (_, p), se in spans.items() if p == phase]
        energy = float(actions.loc[actions.phase == phase, "energy_J"].sum())
        if ends or energy:
            rows.append(dict(phase=phase, start_cycle=min((s for s, _ in ends), default=0),
                             end_cycle=max((e for _, e in ends), default=0), energy_J=energy))
    return pd.DataFrame(rows)


def wear_table(arch: Arch, workload: Workload, mapping: Mapping, actions: pd.DataFrame,
               steps_per_epoch: int | None) -> pd.DataFrame:
    """Per weighted layer and device kind: write-erase cycles per step and per epoch, per device
    (mean and most-written), and the projected lifetime in steps and epochs."""
    we = actions[actions.action == "write_erase"].groupby(["layer", "component"])["count"].sum()
    rows = []
    for layer in workload.weighted_layers:
        lm = mapping.layers[layer.name]
        for device, per_copy in lm.devices.items():
            # the measured peak of this device's own kind (a binary device's is not a
            # multi-level one's)
            measured = (layer.programming.binary_max_device_write_erase
                        if arch.devices[device].cell == "binary"
                        else layer.programming.max_device_write_erase)
            devices = per_copy * lm.replicas
            cycles = float(we.get((layer.name, device), 0.0))
            mean = cycles / devices
            worst = measured if measured is not None else mean
            endurance = arch.devices[device].endurance
            steps = endurance / worst if worst > 0 else math.inf
            rows.append(dict(layer=layer.name, device=device, devices=devices,
                             write_erase_per_step=cycles,
                             write_erase_per_epoch=cycles * steps_per_epoch if steps_per_epoch else math.nan,
                             mean_per_device_per_step=mean, max_per_device_per_step=worst,
                             max_source="measured" if measured is not None else "layer mean",
                             endurance=endurance, lifetime_steps=steps,
                             lifetime_epochs=steps / steps_per_epoch if steps_per_epoch else math.nan))
    return pd.DataFrame(rows)


def training_summary(latency_s: float, energy_J: float, phases: pd.DataFrame, wear: pd.DataFrame,
                     actions: pd.DataFrame, workload: Workload) -> dict:
    steps = math.ceil(workload.dataset_size / workload.batch) if workload.dataset_size else None
    pulses = actions[actions.action.isin(["set_pulse", "reset_pulse"]) & (actions.phase == "update")]
    per_step = float(pulses["count"].sum())
    weakest = wear.sort_values("lifetime_steps", kind="stable").iloc[0] if len(wear) else None
    # rates transferred per weight give every layer the same peak: name how many layers tie
    tied = (int(((wear.device == weakest["device"])
                 & (wear.lifetime_steps == weakest["lifetime_steps"])).sum())
            if weakest is not None else 0)
    return {
        "steps_per_epoch": steps,
        "step_latency_s": latency_s, "step_energy_J": energy_J,
        "epoch_latency_s": latency_s * steps if steps else None,
        "epoch_energy_J": energy_J * steps if steps else None,
        "phase_energy_J": dict(zip(phases["phase"], phases["energy_J"])),
        "phase_span_cycles": {p: int(e - s) for p, s, e in
                              phases[["phase", "start_cycle", "end_cycle"]].itertuples(index=False)},
        "programming_pulses_per_step": per_step,
        "programming_pulses_per_epoch": per_step * steps if steps else None,
        "write_erase_per_step": float(wear["write_erase_per_step"].sum()) if len(wear) else 0.0,
        "lifetime_limiting_layer": None if weakest is None else str(weakest["layer"]),
        "lifetime_limiting_device": None if weakest is None else str(weakest["device"]),
        "lifetime_limiting_layers": tied,  # layers whose device of that kind ties the limit
        "lifetime_steps": None if weakest is None else float(weakest["lifetime_steps"]),
        "lifetime_epochs": (None if weakest is None or not steps
                            else float(weakest["lifetime_epochs"])),
        "lifetime_basis": None if weakest is None else str(weakest["max_source"]),
    }
