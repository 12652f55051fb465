"""Run progress: the engine's per-layer callback (hicsim.engine.progress) and the CLI's line."""

from __future__ import annotations

import io

import pytest

from hicsim import simulate
from hicsim.cli import main
from hicsim.cli.progress import DELAY_S, LayerProgress
from hicsim.spec import load_arch
from hicsim.workload import load_workload
from conftest import ROOT

SPEC = ROOT / "arch_specs" / "hic_pcm.yaml"


@pytest.mark.parametrize("spec, workload, mode, waves", [
    ("isaac.yaml", "resnet18_cifar10.yaml", "resident", 16),  # shortcuts: branches finish apart
    ("hic_pcm.yaml", "resnet18_cifar10.yaml", "streamed", 16),
    ("hic_pcm.yaml", "resnet32_cifar10.yaml", "resident", 1),  # one wave of both samples
])
def test_callback_once_per_layer_in_order_and_changes_nothing(spec, workload, mode, waves):
    calls = []
    arch = load_arch(ROOT / "arch_specs" / spec, {"mapping.waves": waves})
    wl = ROOT / "workloads" / workload
    watched = simulate(arch, wl, workload_overrides={"batch": 2},
                       on_layer=lambda *a: calls.append(a))
    plain = simulate(arch, wl, workload_overrides={"batch": 2})
    assert watched.mode == mode
    names = [layer.name for layer in load_workload(wl).layers]
    assert [c[0] for c in calls] == names
    assert [c[1] for c in calls] == list(range(len(names)))
    assert {c[2] for c in calls} == {len(names)}
    cycles = [c[3] for c in calls]
    assert cycles == sorted(cycles) and cycles[0] > 0
    assert cycles[-1] == watched.cycles  # the last layer ends the run
    # Watching adds no SimPy event and moves no cycle.
    assert (watched.cycles, watched.events) == (plain.cycles, plain.events)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_is_drawn_only_on_a_terminal_after_the_delay():
    t = [0.0]
    term = _Terminal()
    progress = LayerProgress(term, clock=lambda: t[0])
    progress("conv1", 0, 3, 100)
    assert term.getvalue() == ""  # a short run stays quiet
    t[0] = DELAY_S + 0.5
    progress("conv2", 1, 3, 2500)
    assert term.getvalue() == "\r\033[Ksimulating: layer 2/3 conv2, engine time 2,500 cycles (2.5 s)"
    progress.close()
    assert term.getvalue().endswith("\r\033[K")
    pipe = io.StringIO()
    quiet = LayerProgress(pipe, clock=lambda: t[0] + 100)
    quiet("conv2", 1, 3, 2500)
    quiet.close()
    assert pipe.getvalue() == ""


def test_run_writes_nothing_extra_to_a_stderr_that_is_not_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr("hicsim.cli.progress.DELAY_S", 0.0)  # would draw at once on a terminal
    code = main(["run", str(SPEC), str(ROOT / "workloads" / "vgg8_cifar10.yaml")])
    out = capsys.readouterr()
    assert code == 0 and out.err == "" and "cycles" in out.out
