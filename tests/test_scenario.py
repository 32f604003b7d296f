"""Scenario files: bundled scenarios, extends, overrides, and field-level error messages.

Nothing here depends on sim.params defaults: every value a test checks is written in the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import OrgModel
from sim.scenario import Scenario, ScenarioError, bundled, load_scenario

SMALL = {"executives": 1, "layers": 2, "span": 3, "horizon": 6}

INDUSTRY_GOALS = {
    "financial_services": "Increase loan portfolio value by 20% while maintaining regulatory "
                          "compliance and reducing default rates",
    "technology": "Expand into three new international markets while improving product scalability",
    "government": "Improve public healthcare access by 30% while maintaining budget discipline "
                  "and service quality",
    "automotive": "Launch a new electric vehicle model within 18 months while maintaining cost "
                  "efficiency",
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- bundled


def test_bundled_set():
    names = set(bundled())
    assert {"baseline", "enabled", *INDUSTRY_GOALS} <= names


@pytest.mark.parametrize("name", sorted(bundled()))
def test_bundled_scenario_builds_a_model(name):
    sc = load_scenario(name, SMALL)
    assert isinstance(sc, Scenario) and sc.name == name and sc.description
    assert sc.horizon == 6 and sc.replications >= 1 and sc.seed is not None
    kwargs = sc.model_kwargs()
    assert "rng" not in kwargs
    assert kwargs["n_goals"] == len(sc.goals) >= 2
    np.testing.assert_allclose(kwargs["strategy"], [g.weight for g in sc.goals])
    assert kwargs["kpi_bias"].shape == (len(sc.departments), len(sc.goals))
    model = OrgModel(np.random.default_rng(1), **kwargs)
    ts = model.run(sc.horizon)
    assert len(ts) == sc.horizon + 1


@pytest.mark.parametrize("name,statement", sorted(INDUSTRY_GOALS.items()))
def test_industry_cases_quote_the_seed_and_explain_the_mapping(name, statement):
    text = bundled()[name].read_text()
    assert statement in text
    comments = " ".join(line for line in text.splitlines() if line.lstrip().startswith("#")).lower()
    for topic in ("goals", "departments", "conflicting kpis", "pivots", "depth"):
        assert topic in comments, f"{name}.yaml does not explain {topic}"
    sc = load_scenario(name)
    assert statement in sc.description  # the client reads it in the report
    assert len(sc.departments) >= 3 and len({g.perspective for g in sc.goals}) >= 3


def test_enabled_pulls_the_five_levers_and_keeps_the_rest():
    base, enabled = load_scenario("baseline"), load_scenario("enabled")
    levers = {"role_clarity", "capability", "leadership_alignment", "feedback", "change_rewards"}
    assert levers <= set(enabled.parameters)
    assert enabled.goals == base.goals and enabled.departments == base.departments
    assert (enabled.horizon, enabled.seed) == (base.horizon, base.seed)


# --------------------------------------------------------------------------- extends, overrides


BASE = """
name: parent
description: the parent
goals:
  - {name: Grow, perspective: financial, weight: 2}
  - {name: Serve, perspective: customer, weight: 1}
departments:
  - {name: Sales, kpi_bias: Grow}
  - {name: Support, kpi_bias: {Serve: 0.8, Grow: 0.2}}
structure: {executives: 1, layers: 2, span: 3}
parameters: {role_clarity: 0.4, feedback: 0.1}
interventions:
  3: {capability_investment: 0.02}
  5: pivot
horizon: 8
replications: 3
seed: 11
"""


def test_extends_states_only_what_differs(tmp_path):
    write(tmp_path, "parent.yaml", BASE)
    child = write(tmp_path, "what_if.yaml", """
extends: parent.yaml
parameters: {role_clarity: 0.9}
interventions:
  4: {feedback: 0.5, pivot: true}
""")
    sc = load_scenario(child)
    assert sc.name == "what_if"  # named after its own file
    assert sc.parameters == {"role_clarity": 0.9, "feedback": 0.1}
    assert sc.structure == {"executives": 1, "layers": 2, "span": 3}
    assert [g.name for g in sc.goals] == ["Grow", "Serve"] and sc.horizon == 8 and sc.seed == 11
    ivs = {iv.week: iv for iv in sc.interventions}
    assert sorted(ivs) == [3, 4, 5]
    assert ivs[4].changes == {"feedback": 0.5} and ivs[4].pivot
    assert ivs[5].pivot and not ivs[5].changes
    kw = sc.model_kwargs()
    assert kw["role_clarity"] == 0.9 and kw["n_goals"] == 2
    np.testing.assert_allclose(kw["kpi_bias"], [[1, 0], [0.2, 0.8]])
    assert [(iv.week, iv.pivot) for iv in kw["interventions"]] == [(3, False), (4, True), (5, True)]


def test_extends_a_bundled_scenario_by_name(tmp_path):
    path = write(tmp_path, "mine.yaml", "extends: baseline.yaml\nparameters: {feedback: 0.7}\n")
    sc = load_scenario(path)
    assert sc.parameters["feedback"] == 0.7 and sc.goals == load_scenario("baseline").goals


def test_overrides_are_coerced_and_labelled(tmp_path):
    path = write(tmp_path, "parent.yaml", BASE)
    sc = load_scenario(path, {"role_clarity": "0.75", "layers": "3", "span": "3,2,2,2", "horizon": "4",
                              "communication": "broadcast"})
    assert sc.parameters["role_clarity"] == 0.75 and sc.structure["layers"] == 3
    assert sc.structure["span"] == [3, 2, 2, 2] and sc.horizon == 4
    assert sc.people == 1 + 3 + 6 + 12 + 24
    assert "role_clarity=0.75" in sc.label() and sc.label().startswith("parent [")


def test_resolved_yaml_round_trips(tmp_path):
    sc = load_scenario(write(tmp_path, "parent.yaml", BASE), {"dialogue": 0.2})
    again = load_scenario(write(tmp_path, "resolved.yaml", sc.to_yaml(resolved=True)))
    a, b = sc.model_kwargs(), again.model_kwargs()
    for key in a:
        if isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key])
        else:
            assert a[key] == b[key], key
    assert (again.horizon, again.replications, again.seed) == (8, 3, 11)


def test_notes_for_late_interventions(tmp_path):
    sc = load_scenario(write(tmp_path, "parent.yaml", BASE), {"horizon": "4"})
    assert any("week 5" in n for n in sc.notes())


# --------------------------------------------------------------------------- errors


ERRORS = [
    # (file text, fragments the one-line message must contain)
    ("goalz: []\n", ["goalz", "unknown field", "did you mean 'goals'"]),
    ("parameters: {role_clarty: 0.5}\n", ["parameters.role_clarty", "did you mean 'role_clarity'"]),
    ("parameters: {role_clarity: 1.5}\n", ["parameters.role_clarity", "1.5", "[0, 1]"]),
    ("parameters: {role_clarity: high}\n", ["parameters.role_clarity", "'high'", "a number"]),
    ("structure: {layers: 2.5}\n", ["structure.layers", "2.5", "an integer"]),
    ("structure: {feedback: 0.5}\n", ["structure.feedback", "under parameters"]),
    ("horizon: ten\n", ["horizon", "'ten'", "an integer"]),
    ("replications: 0\n", ["replications", "0", ">= 1"]),
    ("goals:\n  - {name: A, perspective: financal, weight: 1}\n",
     ["goals[0].perspective", "'financal'", "'financial'"]),
    ("goals:\n  - {name: A, perspective: financial, weight: -1}\n", ["goals[0].weight", "-1", ">= 0"]),
    ("goals:\n  - {name: A, perspective: financial, weight: x}\n", ["goals[0].weight = 'x'", "a number"]),
    ("goals:\n  - {name: A, perspective: financial, weight: 1, colour: red}\n",
     ["goals[0].colour", "unknown field"]),
    ("goals:\n  - {name: A, perspective: financial, weight: 1}\n  - {name: B, perspective: customer, weight: 1}\n"
     "departments:\n  - {name: X, kpi_bias: Aa}\n", ["departments[0].kpi_bias", "'Aa'", "did you mean 'A'"]),
    ("departments:\n  - {name: X, kpi_bias: [1, 2]}\n", ["departments[0].kpi_bias", "[1, 2]", "goal"]),
    ("interventions:\n  10: {layers: 2}\n", ["interventions.10.layers", "structure"]),
    ("interventions:\n  10: {feedback: 2}\n", ["interventions.10.feedback", "2", "[0, 1]"]),
    ("interventions:\n  10: {feedbak: 0.2}\n", ["interventions.10.feedbak", "did you mean 'feedback'"]),
    ("interventions:\n  10: pivott\n", ["interventions.10", "'pivott'", "'pivot'"]),
    ("parameters: {champion_share: 0.9, defender_share: 0.5}\n", ["champion_share", "at most 1"]),
    ("horizon: 10\nhorizon: 20\n", ["duplicate key 'horizon'"]),
    ("goals: [\n", ["not valid YAML", "line"]),
    ("- a\n- b\n", ["expected a mapping"]),
    ("extends: nowhere.yaml\n", ["extends", "'nowhere.yaml'"]),
]


@pytest.mark.parametrize("text,fragments", ERRORS, ids=[f"e{i}" for i in range(len(ERRORS))])
def test_errors_name_file_field_value_and_allowed(tmp_path, text, fragments):
    path = write(tmp_path, "broken.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert "broken.yaml" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_error_in_a_parent_names_the_parent(tmp_path):
    write(tmp_path, "parent.yaml", "parameters: {feedback: 3}\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\n")
    with pytest.raises(ScenarioError, match=r"parent\.yaml: parameters\.feedback = 3"):
        load_scenario(child)


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="extends itself"):
        load_scenario(tmp_path / "a.yaml")


def test_only_safe_yaml(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, "evil.yaml", f'x: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(path)
    assert not marker.exists()


@pytest.mark.parametrize("overrides,fragments", [
    ({"rol_clarity": "1"}, ["--set rol_clarity", "did you mean 'role_clarity'"]),
    ({"role_clarity": "abc"}, ["--set role_clarity", "'abc'", "[0, 1]"]),
    ({"role_clarity": "2"}, ["--set role_clarity", "2", "[0, 1]"]),
    ({"horizon": "0"}, ["horizon", "0"]),
    ({"layers": "2", "span": "3,3"}, ["span", "one entry per level"]),
])
def test_override_errors(overrides, fragments):
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline", overrides)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_unknown_scenario_suggests_a_bundled_one():
    with pytest.raises(ScenarioError, match="did you mean 'baseline'"):
        load_scenario("baselin")
