"""The guided lessons (sim.viz.lessons): valid levers a slider can show, and figures that are the
validation report's own, for effects that hold."""

import math
from pathlib import Path

import pytest

from sim.params import BY_NAME, validate
from sim.viz.lessons import LESSONS
from sim.viz.levers import lever
from sim.viz.session import Session

VALIDATION = Path(__file__).parents[1] / "docs" / "VALIDATION.md"


def states(lesson):
    """The levers at the start and after each change the lesson asks for, in order."""
    values = dict(lesson.settings)
    yield dict(values)
    for change in lesson.changes:
        values.update(change)
        yield dict(values)


def report_rows() -> dict[tuple[str, str], dict]:
    """docs/VALIDATION.md's table of effects, by (pattern, effect)."""
    rows = {}
    for line in VALIDATION.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[0].startswith("S") and cells[0][1:].isdigit():
            difference = cells[5].split(" [")[0]
            rows[cells[0], cells[1]] = {"a": cells[3], "b": cells[4], "difference": difference,
                                        "verdict": cells[9]}
    return rows


def on_step(name, value) -> bool:
    """Whether the lever's widget can show ``value`` as it is: a browser's slider rounds a value to its
    step and sends the rounded one back, which would change the lesson's set-up unseen."""
    lv = lever(name)
    if lv.widget in ("choice", "stops"):  # a stepped slider takes any valid value among its stops
        return True
    ticks = (value - lv.param.low) / lv.step
    return math.isclose(ticks, round(ticks), abs_tol=1e-9)


def test_five_lessons_with_their_texts():
    assert [lesson.key for lesson in LESSONS] == ["telephone", "pivots", "champions", "illusion", "enabling"]
    assert len({lesson.title for lesson in LESSONS}) == len(LESSONS)
    for lesson in LESSONS:
        assert lesson.to_try and lesson.notice and lesson.question.endswith("?")
        assert lesson.question.count("?") == 1, "one question"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_every_setting_and_change_is_a_valid_lever_a_slider_shows(lesson):
    for values in states(lesson):
        validate(**values)  # raises ParameterError with the reason
        assert all(on_step(name, value) for name, value in values.items()), values
    for change in lesson.changes:  # the text names every lever it asks to move
        for name in change:
            assert BY_NAME[name] and lever(name).label in lesson.to_try, name


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_quoted_figures_are_the_validation_reports_and_the_effects_hold(lesson):
    rows = report_rows()
    assert len(rows) > 20  # the table was read
    assert lesson.evidence
    for pattern, effect, column, quoted in lesson.evidence:
        row = rows.get((pattern, effect))
        assert row is not None, f"{pattern} '{effect}' is not in docs/VALIDATION.md"
        assert row["verdict"].startswith("holds"), f"{pattern} '{effect}': {row['verdict']}"
        assert quoted in lesson.notice, quoted
        assert matches(quoted, row[column]), (
            f"{lesson.key} quotes {quoted} for {pattern} '{effect}' ({column}); the report says {row[column]}")


def matches(quoted: str, reported: str) -> bool:
    """A quoted size is the report's figure (its absolute value) rounded to the quote's digits."""
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(float(quoted) - abs(float(reported.lstrip("+")))) <= 0.5 * 10 ** -decimals + 1e-9


def test_the_quote_check_catches_a_wrong_figure():
    """The check above can fail: a figure off by one in its last digit is caught."""
    reported = report_rows()["S2", "fatigue"]["difference"]
    quoted = next(q for p, e, c, q in LESSONS[1].evidence if (p, e, c) == ("S2", "fatigue", "difference"))
    assert matches(quoted, reported)
    assert not matches(f"{float(quoted) + 0.01:.2f}", reported) and not matches(f"{float(quoted) - 0.01:.2f}", reported)


def test_a_lesson_sets_its_levers_from_the_defaults_and_a_forged_key_is_refused():
    s = Session(values={"executives": 2, "layers": 2, "span": 4, "feedback": 0.9})
    s.step(3)
    assert s.load_lesson("pivots") and s.lesson == "pivots" and s.week == 0
    assert s.values == LESSONS[1].settings and s.model.p.feedback == BY_NAME["feedback"].default
    assert s.model.org.n == 585
    assert s.load_lesson("../etc/passwd" * 40) is False
    assert "not one of the offered lessons" in s.error and len(s.error) < 200
    assert s.lesson == "pivots" and s.values == LESSONS[1].settings  # the lesson keeps running
