"""The workshop game without a browser: teams, quarters under a budget, the leaderboard, the file."""

import numpy as np
import pytest

from sim.model import OrgModel
from sim.viz.workshop import WEEKS_PER_QUARTER, Workshop, WorkshopError

PLANS = {  # a year of quarters for each team
    "cautious": [{}, {}, {}, {}],
    "clarity": [{"role_clarity": 0.9}, {"role_clarity": 0.9}, {"role_clarity": 0.9}, {"role_clarity": 0.9}],
    "talkers": [{"dialogue": 0.6}, {"dialogue": 0.3, "feedback": 0.3}, {"feedback": 0.6}, {"change_rewards": 0.8}],
}


@pytest.fixture
def workshop(tmp_path):
    return Workshop.create(tmp_path, seed=3, code="TEST")


def own_run(workshop, plan):
    """A team's run computed directly: the same seed, its levers each quarter, 13 weeks each."""
    model = OrgModel(rng=workshop.seed, **workshop.kwargs)
    for levers in plan:
        model.set_params(**levers)
        for _ in range(WEEKS_PER_QUARTER):
            model.step()
    return model


def test_a_year_of_quarters_and_the_leaderboard_equals_the_teams_own_runs(workshop):
    for team in PLANS:
        workshop.join(team)
    for quarter in range(4):
        for team, plan in PLANS.items():
            workshop.decide(team, plan[quarter])
    board = workshop.leaderboard()
    assert [r["team"] for r in board] == sorted(PLANS, key=lambda t: -board_score(board, t))
    for team, plan in PLANS.items():
        model = own_run(workshop, plan)
        series = np.asarray(model.datacollector.model_vars["alignment"], dtype=float)
        assert board_score(board, team) == series[1:].mean()
        assert model.week == 52
    assert len({board_score(board, t) for t in PLANS}) == 3  # the levers made a difference


def board_score(board, team):
    return next(r["score"] for r in board if r["team"] == team)


def test_the_file_restores_every_team_bit_for_bit(workshop):
    for team, plan in PLANS.items():
        workshop.join(team)
        for levers in plan[:2]:
            workshop.decide(team, levers)
    again = Workshop.open(workshop.path)  # a server restart
    assert again.leaderboard() == workshop.leaderboard()
    for team in PLANS:
        a, b = workshop.teams[team].model.timeseries(), again.teams[team].model.timeseries()
        assert a.equals(b)
    again.decide("talkers", PLANS["talkers"][2])  # and the game goes on from there
    assert again.teams["talkers"].quarter == 3


def test_budget_and_bad_moves_give_one_clear_line(workshop):
    workshop.join("a")
    cases = {
        "budget is": {"role_clarity": 1.0, "feedback": 1.0},  # 5 + 8 > 5
        "not in this game": {"layers": 3},
        "allowed 0 to 1": {"feedback": 1.5},
        "a number is needed": {"feedback": "lots"},
    }
    for words, levers in cases.items():
        with pytest.raises(WorkshopError, match=words) as err:
            workshop.decide("a", levers)
        assert "\n" not in str(err.value) and len(str(err.value)) < 200
    with pytest.raises(WorkshopError, match="has not joined"):
        workshop.decide("nobody", {})
    for _ in range(4):
        workshop.decide("a", {})
    with pytest.raises(WorkshopError, match="all 4 quarters"):
        workshop.decide("a", {})
    assert workshop.teams["a"].quarter == 4  # nothing rejected was recorded or played
    assert len(workshop.path.read_text().splitlines()) == 1 + 1 + 4


@pytest.mark.parametrize("args, words", [(["--code", "bad code!"], "--code"), (["--budget", "-1"], "--budget")])
def test_cli_workshop_bad_flags_one_line_exit_2(tmp_path, args, words):
    import subprocess
    import sys
    from pathlib import Path

    cascade = Path(sys.executable).with_name("cascade")
    out = subprocess.run([str(cascade), "app", "--workshop", *args], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if "Warning" not in line and line.strip()]
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in out.stderr
    assert not (tmp_path / "results").exists()  # nothing was created


COSTED = """extends: {base}
costs:
  role_clarity: {{per_point_per_manager_per_week: 40}}
  feedback: {{per_point_per_manager_per_week: 20, fixed: 20000}}
  communication: {{per_broadcast: 5000}}
  fixed: 100000
"""


def test_a_scenario_costs_section_prices_the_levers_as_sim_costs_does(tmp_path):
    """The game's levers are the numeric levers the costs section prices; a quarter costs what
    sim.costs prices the team's plan at (the scenario with its levers set at the start of each
    quarter) beyond the organisation as it started, as it grows in that quarter."""
    from sim.costs import costs
    from sim.scenario import find, load_scenario

    path = tmp_path / "costed.yaml"
    path.write_text(COSTED.format(base=find("baseline")))
    w = Workshop.create(tmp_path, path, seed=3, code="PRICED")
    assert w.priced and list(w.costs) == ["role_clarity", "feedback"]  # not communication, not fixed
    managers = 144  # the baseline's middle managers (its costs.yaml comment says so too)
    first = {"feedback": 0.5}
    assert w.cost(first, []) == 20 * managers * 13 * 0.5 + 20000  # set-up in the first quarter on
    assert w.cost(first, [first]) == 20 * managers * 13 * 0.5  # and only then
    assert w.cost({"role_clarity": 0.4}, []) == 0.0  # lowering: below the default costs nothing
    # the same figure from a scenario file written out: interventions at weeks 0 and 13
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"extends: {path}\nhorizon: 26\ninterventions:\n  0: {{feedback: 0.5}}\n"
                    f"  13: {{feedback: 0.8, role_clarity: 0.7}}\n")
    priced = costs(load_scenario(str(plan)))
    spent = priced["role_clarity"] + priced["feedback"]
    assert w.cost(first, []) + w.cost({"feedback": 0.8, "role_clarity": 0.7}, [first]) == pytest.approx(spent)
    # the default budget: an eighth of every game lever at its top for a quarter, 2 significant figures
    top = 40 * managers * 13 * 0.5 + 20 * managers * 13 + 20000
    assert w.budget == float(f"{top / 8:.2g}")
    w.join("a")
    with pytest.raises(WorkshopError, match=f"cost 27,488.00 this quarter: the budget is {w.budget:,.2f}"):
        w.decide("a", {"feedback": 0.2})  # 7,488 + the 20,000 set-up
    w.decide("a", {"role_clarity": 0.6})  # 7,488
    assert Workshop.open(w.path).cost(first, w.teams["a"].decisions) == w.cost(first, w.teams["a"].decisions)


def test_without_a_costs_section_the_game_keeps_its_own_prices(tmp_path):
    from sim.scenario import find
    from sim.viz.workshop import BUDGET, COSTS

    w = Workshop.create(tmp_path, find("baseline"), code="PLAIN")
    assert not w.priced and w.costs == COSTS and w.budget == BUDGET
    assert w.cost({"feedback": 0.5}, [{"feedback": 0.5}]) == COSTS["feedback"] * 0.5


def test_cli_workshop_bad_costs_name_the_field_exit_2(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from sim.scenario import find

    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {find('baseline')}\ncosts:\n  feedback: {{per_point_per_manager_per_week: -3}}\n")
    cascade = Path(sys.executable).with_name("cascade")
    out = subprocess.run([str(cascade), "app", "--workshop", str(bad)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "costs.feedback.per_point_per_manager_per_week" in out.stderr and "-3" in out.stderr
    assert not (tmp_path / "results").exists()
