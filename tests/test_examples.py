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
