"""docs/USER_GUIDE.md keeps up with the code: its generated parts equal what sim.guide writes now."""

from pathlib import Path

import pytest

from sim import guide
from sim.cli import COMMANDS, build_parser
from sim.params import PARAMS
from sim.scenario import FIELDS

ROOT = Path(__file__).resolve().parent.parent
FIX = "regenerate with `.venv/bin/python -m sim.guide`"


def test_the_guide_is_current():
    text = (ROOT / "docs" / "USER_GUIDE.md").read_text(encoding="utf-8")
    assert sorted(guide.blocks(text)) == sorted(guide.SECTIONS), "a generated block is missing from the guide"
    assert text == guide.render(text), f"docs/USER_GUIDE.md is stale: {FIX}"


def test_the_reference_covers_every_field_parameter_and_command():
    reference = guide.scenario_reference()
    for field in FIELDS:
        assert f"| `{field}` |" in reference
    tables = guide.parameter_tables()
    for p in PARAMS:
        assert f"`{p.name}`" in tables
    cli = guide.cli_reference()
    names = [a for a in build_parser()._subparsers._group_actions[0].choices]  # noqa: SLF001
    assert len(names) == len(COMMANDS)
    for name in names:
        assert f"### `cascade {name}`" in cli


def test_a_block_is_rewritten_and_prose_is_kept():
    stale = "intro\n<!-- generated: report-measures -->\nold table\n<!-- end generated: report-measures -->\noutro\n"
    fresh = guide.render(stale)
    assert "old table" not in fresh and "Initiative failure rate" in fresh
    assert fresh.startswith("intro\n") and fresh.endswith("outro\n")
    assert guide.render(fresh) == fresh


def test_a_new_scenario_field_without_a_description_is_caught(monkeypatch):
    monkeypatch.delitem(guide.FIELD_HELP, "horizon")
    with pytest.raises(KeyError, match="horizon"):
        guide.scenario_reference()


def test_the_cli_reference_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = guide.cli_reference()
    monkeypatch.setenv("COLUMNS", "200")
    assert guide.cli_reference() == narrow
