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


def test_worked_example_states_the_simulated_share_of_programming_time(resnet18_hic_pcm):
    # the layers' programming cycles over the run's: above 100 % when programming overlaps compute
    text = " ".join((ROOT / "README.md").read_text().split())
    stated = re.search(r"the layers' programming adds up to (\d+) % of the run's time", text)
    r = resnet18_hic_pcm
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


def test_resnet18_table_hic_pcm_row_is_simulated(resnet18_hic_pcm):
    [hic] = table_rows(readme_text(), "hic_pcm")
    assert hic[2:] == resnet18_row(resnet18_hic_pcm)


# every row but hermes_core's (its one core streams every layer: the slowest to simulate)
@pytest.mark.parametrize("spec", ["hic_pcm_generation", "pcm_multilevel", "isaac_like", "isaac",
                                  "ibm_64core"])
def test_resnet18_table_row_is_simulated(spec):
    from hicsim import simulate

    [row] = table_rows(readme_text(), spec)
    r = simulate(ROOT / "arch_specs" / f"{spec}.yaml", ROOT / "workloads" / "resnet18_imagenet.yaml")
    assert row[2:] == resnet18_row(r)


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


def op_shares(summary: dict, names: dict) -> dict:
    """The table's op-type cells: each named op type's share of the energy, in whole per cent
    (one decimal below 10 %)."""
    by_type = summary["transformer"]["energy_by_op_type_J"]
    total = sum(by_type.values())
    return {label: f"{100 * by_type[key] / total:.{1 if 100 * by_type[key] / total < 10 else 0}f} %"
            for label, key in names.items()}


def test_transformer_table_resident_rows_are_simulated():
    """The two resident rows (cheap to simulate): GPT-2 decode on 2,560 tiles with a matrix unit,
    ViT-B/16 on 2,048 tiles with attention on run-time crossbars (the README's commands)."""
    from hicsim import simulate

    text = readme_text()
    [gpt2] = [r for r in table_rows(text, "GPT-2 decode, `chip.tiles=2560`, matrix unit 1,024 MAC/cycle at 0.23 pJ")]
    r = simulate(ROOT / "arch_specs" / "hic_pcm.yaml", ROOT / "workloads" / "gpt2_small_decode.yaml",
                 overrides={"chip.tiles": 2560, "chip.activation_matmul": {
                     "unit": "matrix_unit", "matrix_unit": {"macs_per_cycle": 1024, "energy_per_mac": "0.23 pJ"}}})
    d = r.summary["transformer"]["decode"]
    assert gpt2[1] == (f"TTFT {1e3 * d['time_to_first_token_s']:.3g} ms; {d['tokens_per_s']:,.0f} tokens/s "
                       f"({1e6 * d['per_token_latency_s']:.0f} us/token)")
    assert gpt2[2] == f"{1e6 * d['energy_per_token_J']:.0f} uJ/token"
    shares = op_shares(r.summary, {"data movement": "data movement", "weight MVM": "weight MVM",
                                   "static": "static", "attention": "attention matmul"})
    assert gpt2[3] == ", ".join(f"{k} {v}" for k, v in shares.items())

    [vit] = table_rows(text, "ViT-B/16, `chip.tiles=2048`, attention on 64 run-time crossbars")
    r = simulate(ROOT / "arch_specs" / "hic_pcm.yaml", ROOT / "workloads" / "vit_b16_imagenet.yaml",
                 overrides={"chip.tiles": 2048,
                            "chip.activation_matmul": {"unit": "crossbars", "crossbars": {"crossbars": 64}}})
    assert vit[1:3] == [f"{1e3 * r.latency_s:.3g} ms per image", f"{1e3 * r.energy_J:.3g} mJ"]
    shares = op_shares(r.summary, {"weight MVM": "weight MVM", "data movement": "data movement",
                                   "attention": "attention matmul", "programming": "programming"})
    assert vit[3] == ", ".join(f"{k} {v}" for k, v in shares.items())
