"""The teaching notebooks run, top to bottom, show what they promise, and are stored executed with
outputs that are current.

Each notebook is executed with nbclient in a fresh kernel (``scripts/execute_notebooks.py``, the
same code as `make notebooks`). The kernel is the ``python3`` spec; jupyter_client starts a spec
whose command is ``python`` with this interpreter (the venv's), so nothing needs registering, and
it imports this checkout's ``sim``.

Currency: the notebooks are stored with their outputs, so that they read as lessons on a
repository page. The honest check is to run them again and compare: each notebook is small (all
six together take about 55 s of CPU time here, kernel start-ups included, so about 30 s on two
cores with the suite's two workers; longer when other work loads the machine), and each is
executed anyway to check that it runs. So the test
re-executes each one and compares what every code cell shows with what is stored: the text of
streams and of results (plain text, HTML tables, Markdown), with memory addresses blanked, and
how many pictures and of which kind. The pictures' bytes are not compared (they change with fonts
and library versions while the numbers under them do not). A hash of the code and ``sim`` would
be cheaper but would pass when a dependency changes the numbers, and fail on changes that do not.
When the test fails, run `make notebooks` and commit the notebooks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from scripts.execute_notebooks import execute

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart", "02_telephone_game", "03_pivots_and_fatigue", "04_what_if_for_a_client",
            "05_parameter_sweep", "06_calibrate_to_a_survey", "07_scenario_discovery"]
TEXT = ("text/plain", "text/html", "text/markdown")


def test_every_notebook_of_the_course_is_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_executed_and_opens_with_what_it_teaches(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{path.name} is not stored executed top to bottom: run `make notebooks`"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "What this notebook teaches" in first.source


def _clean(text) -> str:
    text = "".join(text) if isinstance(text, list) else str(text)
    return re.sub(r"0x[0-9a-fA-F]{6,}", "0x...", text)


def shown(nb) -> list[tuple]:
    """What each code cell shows, comparable between two executions (see the module's docstring)."""
    out = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        for o in cell.outputs:
            if o.output_type == "stream":
                out.append((i, o.name, _clean(o.text)))
            else:
                data = o.get("data", {})
                out.append((i, o.output_type, {k: _clean(data[k]) for k in TEXT if k in data},
                            sorted(k for k in data if k.startswith("image/"))))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_stored_outputs_are_current(path):
    nb = execute(path)  # raises on any cell's error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no figure"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Traceback" not in text and "Warning" not in text, text[-2000:]
    now, stored = shown(nb), shown(nbformat.read(path, as_version=4))
    for a, b in zip(now, stored):
        assert a == b, (f"{path.name}: code cell {a[0] + 1}'s stored output is stale: run `make notebooks` "
                        f"and commit the notebooks\nnow:    {str(a)[:600]}\nstored: {str(b)[:600]}")
    assert len(now) == len(stored), f"{path.name}: {len(stored)} outputs stored, {len(now)} now: run `make notebooks`"
