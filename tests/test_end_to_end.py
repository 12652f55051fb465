"""Every shipped spec runs every shipped workload; the CLI writes its tables; golden results."""

import json
import subprocess
import sys

import pytest

from hicsim import simulate
from hicsim.spec import load_arch
from hicsim.workload import load_workload
from conftest import ARCH_SPECS, ROOT, WORKLOADS

GOLDEN = ROOT / "tests" / "golden" / "summaries.json"
GOLDEN_CASES = [("hic_pcm", "resnet32_cifar10"), ("hic_pcm", "resnet18_imagenet"),
                ("isaac_like", "mobilenetv2_imagenet"), ("pcm_multilevel", "densenet121_imagenet")]
GOLDEN_KEYS = ("latency_cycles", "energy_J", "bytes_by_level", "programming_pulses", "engine_events",
               "crossbars_used", "weights")


@pytest.fixture(scope="module")
def archs():
    return {p.stem: load_arch(p) for p in ARCH_SPECS}


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda p: p.stem)
def test_every_spec_runs_every_workload(archs, workload):
    wl = load_workload(workload)
    for name, arch in archs.items():
        r = simulate(arch, wl)
        assert r.cycles > 0 and r.energy_J > 0, name
        assert set(r.layers["layer"]) == {l.name for l in wl.layers}
        assert (r.layers["end_cycle"] >= r.layers["start_cycle"]).all()


def golden_summary(arch, workload):
    s = simulate(ROOT / "arch_specs" / f"{arch}.yaml", ROOT / "workloads" / f"{workload}.yaml").summary
    return {k: s[k] for k in GOLDEN_KEYS}


@pytest.mark.parametrize("arch,workload", GOLDEN_CASES)
def test_golden_results(arch, workload):
    """Numbers of record. A change here is a change of model: regenerate deliberately with
    `cd tests && python test_end_to_end.py` and say why in the commit."""
    expected = json.loads(GOLDEN.read_text())[f"{arch}/{workload}"]
    got = golden_summary(arch, workload)
    assert got["energy_J"] == pytest.approx(expected["energy_J"], rel=1e-9)
    got["energy_J"] = expected["energy_J"]
    assert got == expected


def test_cli_run_writes_tables_and_json(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "hicsim", "run", "arch_specs/hic_pcm.yaml",
                           "workloads/resnet32_cifar10.yaml", "--out", str(out), "--format", "json",
                           "--set", "tile.adc.bits=6", "--wset", "batch=2"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["batch"] == 2
    assert json.loads((out / "summary.json").read_text()) == summary
    for name in ("energy_by_layer_component.csv", "layers.csv", "traffic_timeline.csv", "units.csv",
                 "actions.csv", "traffic_by_level.csv", "mapping.csv"):
        assert (out / name).stat().st_size > 0


def test_cli_text_summary_names_the_essentials():
    proc = subprocess.run([sys.executable, "-m", "hicsim", "run", "arch_specs/isaac_like.yaml",
                           "workloads/resnet32_cifar10.yaml"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for word in ("latency", "cycles", "throughput", "energy", "adc", "dram.read", "engine events"):
        assert word in proc.stdout


if __name__ == "__main__":  # regenerate the golden file
    GOLDEN.parent.mkdir(exist_ok=True)
    data = {f"{a}/{w}": golden_summary(a, w) for a, w in GOLDEN_CASES}
    GOLDEN.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
