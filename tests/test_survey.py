"""The survey format, its checks, and the observation model (sim.calibrate.survey)."""

import numpy as np
import pytest

from sim.calibrate import survey as sv
from sim.model import OrgModel
from sim.scenario import ScenarioError, load_scenario

EXAMPLE = "scenarios/surveys/example_pulse.csv"
HEADER = "level,department,count,understand_why,trust_leadership\n"


def write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path, text) -> str:
    with pytest.raises(sv.SurveyError) as exc:
        sv.read_survey(write(tmp_path, text))
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_example_survey_reads_with_counts_and_shares():
    s = sv.read_survey(EXAMPLE)
    assert s.respondents == 400
    t = s.table().set_index(["item", "level"])
    assert set(t.index.get_level_values("level")) == {"managers", "employees"}
    assert (t["respondents"] == np.where(t.index.get_level_values("level") == "managers", 80, 320)).all()
    assert ((t["share"] >= 0) & (t["share"] <= 1)).all() and (t["sd"] > 0).all()


def test_likert_and_yes_no_both_count_agreement(tmp_path):
    rows = "".join(f"employees,A,1,{a},{b}\n" for a, b in
                   [("5", "yes"), ("4", "no"), ("3", "y"), ("2", "n"), ("1", ""), ("yes", "no")])
    s = sv.read_survey(write(tmp_path, HEADER + rows))
    cells = {c.key: c for c in s.cells}
    assert (cells["understand_why|employees"].n, cells["understand_why|employees"].agree) == (6, 3)
    assert (cells["trust_leadership|employees"].n, cells["trust_leadership|employees"].agree) == (5, 2)


def test_a_group_row_counts_its_respondents(tmp_path):
    s = sv.read_survey(write(tmp_path, HEADER + "employees,A,7,5,2\nlayer 1,A,6,1,4\n1,B,1,1,1\n"))
    cells = {c.key: c for c in s.cells}
    assert cells["understand_why|employees"].agree == 7 and cells["trust_leadership|employees"].agree == 0
    assert cells["trust_leadership|1"].n == 7  # 'layer 1' and '1' are the same level
    assert s.respondents == 14


def test_sampling_sd_is_binomial_and_never_zero():
    c = sv.Cell("understand_why", "employees", 100, 50)
    assert c.sd == pytest.approx(np.sqrt(0.5 * 0.5 / 100))
    assert sv.Cell("understand_why", "employees", 100, 100).sd > 0


@pytest.mark.parametrize("text, expected", [
    ("level,count,know_strategy\nemployees,5,4\n", "column 'know_strategy': unknown column"),
    ("level,count,understand_why\nemployees,5,7\n", "row 2, column understand_why: '7' is not allowed"),
    ("level,count,understand_why\nemployees,5,4\nceo,5,4\n", "row 3, column level: 'ceo' is not a level"),
    ("level,count,understand_why\nemployees,-3,4\n", "row 2, column count: '-3' is not allowed"),
    ("level,count,understand_why\nemployees,2,4\nemployees,2,5\n", "level employees, column understand_why: 4 answers (rows 2, 3) are too few"),
    ("count,understand_why\n5,4\n", "no level column"),
    ("level,count\nemployees,5\n", "no item columns"),
    ("level,count,understand_why\n", "no respondents"),
    ("level,count,understand_why,understand_why\nemployees,5,4,4\n", "appears twice"),
    ("level,count,understand_why\nemployees,5\n", "row 2: 2 cells, but the header has 3 columns"),
    ("", "the file is empty"),
])
def test_bad_surveys_name_row_and_column(tmp_path, text, expected):
    assert expected in error(tmp_path, text)


def test_hostile_files_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(sv, "MAX_BYTES", 1000)
    assert "too large" in error(tmp_path, HEADER + "employees,A,1,4,4\n" * 100)
    monkeypatch.setattr(sv, "MAX_BYTES", 10**6)
    monkeypatch.setattr(sv, "MAX_ROWS", 10)
    assert "more than 10 rows" in error(tmp_path, HEADER + "employees,A,1,4,4\n" * 11)
    path = tmp_path / "bin.csv"
    path.write_bytes(b"level,understand_why\nemployees,\xff\xfe\n")
    with pytest.raises(sv.SurveyError, match="not UTF-8"):
        sv.read_survey(path)


def test_levels_must_exist_in_the_organisation(tmp_path):
    s = sv.read_survey(write(tmp_path, HEADER + "layer 5,A,5,4,4\n"))
    with pytest.raises(sv.SurveyError, match="level 5: the org has levels 0 .executives. to 3"):
        sv.check_levels(s, 3, "the org")
    sv.check_levels(s, 6, "the org")


def test_model_answers_every_statistic_as_a_share_of_its_level():
    model = OrgModel(np.random.default_rng(1), executives=1, layers=2, span=4)
    model.run(52)
    s = sv.read_survey(EXAMPLE).with_facts({"annual_turnover": 0.1, "initiatives_launched": 3})
    answers = sv.answer(model, s)
    assert list(answers) == list(s.observed())
    starts = model.org.level_start
    u = model.state.u[starts[3]:starts[4]]
    assert answers["understand_why|employees"] == pytest.approx(np.mean(u >= 0.5))
    managers = model.state.tau[starts[1]:starts[3]]
    assert answers["trust_leadership|managers"] == pytest.approx(np.mean(managers >= 0.5))
    assert answers["annual_turnover"] == pytest.approx(model.state.turnover / starts[-1])


def test_a_sampled_survey_reads_back_with_the_model_shares(tmp_path):
    model = OrgModel(np.random.default_rng(2), executives=1, layers=2, span=4)
    model.run(20)
    table = sv.sample_survey(model, {"employees": 64}, 3)  # every employee: the sample is the level
    table.to_csv(tmp_path / "all.csv", index=False)
    s = sv.read_survey(tmp_path / "all.csv")
    assert s.observed() == pytest.approx(sv.answer(model, s))


def test_scenario_survey_facts_and_priors(tmp_path):
    sc = load_scenario("scenarios/surveys/example_client.yaml")
    assert sc.survey_facts == {"annual_turnover": 0.15, "initiatives_launched": 3, "initiatives_failed": 2}
    assert sc.priors == {"p_quit": [0.0, 0.01]}
    assert "survey_facts" in sc.to_yaml()
    for section, message in [
        ("survey_facts: {annual_turnover: 1.5}", "survey_facts.annual_turnover = 1.5 is not allowed"),
        ("survey_facts: {turnover: 0.1}", "survey_facts.turnover: unknown fact (did you mean 'annual_turnover'?)"),
        ("survey_facts: {initiatives_launched: 2, initiatives_failed: 3}", "more than initiatives_launched"),
        ("survey_facts: {initiatives_failed: 1.5}", "expected a whole number"),
        ("priors: {p_quit: [0.2, 0.1]}", "priors.p_quit = [0.2, 0.1] is not allowed"),
        ("priors: {p_quit: [0, 0.5]}", "<= 0.1"),
        ("priors: {layers: [1, 2]}", "layers cannot be calibrated"),
        ("priors: {clarity: [0, 1]}", "priors.clarity: 'clarity' is not a parameter"),
    ]:
        path = write(tmp_path, f"extends: baseline\n{section}\n", "bad.yaml")
        with pytest.raises(ScenarioError) as exc:
            load_scenario(path)
        assert message in str(exc.value) and "bad.yaml" in str(exc.value)
