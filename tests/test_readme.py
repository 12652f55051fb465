"""The README's two set-up commands stay true (CI runs the test one, the run one names real
files), and the worked example's share of programming time is the simulated one."""

import re
import shlex

import pytest

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


def readme_text() -> str:
    return (ROOT / "README.md").read_text()


def table_rows(text: str, first_cell: str) -> list[list[str]]:
    """The cells of every Markdown table row whose first cell is ``first_cell``."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] == first_cell:
                rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def resnet18_hic_pcm():
    from hicsim import simulate

    return simulate(ROOT / "arch_specs" / "hic_pcm.yaml", ROOT / "workloads" / "resnet18_imagenet.yaml")


def test_worked_example_is_what_hicsim_run_prints(resnet18_hic_pcm):
    from hicsim.report.text import summary_text

    block = re.search(r"`hicsim run arch_specs/hic_pcm.yaml workloads/resnet18_imagenet.yaml` prints:"
                      r"\n\n```\n(.*?)\n```", readme_text(), re.S)
    assert block[1] == summary_text(resnet18_hic_pcm)


def resnet18_row(r) -> list[str]:
    """A row of the README's ResNet-18 table as the table formats it: pJ/MAC, static share,
    latency, achieved TOPS/W."""
    s = r.summary
    return [f"{s['pj_per_mac']:#.3g}", f"{100 * s['energy_static_J'] / s['energy_J']:.1f} %",
            f"{1e3 * s['latency_s']:#.3g} ms", f"{s['tops_per_w']:.2f}"]


def test_resnet18_table_rows_are_simulated(resnet18_hic_pcm):
    from hicsim import simulate

    [hic] = table_rows(readme_text(), "hic_pcm")
    assert hic[2:] == resnet18_row(resnet18_hic_pcm)
    [multilevel] = table_rows(readme_text(), "pcm_multilevel")
    r = simulate(ROOT / "arch_specs" / "pcm_multilevel.yaml", ROOT / "workloads" / "resnet18_imagenet.yaml")
    assert multilevel[2:] == resnet18_row(r)


def test_validation_table_is_what_validate_published_computes():
    from hicsim.report.published import validation_rows

    rows = {(r["spec"], r["figure"]): r for r in validation_rows(ROOT / "arch_specs")}
    chip = None
    checked = 0
    for line in readme_text().split("## Validation against published chips")[1].split("\n\n")[2].splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        spec = re.search(r"`(\w+\.yaml)`", cells[0])
        chip = spec[1] if spec else chip
        if (chip, cells[1]) not in rows:  # ISAAC's Table I rows, checked below
            continue
        row = rows[(chip, cells[1])]
        simulated, error = float(cells[3].split()[0]), float(cells[4].rstrip(" %")) / 100
        places = len(cells[3].split()[0].partition(".")[2])
        assert simulated == pytest.approx(row["simulated"], rel=0, abs=0.5 * 10 ** -places), cells
        assert error == pytest.approx(row["error"], rel=0, abs=0.00005), cells
        checked += 1
    assert checked == 9
    table_i = [r for (spec, figure), r in rows.items() if spec == "isaac.yaml" and figure.endswith(
        (" power", " area")) and figure not in ("chip power", "chip area")]
    assert len(table_i) == 34 and max(abs(r["error"]) for r in table_i) < 0.003  # "within 0.3 %"
