"""The generated docs say what the code does: regenerate them when sim.params changes."""

from pathlib import Path

from sim.reference import parameter_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_parameter_reference_is_current():
    on_disk = (ROOT / "docs" / "PARAMETERS.md").read_text()
    assert on_disk == parameter_markdown(), "docs/PARAMETERS.md is stale: run `cascade params --markdown > docs/PARAMETERS.md`"
