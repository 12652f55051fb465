"""Plots: every kind writes PNG, SVG and PDF with content and the expected labels, from a Result,
from a run directory and from a sweep's results; the Pareto front is right; bad input exits 2."""

from __future__ import annotations

import pandas as pd
import pytest

from hicsim.api import simulate
from hicsim.cli import main
from hicsim.report.export import write_tables
from hicsim.report.plots import (RUN_KINDS, RunTables, energy_latency, metric_vs_parameter,
                                 pareto_front, plot_run, plot_sweep, save_figure)
from conftest import ROOT, SMALL_NET

HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
MAGIC = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}


@pytest.fixture(scope="module")
def result():
    from hicsim.workload import Workload
    # 4 tiles: the small network does not fit, so weights stream and devices get programmed.
    return simulate(HIC, Workload.model_validate(SMALL_NET), {"chip.tiles": 1, "tile.crossbars": 1})


@pytest.fixture
def sweep_df():
    return pd.DataFrame({
        "point": range(6), "point_id": list("abcdef"), "workload": "w",
        "tile.adc.bits": [4, 4, 4, 8, 8, 8], "tile.crossbar.rows": [64, 128, 256] * 2,
        "status": ["ok"] * 5 + ["failed"], "error": [""] * 5 + ["bad"],
        "latency_s": [3e-3, 2e-3, 1e-3, 3e-3, 2e-3, None],
        "energy_per_sample_J": [5e-6, 6e-6, 7e-6, 4e-6, 8e-6, None]})


def labels(fig):
    return [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel(), ax.get_title())]


def test_run_plots_label_their_axes_with_units(result):
    tables = RunTables.of(result)
    assert result.actions["action"].isin(["set_pulse"]).any()
    expect = {"energy": ["energy per layer (", "total energy (", "Energy by layer and component"],
              "latency": ["time (", "busy time (", "Busy time by unit kind"],
              "bandwidth": ["time (", "bandwidth (", "Bandwidth per memory level over time"],
              "wear": ["pulses per layer", "devices written per layer", "Write-erase pulses per layer"],
              "area": ["area (mm^2)", "Chip area by component: "]}
    for kind in RUN_KINDS:
        text = " | ".join(labels(plot_run(tables, kind)))
        for piece in expect[kind]:
            assert piece in text, (kind, piece, text)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_every_plot_saves_in_every_format(result, sweep_df, tmp_path, suffix):
    tables = RunTables.of(result)
    figures = [plot_run(tables, k) for k in RUN_KINDS] + [
        plot_sweep(sweep_df, "metric"), plot_sweep(sweep_df, "pareto")]
    for i, fig in enumerate(figures):
        path = save_figure(fig, tmp_path / f"f{i}{suffix}")
        data = path.read_bytes()
        assert data.startswith(MAGIC[suffix]) and len(data) > 5000


def test_pareto_front_minimises_both_metrics(sweep_df):
    ok = sweep_df[sweep_df["status"] == "ok"]
    front = pareto_front(ok, "latency_s", "energy_per_sample_J")
    # (1 ms, 7 uJ), (2 ms, 6 uJ) and (3 ms, 4 uJ) are not beaten on both; (2 ms, 8 uJ) and
    # (3 ms, 5 uJ) are.
    assert sorted(ok.loc[front, "point"]) == [1, 2, 3]
    fig = energy_latency(sweep_df, colour_by="tile.adc.bits")
    assert fig.axes[0].get_xlabel() == "latency (ms)"
    assert fig.axes[0].get_ylabel() == "energy per sample (µJ)"
    assert any("Pareto front (3 points)" in t.get_text() for t in fig.legends[0].get_texts())


def test_metric_plot_draws_one_line_per_value_and_skips_failed_points(sweep_df):
    fig = metric_vs_parameter(sweep_df, "energy_per_sample_J", "tile.crossbar.rows", "tile.adc.bits")
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and [len(l.get_xdata()) for l in lines] == [3, 2]
    assert fig.axes[0].get_ylabel() == "energy per sample (µJ)"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["4", "8"]


def test_legends_sit_outside_the_axes(result):
    fig = plot_run(RunTables.of(result), "energy")
    fig.draw_without_rendering()  # runs the constrained layout
    legend = fig.legends[0].get_window_extent()
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent())


def test_cli_plots_a_run_directory_and_a_sweep(result, sweep_df, tmp_path, capsys):
    run_dir = tmp_path / "run"
    write_tables(result, run_dir)
    for kind in RUN_KINDS:
        assert main(["plot", str(run_dir), "-o", str(tmp_path / f"{kind}.svg"), "--kind", kind]) == 0
        assert "time" in (tmp_path / f"{kind}.svg").read_text() or kind in ("energy", "wear", "area")
    results = tmp_path / "r.jsonl"
    results.write_text("".join(row.to_json() + "\n" for _, row in sweep_df.iterrows()))
    assert main(["plot", str(results), "-o", str(tmp_path / "p.png")]) == 0
    assert main(["plot", str(results), "-o", str(tmp_path / "m.pdf"), "--kind", "metric",
                 "--param", "tile.crossbar.rows"]) == 0
    assert (tmp_path / "m.pdf").stat().st_size > 5000
    capsys.readouterr()
    for bad in (["plot", str(run_dir), "-o", str(tmp_path / "x.jpg")],
                ["plot", str(run_dir), "-o", str(tmp_path / "x.png"), "--kind", "pareto"],
                ["plot", str(results), "-o", str(tmp_path / "x.png"), "--kind", "metric",
                 "--metric", "nope"],
                ["plot", str(tmp_path / "missing"), "-o", str(tmp_path / "x.png")]):
        assert main(bad) == 2
        assert "Traceback" not in capsys.readouterr().err


def test_training_directory_plots_its_write_erase_histogram(tmp_path):
    from hicsim.cli import main
    (tmp_path / "wear_histogram.csv").write_text(
        "rule,width,layer,device,cycles_from,cycles_to,devices\n"
        "hic,1.0,fc,multilevel,0,0,10\nhic,1.0,fc,multilevel,1,3,5\nhic,1.0,fc,multilevel,4,7,1\n"
        "hic,1.0,fc,binary,0,0,40\nhic,1.0,fc,binary,1,1,2\nfp32,1.0,fc,multilevel,0,0,99\n")
    out = tmp_path / "wear.png"
    assert main(["plot", str(tmp_path), "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000
    from hicsim.report.plots_wear import wear_histogram
    import pandas as pd
    fig = wear_histogram(pd.read_csv(tmp_path / "wear_histogram.csv"))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["binary devices (hic rule, width 1)", "multilevel devices (hic rule, width 1)"]
    assert main(["plot", str(tmp_path), "-o", str(out), "--kind", "energy"]) == 2


def test_area_plot_shows_every_component_of_the_breakdown(result, tmp_path):
    area = result.area_table()
    assert area["area_mm2"].sum() == pytest.approx(result.summary["area_mm2"], rel=1e-12)
    fig = plot_run(RunTables.of(result), "area")
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert shown == list(area.sort_values("area_mm2", ascending=False)["component"])
    assert sum(p.get_width() for p in ax.patches) == pytest.approx(result.summary["area_mm2"], rel=1e-12)
    # the run directory's area.csv gives the same plot
    write_tables(result, tmp_path / "run")
    read = RunTables.read(tmp_path / "run").area
    assert list(read["component"]) == list(area["component"])
    assert list(read["area_mm2"]) == pytest.approx(list(area["area_mm2"]), rel=1e-12)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_empty_run_panels_say_why():
    # Resident inference programs no device: both panels of the wear plot say so. (The small
    # network on the whole chip: resident, every memory level in the timeline.)
    from hicsim.workload import Workload
    resident = RunTables.of(simulate(HIC, Workload.model_validate(SMALL_NET)))
    assert not resident.actions["action"].isin(["set_pulse", "devices_written"]).any()
    why = "no device was programmed in this run\n(inference with the weights resident)"
    assert [texts(ax) for ax in plot_run(resident, "wear").axes] == [[why], [why]]
    # A level that moved no bytes is named so in the legend; no traffic at all is said on the axes.
    timeline = resident.timeline.assign(**{"dram.read": 0.0})
    fig = plot_run(RunTables(resident.actions, resident.layers, resident.units, timeline,
                             resident.latency_s), "bandwidth")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "dram.read (no traffic at this level)" in legend and "global_buffer.read" in legend
    levels = [c for c in timeline.columns if c not in ("start_s", "width_s")]
    silent = timeline.assign(**{c: 0.0 for c in levels})
    fig = plot_run(RunTables(resident.actions, resident.layers, resident.units, silent,
                             resident.latency_s), "bandwidth")
    assert texts(fig.axes[0]) == ["no memory traffic recorded (every level moved 0 bytes)"]
    # No energy: both the per-layer and the total panel say so.
    fig = plot_run(RunTables(resident.actions.iloc[:0], resident.layers, resident.units,
                             timeline, resident.latency_s), "energy")
    assert [texts(ax) for ax in fig.axes] == [["no energy recorded"], ["no energy recorded"]]
