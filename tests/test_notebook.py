"""The tutorial notebook runs top to bottom without errors, in this interpreter.

The kernel is pinned to ``sys.executable`` through a kernelspec written into a temporary
JUPYTER_PATH, so the test runs the venv's python on a fresh clone whatever kernels the machine
has installed (or none)."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "tutorial.ipynb"
KERNEL = "hicsim-test-python"


def test_tutorial_runs_top_to_bottom(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    spec_dir = tmp_path / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "hicsim test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=120,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 6  # energy, latency, bandwidth, wear, metric, pareto
    text = "".join(o.get("text", "") for o in outputs)
    assert "analog compute (PCM cell reads)" in text and "energy/sample" in text
