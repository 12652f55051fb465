"""Shipped specs of published chips reproduce their papers within the bounds of issue 14:
ISAAC (Table I, per component and chip, 5 %), HERMES core and IBM's 64-core chip (throughput 5 %,
TOPS/W and TOPS/mm^2 15 %)."""

import subprocess
import sys

import pytest

from hicsim.costs import cost_table, peak
from hicsim.report.published import ChipFigures, validation_rows
from hicsim.spec import load_arch
from conftest import ROOT

SPECS = ROOT / "arch_specs"
ROWS = validation_rows(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['spec']}:{r['figure']}")
def test_published_figure_within_its_bound(row):
    assert abs(row["error"]) <= row["bound"], row


def test_every_published_spec_and_bound_is_checked():
    specs = {r["spec"] for r in ROWS}
    assert specs == {"isaac.yaml", "hermes_core.yaml", "ibm_64core.yaml"}
    assert {r["bound"] for r in ROWS if r["spec"] == "isaac.yaml"} == {0.05}
    isaac = {r["figure"] for r in ROWS if r["spec"] == "isaac.yaml"}
    assert {"peak throughput", "chip power", "chip area", "GOPS/W", "GOPS/s/mm^2"} <= isaac
    assert len(isaac) == 5 + 2 * 17  # chip figures, then power and area of each Table I row


def test_isaac_peak_follows_from_its_organisation():
    # 168 tiles x 96 crossbars, 128 rows x 16 weights, 16 one-bit slices of 100 ns, 2 ops per MAC
    f = ChipFigures.of(load_arch(SPECS / "isaac.yaml"))
    assert f.ops_per_s == pytest.approx(168 * 96 * 2 * 128 * 16 / (16 * 100e-9), rel=1e-12)
    # a reference column per crossbar leaves 15 weights per 128 columns: 6.25 % less
    ref = load_arch(SPECS / "isaac.yaml", {"tile.weights.reference_column": True})
    assert peak(ref, cost_table(ref)).ops_per_s == pytest.approx(f.ops_per_s * 15 / 16, rel=1e-12)


def test_ibm_core_mvm_time_is_the_published_133_ns():
    arch = load_arch(SPECS / "ibm_64core.yaml")
    pk = peak(arch, cost_table(arch))
    assert pk.slice_time_s == pytest.approx(133e-9, rel=1e-12)
    assert pk.ops_per_s == pytest.approx(64 * 2 * 256 * 256 / 133e-9, rel=1e-12)


def test_cli_prints_published_simulated_and_error():
    proc = subprocess.run([sys.executable, "-m", "hicsim", "validate", "--published"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "published" in lines[1] and "simulated" in lines[1] and "error" in lines[1]
    assert sum(line.endswith(" ok") for line in lines) == len(ROWS)
    assert "component models alone" in proc.stdout


def test_model_context_compares_isaac_parts_with_the_models():
    from hicsim.report.published import model_context
    rows = {part: (given, model) for part, _, given, model in model_context(load_arch(SPECS / "isaac.yaml"))}
    given, model = rows["ADC energy per conversion (Murmann fit)"]
    assert given == pytest.approx(1.5625) and model == pytest.approx(0.9233, rel=1e-3)
    # the CACTI table's 32 nm, 64 KiB, 256-bit SRAM: 0.281038 x 0.358117 mm
    given, model = rows["64 KB buffer area (CACTI SRAM table)"]
    assert given == pytest.approx(0.083) and model == pytest.approx(0.281038 * 0.358117, rel=1e-12)
