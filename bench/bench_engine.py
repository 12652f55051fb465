"""Engine speed benchmark: `python bench/bench_engine.py [--quick]`.

Checks the requirement that ResNet-18 ImageNet simulates in well under a second, that engine
events grow with layers x tiles x batches and not with cycles, and (unless --quick) measures
SCALE-Sim, a cycle-level systolic-array simulator, on ResNet-18 layers on this same machine so
the per-layer speed ratio is measured rather than quoted. A plain script, not a test: timings
depend on the machine, so it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hicsim import simulate
from hicsim.spec import load_arch
from hicsim.workload import load_workload

ROOT = Path(__file__).resolve().parent.parent
WORKLOAD = ROOT / "workloads" / "resnet18_imagenet.yaml"
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
REPEATS = 5

# ResNet-18 ImageNet layers for SCALE-Sim. SCALE-Sim has no padding field, so IFMAP sizes include
# padding (56+2, 224+6). Row: name, IFMAP H, IFMAP W, filter H, filter W, channels, filters, stride.
SCALESIM_LAYERS = [("layer1.0.conv1", 58, 58, 3, 3, 64, 64, 1),
                   ("conv1", 230, 230, 7, 7, 3, 64, 2)]
SCALESIM_STOP_AFTER_S = 120.0
# Mirrors SCALE-Sim's shipped configs/scale.cfg (32x32 array, output stationary, 64 KiB SRAMs,
# CALC = bandwidth estimated, no DRAM trace). Every key is one scale_config.read_conf_file reads.
SCALESIM_CFG = """\
[general]
run_name = bench
[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False
[architecture_presets]
ArrayHeight = 32
ArrayWidth = 32
IfmapSramSzkB = 64
FilterSramSzkB = 64
OfmapSramSzkB = 64
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = os
ReadRequestBuffer = 32
WriteRequestBuffer = 32
[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 100
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 100
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2
[sparsity]
SparsitySupport = false
"""


def median_time(fn, repeats: int = REPEATS) -> tuple[float, object]:
    """Median wall time of ``fn()`` over ``repeats`` runs after one warm-up (imports, caches)."""
    result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bench_specs(wl) -> float:
    """Part 1: every shipped spec on ResNet-18. Returns hic_pcm's seconds per weighted layer."""
    print(f"== hicsim, ResNet-18 ImageNet, batch {wl.batch}: median of {REPEATS} after a warm-up")
    print(f"{'spec':16}{'preloaded':>11}{'from YAML':>11}{'events':>9}{'cycles':>14}"
          f"{'layers':>8}{'weighted':>9}{'s/layer':>10}{'ev/(L*B)':>10}")
    per_layer = {}
    for path in sorted((ROOT / "arch_specs").glob("*.yaml")):
        arch = load_arch(path)
        t_pre, r = median_time(lambda: simulate(arch, wl))
        t_yaml, _ = median_time(lambda: simulate(path, WORKLOAD))
        n_layers, n_weighted = len(r.layers), int(r.layers["weighted"].sum())
        per_layer[path.stem] = t_pre / n_weighted
        print(f"{path.stem:16}{t_pre * 1e3:9.1f}ms{t_yaml * 1e3:9.1f}ms{r.events:>9}"
              f"{r.cycles:>14,}{n_layers:>8}{n_weighted:>9}{per_layer[path.stem] * 1e3:8.2f}ms"
              f"{r.events / (n_layers * wl.batch):>10.0f}")
    print("s/layer = preloaded time / weighted layers; ev/(L*B) = events / (all layers x batch)\n")
    return per_layer["hic_pcm"]


def bench_scaling(wl) -> None:
    """Part 2: events follow batch and the mapping (tiles used, weight passes), not cycles:
    slower crossbar reads multiply cycles but must leave the event count alone."""
    print("== hic_pcm scaling: events should track batch and mapping, not cycles")
    arch = load_arch(HIC)
    n_layers = len(wl.layers)
    variants = [(f"batch {b}", {}, {"batch": b}) for b in (1, 2, 4, 8)]
    variants += [(f"read_latency {lat}", {"tile.crossbar.read_latency": lat}, {})
                 for lat in ("100 ns", "1 us", "10 us")]
    variants += [(f"tiles {n}", {"chip.tiles": n}, {}) for n in (16, 64, 256)]
    print(f"{'variant':22}{'events':>9}{'cycles':>16}{'ev/(L*B)':>10}{'tiles used':>12}"
          f"{'weights':>20}{'wall':>10}")
    for label, arch_ov, wl_ov in variants:
        t, r = median_time(lambda: simulate(arch, wl, overrides=arch_ov, workload_overrides=wl_ov),
                           repeats=3)
        batch = wl_ov.get("batch", wl.batch)
        print(f"{label:22}{r.events:>9}{r.cycles:>16,}{r.events / (n_layers * batch):>10.0f}"
              f"{int(r.layers['tiles'].sum()):>12}{r.summary['weights']:>20}{t * 1e3:8.1f}ms")
    print("tiles used = sum over weighted layers of tiles mapped; 'tiles N' overrides chip.tiles\n")


def patch_scalesim_for_numpy() -> None:
    """SCALE-Sim 3.0.0 calls ``int(max(list_of_1_element_arrays))``, which NumPy >= 2.4 rejects
    (SCALE-Sim issue #160). Shadow ``max`` in the two affected modules with one that returns the
    same value as a scalar; the simulation itself is unchanged."""
    import numpy as np
    from scalesim.memory import double_buffered_scratchpad_mem, read_buffer

    def scalar_max(*args, **kwargs):
        m = builtins.max(*args, **kwargs)
        return np.asarray(m).reshape(-1)[0] if np.ndim(m) else m

    for module in (double_buffered_scratchpad_mem, read_buffer):
        module.max = scalar_max


def bench_scalesim(hic_per_layer: float) -> None:
    """Part 3: SCALE-Sim on the same machine, one layer per run so each is timed alone."""
    print("== SCALE-Sim 3.0.0 on ResNet-18 ImageNet layers (32x32 OS array, 64 KiB SRAMs, CALC)")
    try:
        from scalesim.scale_sim import scalesim
        patch_scalesim_for_numpy()
    except ImportError:
        print("SCALE-Sim not installed: comparison not measured")
        return
    print(f"{'layer':16}{'SCALE-Sim':>11}{'cycles':>10}{'hicsim/layer':>14}{'ratio':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "scale.cfg"
        cfg.write_text(SCALESIM_CFG)
        layout = tmp / "layout.csv"  # required file; unused without custom layouts
        layout.write_text("Layer name,\n")
        for row in SCALESIM_LAYERS:
            topo = tmp / f"{row[0]}.csv"
            topo.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                            "Channels, Num Filter, Strides,\n" + ", ".join(map(str, row)) + ",\n")
            # save_disk_space=True: no per-cycle trace CSVs, so disk I/O does not dominate;
            # verbose=False plus a swallowed stdout keeps its banners and progress bars quiet.
            with contextlib.redirect_stdout(io.StringIO()):
                sim = scalesim(save_disk_space=True, verbose=False, config=str(cfg),
                               topology=str(topo), layout=str(layout))
                t0 = time.perf_counter()
                sim.run_scale(top_path=str(tmp / row[0]))
                t = time.perf_counter() - t0
            cycles = sim.runner.single_layer_sim_object_list[0].get_compute_report_items()[0]
            print(f"{row[0]:16}{t:10.1f}s{cycles:>10,}{hic_per_layer * 1e3:12.2f}ms"
                  f"{t / hic_per_layer:>8,.0f}x")
            if t > SCALESIM_STOP_AFTER_S:
                print(f"(stopping: one layer took more than {SCALESIM_STOP_AFTER_S:.0f} s)")
                break
    print("ratio = SCALE-Sim s for the layer / hicsim s per weighted layer (hic_pcm, preloaded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the SCALE-Sim measurement")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; YAML load: ", end="")
    t_load, wl = median_time(lambda: (load_arch(HIC), load_workload(WORKLOAD))[1])
    print(f"hic_pcm + resnet18_imagenet {t_load * 1e3:.1f} ms\n")
    hic_per_layer = bench_specs(wl)
    bench_scaling(wl)
    if args.quick:
        print("SCALE-Sim skipped (--quick)")
    else:
        bench_scalesim(hic_per_layer)


if __name__ == "__main__":
    main()
