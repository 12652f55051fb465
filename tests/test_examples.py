"""Shipped examples run end to end and print what they promise."""

import runpy

from conftest import ROOT


def test_generation_study_prints_reductions_and_plots(tmp_path, capsys):
    module = runpy.run_path(str(ROOT / "examples" / "generation_study.py"))
    module["main"](["-o", str(tmp_path / "g.png")])
    out = capsys.readouterr().out
    for net in ("resnet18_imagenet", "densenet121_imagenet", "mobilenetv2_imagenet"):
        assert net in out
    assert (tmp_path / "g.png").stat().st_size > 10_000


def test_training_study_compares_three_designs(tmp_path, capsys):
    rates = tmp_path / "rates"
    rates.mkdir()
    body = "version: 1\nsource: by hand (test)\nbatch: 64\nper_weight: {set_pulses: 0.05, reset_pulses: 0.002%s}\n"
    binary = ", binary_set_pulses: 0.0005, binary_reset_pulses: 0.0005"
    (rates / "hic_pcm.yaml").write_text(body % binary)
    (rates / "hic_pcm_acc32.yaml").write_text(body % binary)
    (rates / "pcm_multilevel.yaml").write_text(body % "")
    module = runpy.run_path(str(ROOT / "examples" / "training_study.py"))
    module["main"](["-o", str(tmp_path / "t.png"), "--rates", str(rates), "--batch", "4"])
    out = capsys.readouterr().out
    for design in ("HIC (8-bit accumulator)", "multi-level only", "HIC, 32-bit accumulator"):
        assert design in out
    assert (tmp_path / "t.png").stat().st_size > 10_000


def test_training_study_reads_resnet32_rates_and_plots_under_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no -o: the plot goes to ./runs/, never the current directory
    module = runpy.run_path(str(ROOT / "examples" / "training_study.py"))
    module["main"](["--batch", "4"])  # the shipped ResNet-32 rates (the default), a small batch
    out = capsys.readouterr().out
    assert (tmp_path / "runs" / "training_study.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
    assert "plot: runs/training_study.png" in out
