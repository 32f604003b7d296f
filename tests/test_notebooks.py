"""The teaching notebooks run, top to bottom, and show what they promise.

Each notebook is executed with nbclient in a fresh kernel. The kernel is the ``python3`` spec;
jupyter_client starts a spec whose command is ``python`` with this interpreter (the venv's), so
nothing needs registering. Notebooks are committed without outputs: the test makes them.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart", "02_telephone_game", "03_pivots_and_fatigue", "04_what_if_for_a_client",
            "05_parameter_sweep", "06_calibrate_to_a_survey", "07_scenario_discovery"]


def test_every_notebook_of_the_course_is_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_opens_with_what_it_teaches(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), \
        f"{path.name} has outputs: strip them before committing"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "What this notebook teaches" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a notebook writes by mistake lands here, not in the repo
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no figure"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Traceback" not in text and "Warning" not in text, text[-2000:]
