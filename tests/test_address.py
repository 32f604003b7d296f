"""A run kept in the page's address (sim.viz.address): replayed bit for bit, and hostile addresses
refused with one line naming the field, falling back to the usual start."""

import pytest

from sim.viz.address import MAX_LENGTH, decode
from sim.viz.session import Session

SMALL = {"executives": 1, "layers": 2, "span": 4}


def played() -> Session:
    """A run with everything the address keeps: a preset, levers at week 0 and later, run A."""
    s = Session(values=SMALL)
    s.step(4)
    assert s.set("feedback", 0.3)
    s.step(6)
    s.freeze()
    assert s.set("role_clarity", 0.8) and s.reset()  # B: the levers as set, from week 0
    s.step(3)
    assert s.set("dialogue", 0.25) and s.set("dialogue", 0.35)  # dragged: the last value counts
    assert s.set("communication", "cascade")
    s.step(5)
    return s


def test_the_address_replays_the_run_and_run_a_bit_for_bit():
    s = played()
    query = s.address()
    assert "3.dialogue=0.35" in query and "dialogue=0.25" not in query
    back = Session.restored(query)
    assert back.error is None
    assert back.week == s.week == 8 and back.seed == s.seed
    assert back.model.p == s.model.p
    assert back.model.timeseries().equals(s.model.timeseries())
    assert back.reference.equals(s.reference) and back.reference_label == s.reference_label
    assert back.address() == query  # and so on, reload after reload


def test_a_preset_and_a_lesson_come_back_by_name():
    from sim.viz.lessons import LESSONS

    for start in ({"preset": "baseline"}, {"lesson": LESSONS[0].key}):
        s = Session(values=SMALL)
        assert s.load_preset(start["preset"]) if "preset" in start else s.load_lesson(start["lesson"])
        s.set_seed(7)
        s.step(2)
        assert s.set("change_rewards", 0.4)
        s.step(1)
        back = Session.restored(s.address())
        assert (back.preset, back.lesson, back.week, back.seed) == (s.preset, s.lesson, 3, 7)
        assert back.model.timeseries().equals(s.model.timeseries())


@pytest.mark.parametrize("query, words", [
    ("preset=../../etc/passwd&week=3", "is not one of the offered scenarios"),
    ("preset=/etc/passwd", "is not one of the offered scenarios"),
    ("lesson=nope&week=1", "lesson 'nope' is not one of the offered lessons"),
    ("week=99999", "week = '99999' is not allowed: expected a whole number from 0 to 1040"),
    ("seed=-1&week=1", "seed = '-1' is not allowed"),
    ("feedback=1.5&week=2", "'feedback' = 1.5 is not allowed"),
    ("feedback=lots&week=2", "'feedback'"),
    ("2.feedback=1e9&week=3", "'feedback' = 1000000000.0 is not allowed"),
    ("layers=8&span=20&week=1", "people: the live view takes at most"),
    ("3.layers=4&week=5", "3.layers: layers shapes the organisation, so it is set before week 0 only"),
    ("week=2&5.feedback=0.1", "5.feedback: a lever moved in week 5, after the week reached"),
    ("zz=1&week=1", "'zz' is not a parameter"),
    ("__class__=1", "is not a field of a run"),
    ("a.week=3", "run A is kept only beside a run"),
    ("preset=baseline&lesson=x", "one or the other"),
    ("feedback=" + "9" * 50, "a value of at most 40 characters"),
    ("x" * (MAX_LENGTH + 1), "characters long"),
    ("&".join(f"feedback={i % 2}" for i in range(300)), "more than 200 fields"),
])
def test_a_bad_address_gives_one_line_and_the_usual_start(query, words):
    s = Session.restored(query, values=SMALL)
    assert s.error.startswith("this page's address: ") and words in s.error, s.error
    assert "\n" not in s.error and len(s.error) < 300
    assert s.week == 0 and s.valid == SMALL  # the usual start


def test_no_address_and_too_long_a_run():
    assert decode("") == ({}, None)
    s = Session.restored(None, values=SMALL)
    assert s.error is None and s.week == 0
    for week in range(200):  # a lever moved every week: more than the address holds
        s.set("feedback", 0.5 if week % 2 else 0.4)
        s.step()
    assert s.address() == ""  # the page then keeps no run in its address
