"""The short human summary that ``hicsim run`` prints."""

from __future__ import annotations

from hicsim.report.result import Result


def si(value: float, unit: str) -> str:
    """1.23e-6, 'J' -> '1.23 uJ'."""
    if value == 0:
        return f"0 {unit}"
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "u"),
                           (1e-9, "n"), (1e-12, "p"), (1e-15, "f")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def summary_text(r: Result, top: int = 6) -> str:
    s = r.summary
    lines = [
        f"hicsim: {s['workload']} ({s['phase']}, batch {s['batch']}) on {s['arch']}",
        f"  weights        {s['weights']}; {s['crossbars_used']} of {s['crossbars_available']} crossbars",
        f"  latency        {s['latency_cycles']:,} cycles = {si(s['latency_s'], 's')}"
        f"   throughput {s['throughput_samples_per_s']:,.1f} samples/s",
        f"  energy         {si(s['energy_J'], 'J')} total, {si(s['energy_per_sample_J'], 'J')} per sample"
        f" ({s['pj_per_mac']:.3g} pJ/MAC): dynamic {si(s['energy_dynamic_J'], 'J')}, "
        f"static {si(s['energy_static_J'], 'J')}",
    ]
    total = s["energy_J"] or 1.0
    lines.append("    by category: " + ", ".join(f"{cat} {100 * e / total:.1f} %"
                                               for cat, e in s["energy_by_category_J"].items()))
    for comp, e in list(s["energy_by_component_J"].items())[:top]:
        lines.append(f"    {comp:<14} {si(e, 'J'):>10}  {100 * e / total:5.1f} %")
    lines.append("  traffic        bytes          bandwidth")
    for key, nbytes in s["bytes_by_level"].items():
        lines.append(f"    {key:<24} {si(nbytes, 'B'):>10}  {si(s['bandwidth_B_per_s'][key], 'B/s'):>10}")
    pulses = s["programming_pulses"]
    if pulses:
        lines.append("  programming    " + ", ".join(f"{k} {v:,}" for k, v in pulses.items()))
    elif "training" not in s:
        lines.append("  programming    none (weights resident: programmed once, not per run)")
    if "training" in s:
        lines += training_lines(s["training"])
    if "transformer" in s:
        from hicsim.report.transformer import transformer_lines  # its module's tables need pandas

        lines += transformer_lines(s["transformer"], si)
    lines.append(f"  busiest unit   {s['busiest_unit']} ({s['busiest_unit_cycles']:,} busy cycles)")
    lines += physical_lines(s, top)
    if s["operand_stats_layers"]:
        lines.append(f"  operand stats  read energy follows measured input bits in "
                     f"{len(s['operand_stats_layers'])} layers")
    waves = ""
    if s["engine_waves"] < s["batch"]:  # say when samples took operations together
        waves = (f" (batch {s['batch']:,} as {s['engine_waves']} waves: mapping.waves; "
                 f"{s['engine_wave_conflicts']:,} conflicts)")
    lines.append(f"  engine events  {s['engine_events']:,}{waves}")
    return "\n".join(lines)


def physical_lines(s: dict, top: int) -> list[str]:
    """Power, throughput, efficiency and area (peak: every crossbar busy at the spec's rates)."""
    lines = [f"  power          average {si(s['average_power_W'], 'W')}, peak {si(s['peak_power_W'], 'W')}"
             f" (static {si(s['static_power_W'], 'W')})",
             f"  throughput     achieved {s['achieved_tops']:.4g} TOPS, peak {s['peak_tops']:.4g} TOPS",
             f"  efficiency     achieved {s['tops_per_w']:.4g} TOPS/W, peak {s['peak_tops_per_w']:.4g} TOPS/W"]
    if s["peak_tops_per_mm2"] is not None:
        lines[-1] += (f"; achieved {s['achieved_tops_per_mm2']:.4g} TOPS/mm^2, "
                      f"peak {s['peak_tops_per_mm2']:.4g} TOPS/mm^2")
    extra = f" (excludes: {', '.join(s['area_excludes'])})" if s["area_excludes"] else ""
    lines.append(f"  area           {s['area_mm2']:.4g} mm^2{extra}")
    total = s["area_mm2"] or 1.0
    for comp, a in list(s["area_by_component_mm2"].items())[:top]:
        lines.append(f"    {comp:<14} {a:>10.4g} mm^2  {100 * a / total:5.1f} %")
    return lines


def training_lines(t: dict) -> list[str]:
    total = sum(t["phase_energy_J"].values()) or 1.0
    lines = ["  training step  " + ", ".join(
        f"{p} {si(e, 'J')} ({100 * e / total:.0f} %, {t['phase_span_cycles'][p]:,} cycles)"
        for p, e in t["phase_energy_J"].items())]
    lines.append(f"  programming    {t['programming_pulses_per_step']:,.0f} pulses and "
                 f"{t['write_erase_per_step']:,.0f} write-erase cycles per step")
    if t["steps_per_epoch"]:
        lines.append(f"  per epoch      {t['steps_per_epoch']:,} steps: {si(t['epoch_latency_s'], 's')}, "
                     f"{si(t['epoch_energy_J'], 'J')}, {t['programming_pulses_per_epoch']:,.0f} pulses")
    if t["lifetime_steps"] is not None:
        epochs = f" = {t['lifetime_epochs']:,.3g} epochs" if t["lifetime_epochs"] else ""
        lines.append(f"  lifetime       {t['lifetime_steps']:,.3g} steps{epochs} until the most-written "
                     f"device ({t['lifetime_limiting_device']} in {_layers(t)}, "
                     f"{t['lifetime_basis']}) reaches its endurance")
    return lines


def _layers(t: dict) -> str:
    """The limiting layer, or how many layers share the limit (rates given per weight)."""
    others = t["lifetime_limiting_layers"] - 1
    return t["lifetime_limiting_layer"] + (f" and {others} more layers" if others > 0 else "")
