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


# --------------------------------------------------------------------------- Likert levels

def test_likert_answers_give_the_share_answering_at_least_each_level(tmp_path):
    answers = ["1", "2", "2", "3", "4", "5", "5", "yes"]  # 7 Likert answers and a yes
    s = sv.read_survey(write(tmp_path, "level,understand_why\n" + "".join(f"employees,{a}\n" for a in answers)))
    cells = {c.cut: c for c in s.cells}
    assert sorted(cells) == [2, 3, 4, 5]
    assert (cells[4].n, cells[4].agree) == (8, 4)  # agreement counts the yes
    assert {k: (c.n, c.agree) for k, c in cells.items() if k != 4} == {2: (7, 6), 3: (7, 4), 5: (7, 2)}
    assert cells[2].key == "understand_why|employees|>=2" and cells[4].key == "understand_why|employees"
    assert "answer" in s.table()
    agree_only = sv.read_survey(tmp_path / "s.csv", likert=False)
    assert [c.key for c in agree_only.cells] == ["understand_why|employees"] and "answer" not in agree_only.table()


def test_yes_no_answers_or_too_few_likert_answers_keep_agreement_only(tmp_path):
    s = sv.read_survey(write(tmp_path, "level,understand_why\n" + "employees,yes\n" * 4 + "employees,4\n" * 4))
    assert [(c.cut, c.n, c.agree) for c in s.cells] == [(4, 8, 8)]  # 4 Likert answers: too few for levels
    s = sv.read_survey(EXAMPLE)  # yes/no: what it says is unchanged
    assert all(c.cut == 4 for c in s.cells) and len(s.cells) == 12


def test_thresholds_are_ordered_and_agreement_is_the_fourth():
    for item in sv.ITEMS.values():
        t = np.array(item.likert)
        assert np.all(np.diff(t) < 0) if item.below else np.all(np.diff(t) > 0), item.name
        values = np.linspace(-1, 1, 401)
        answers = item.answers(values)
        assert set(answers) <= {1, 2, 3, 4, 5}
        assert np.array_equal(answers >= 4, item.agrees(values))
        order = np.argsort(-values if item.below else values, kind="stable")
        assert np.all(np.diff(answers[order]) >= 0)  # the answer never falls as the value rises


def test_a_likert_census_reads_back_with_the_model_shares_at_every_level(tmp_path):
    model = OrgModel(np.random.default_rng(5), executives=1, layers=2, span=4)
    model.run(30)
    table = sv.sample_survey(model, {"managers": 20, "employees": 64}, 3, likert=True)  # everyone
    assert set(table["understand_why"]) <= {"1", "2", "3", "4", "5"}
    table.to_csv(tmp_path / "likert.csv", index=False)
    s = sv.read_survey(tmp_path / "likert.csv")
    assert {c.cut for c in s.cells} == {2, 3, 4, 5}
    assert s.observed() == pytest.approx(sv.answer(model, s))
    u = model.state.u[model.org.level_start[3]:]
    assert s.observed()["understand_why|employees|>=5"] == pytest.approx(np.mean(u >= 0.8))


@pytest.mark.parametrize("answer", ["0", "6", "7", "-1", "4.5", "45"])
def test_likert_answers_outside_1_to_5_name_row_and_column(tmp_path, answer):
    message = error(tmp_path, f"level,count,understand_why,trust_leadership\nemployees,5,4,4\nemployees,5,3,{answer}\n")
    assert f"row 3, column trust_leadership: '{answer}' is not allowed (outside the Likert scale)" in message


# --------------------------------------------------------------------------- departments

DEPT_HEADER = "level,department,understand_why\n"


def test_by_department_a_statistic_per_level_and_department(tmp_path):
    rows = "employees,Sales,yes\n" * 5 + "employees,Finance,no\n" * 4 + "employees,Finance,yes\n"
    path = write(tmp_path, DEPT_HEADER + rows)
    pooled = sv.read_survey(path)
    assert [(c.key, c.n, c.agree) for c in pooled.cells] == [("understand_why|employees", 10, 6)]
    s = sv.read_survey(path, by_department=True)
    assert [(c.key, c.n, c.agree) for c in s.cells] == [
        ("understand_why|employees|Sales", 5, 5), ("understand_why|employees|Finance", 5, 1)]
    assert list(s.table()["department"]) == ["Sales", "Finance"]


def test_by_department_too_few_or_missing_departments_are_clear_errors(tmp_path):
    rows = "employees,Sales,yes\n" * 5 + "employees,Finance,no\n" * 3
    with pytest.raises(sv.SurveyError) as exc:
        sv.read_survey(write(tmp_path, DEPT_HEADER + rows), by_department=True)
    assert ("department 'Finance', level employees, column understand_why: 3 answers (rows 7, 8, 9) are too few"
            in str(exc.value)) and "merge the department with another" in str(exc.value)
    with pytest.raises(sv.SurveyError, match="row 3, column department: empty, but the statistics are by department"):
        sv.read_survey(write(tmp_path, DEPT_HEADER + "employees,Sales,yes\nemployees,,yes\n"), by_department=True)
    with pytest.raises(sv.SurveyError, match="row 2, column department: 'A|>=2' is not allowed"):
        sv.read_survey(write(tmp_path, DEPT_HEADER + "employees,A|>=2,yes\n" * 5), by_department=True)
    with pytest.raises(sv.SurveyError, match="no department column"):
        sv.read_survey(write(tmp_path, "level,understand_why\n" + "employees,yes\n" * 5), by_department=True)


def test_departments_match_the_scenario_by_name(tmp_path):
    sc = load_scenario("baseline", {"executives": 1, "layers": 2, "span": 4})
    names = sc.department_names()
    assert names == ["Sales", "Operations", "Customer service", "Finance"]  # 4 of the 5 listed, in turn
    model = OrgModel(np.random.default_rng(8), **sc.model_kwargs())
    model.run(10)
    table = sv.sample_survey(model, {"employees": 64}, 1, names=names)
    table.to_csv(tmp_path / "depts.csv", index=False)
    s = sv.read_survey(tmp_path / "depts.csv", by_department=True)
    sv.check_departments(s, model.org, names, "the org")
    answers = sv.answer(model, s, names)
    assert s.observed() == pytest.approx(answers)
    rows = np.arange(model.org.level_start[-2], model.org.level_start[-1])
    sales = rows[model.org.dept[rows] == 0]
    assert answers["understand_why|employees|Sales"] == pytest.approx(np.mean(model.state.u[sales] >= 0.5))
    with pytest.raises(sv.SurveyError, match="names no departments"):
        sv.check_departments(s, model.org, [], "the org")
    renamed = write(tmp_path, DEPT_HEADER + "employees,Sale,yes\n" * 5, "renamed.csv")
    with pytest.raises(sv.SurveyError, match=r"department 'Sale' is not one of the departments of the org \(did you mean 'Sales'\?\)"):
        sv.check_departments(sv.read_survey(renamed, by_department=True), model.org, names, "the org")
    top = write(tmp_path, DEPT_HEADER + "executives,Sales,yes\n" * 5, "top.csv")
    with pytest.raises(sv.SurveyError, match="level executives, department 'Sales': the org has nobody there"):
        sv.check_departments(sv.read_survey(top, by_department=True), model.org, names, "the org")


def test_the_published_figures_survey_states_each_figure_to_the_nearest_person():
    """scenarios/surveys/published_figures.*: the survey scripts/defaults_calibration.py reports on."""
    import importlib.util
    from pathlib import Path

    from sim.calibrate.inference import prepare
    from sim.validation import CALIBRATION_ROOT, ORG

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("defaults_calibration", root / "scripts" / "defaults_calibration.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    scenario, survey, priors = prepare(root / script.SCENARIO, root / script.SURVEY, list(script.PARAMETERS))
    assert list(survey.observed()) == list(script.STATISTICS)
    published = {"can_name_priorities|1": 0.13, "can_name_priorities|2": 0.08, "can_name_priorities|employees": 0.02,
                 "clear_on_strategy|managers": 0.84, "support_change|employees": 0.74}
    model = OrgModel(np.random.default_rng(0), **scenario.model_kwargs())
    for c in survey.cells:
        assert c.n == len(sv.group_rows(model.org, c.group))  # a census of the level
        assert abs(c.share - published[c.key]) <= 0.5 / c.n, c  # the figure, to the nearest person
    assert scenario.seed == CALIBRATION_ROOT and scenario.structure == ORG and scenario.horizon >= 52
