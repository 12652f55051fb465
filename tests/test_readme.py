"""The README's two set-up commands stay true (CI runs the test one, the run one names real
files), and the worked example's share of programming time is the simulated one."""

import re
import shlex

from conftest import ROOT


def readme_commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```\n(python3 -m venv .+?)\n```", text)


def test_readme_opens_with_run_and_test_commands():
    run, test = readme_commands()[:2]
    assert "hicsim run" in run and "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = readme_commands()[:2]
    assert test in (ROOT / ".ci" / "run").read_text()


def test_run_command_names_shipped_files():
    run = readme_commands()[0]
    args = shlex.split(run.split("hicsim run", 1)[1])
    assert all((ROOT / a).is_file() for a in args[:2])


def test_worked_example_states_the_simulated_share_of_programming_time():
    # the layers' programming cycles over the run's: above 100 % when programming overlaps compute
    from hicsim import simulate

    text = " ".join((ROOT / "README.md").read_text().split())
    stated = re.search(r"the layers' programming adds up to (\d+) % of the run's time", text)
    r = simulate(ROOT / "arch_specs" / "hic_pcm.yaml", ROOT / "workloads" / "resnet18_imagenet.yaml")
    assert int(stated[1]) == round(100 * r.layers["programming_cycles"].sum() / r.cycles)
