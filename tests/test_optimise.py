"""Robust lever plans (issue 16): the Pareto filter by hand, NSGA-II recovers a known front (ZDT1),
`cascade optimise` end to end on a tiny spec (robust values checked by hand, the same front on 1 or
2 workers, each plan a scenario file `cascade compare` reads), cost from the base scenario's `costs`
section by the one cost model (`sim.costs`), bad input in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.costs import costs, managers
from sim.scenario import InterventionSpec, load_scenario
from sim.sweep import SweepError, run_batch, spec_from_dict

pytest.importorskip("optuna")
from sim.explore.optimise import front_mask, optimise, pareto_search, plan_scenario  # noqa: E402

CASCADE = Path(sys.executable).with_name("cascade")
SPEC = {"name": "opt", "base": "costed.yaml", "horizon": 20, "replications": 2,
        "set": {"executives": 1, "layers": 2, "span": 3, "champion_share": 0.1, "defender_share": 0.2},
        "uncertainties": {"pivot_interval": {"low": 4.0, "high": 30.0}},
        "levers": {"feedback": {"low": 0.0, "high": 1.0}, "communication": ["cascade", "both"]},
        "design": {"method": "lhs", "n": 8}}
# the base scenario prices both levers: feedback by how far above its default (0), communication by
# the all-hands broadcasts it sends ("both" sends them, "cascade" does not); the programme, fixed
COSTS = {"feedback": {"per_point_per_manager_per_week": 10, "fixed": 500},
         "communication": {"per_broadcast": 50}, "fixed": 1000}


def costed(directory: Path, costs_section=COSTS, interventions=None) -> dict:
    """SPEC on a base scenario (in ``directory``: the baseline, ``interventions`` and
    ``costs_section``): the spec as a mapping, its base anchored at ``directory``."""
    base = {"extends": "baseline", "name": "costed", "interventions": interventions or {}, "costs": costs_section}
    (directory / "costed.yaml").write_text(yaml.safe_dump(base))
    return {**SPEC, "base": str(directory / "costed.yaml")}


def test_front_mask_by_hand():
    values = np.array([[1.0, 5.0], [2.0, 2.0], [3.0, 3.0], [2.0, 2.0], [5.0, 1.0], [np.nan, 0.0]])
    assert list(front_mask(values, ("min", "min"))) == [True, True, False, False, True, False]
    # maximising the first: (5, 1) dominates everything with a second value >= 1... except lower seconds
    assert list(front_mask(values, ("max", "min"))) == [False, False, False, False, True, False]


def zdt1(plans):
    out = []
    for p in plans:
        g = 1 + 9 * p["y"]
        out.append((p["x"], g * (1 - np.sqrt(p["x"] / g))))
    return out


def test_nsga_recovers_a_known_pareto_front():
    tried = pareto_search(zdt1, {"x": (0.0, 1.0), "y": (0.0, 1.0)}, ("min", "min"), trials=300, population=30, seed=1)
    front = tried[tried["front"]]
    gap = front["objective_1"] - (1 - np.sqrt(front["objective_0"]))  # the true front: y = 0
    assert len(front) >= 10 and gap.min() >= -1e-12 and gap.median() < 0.05
    assert front["objective_0"].min() < 0.05 and front["objective_0"].max() > 0.6  # spread along it
    again = pareto_search(zdt1, {"x": (0.0, 1.0), "y": (0.0, 1.0)}, ("min", "min"), trials=300, population=30, seed=1)
    assert again.equals(tried)
    # a search that cannot converge (a random few) stays further from the front: the test can fail
    few = pareto_search(zdt1, {"x": (0.0, 1.0), "y": (0.0, 1.0)}, ("min", "min"), trials=10, population=10, seed=1)
    few = few[few["front"]]
    assert (few["objective_1"] - (1 - np.sqrt(few["objective_0"]))).median() > gap.median()


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    out = tmp_path_factory.mktemp("opt")
    return optimise(spec_from_dict(costed(out)), trials=8, population=4, scenarios=3,
                    workers=1, out=out / "front"), out / "front"


def test_optimise_end_to_end(found, tmp_path):
    result, out = found
    spec = result.spec
    # the base scenario has a costs section: cost is an objective (it was not, without --cost)
    assert [m for m, _ in result.objectives] == ["alignment_mean", "fatigue_mean", "cost"]
    assert len(result.plans) == 8 and 1 <= len(result.front) <= 8 and len(result.scenarios) == 3
    # a plan's robust values by hand: the 10th (maximised) / 90th (minimised) percentile over the
    # scenarios of the mean over replications, the runs seeded as a sweep's
    plan = result.plans.iloc[0]
    per_scenario = {"alignment_mean": [], "fatigue_mean": []}
    for _, scenario in result.scenarios.iterrows():
        values = {**scenario.to_dict(), "feedback": plan["feedback"], "communication": plan["communication"]}
        records = run_batch((spec.entropy, spec.scenario.model_kwargs(), spec.horizon, None,
                             [(r, 0, r, values) for r in range(spec.replications)]))
        for m in per_scenario:
            per_scenario[m].append(np.mean([rec[m] for rec, _ in records]))
    assert plan["alignment_mean"] == pytest.approx(np.percentile(per_scenario["alignment_mean"], 10))
    assert plan["fatigue_mean"] == pytest.approx(np.percentile(per_scenario["fatigue_mean"], 90))
    # a plan's cost: the one cost model's, of the base scenario with the plan's levers from week 0
    for _, plan in result.plans.iterrows():
        by_hand = spec.scenario.model_copy(update={"parameters": {
            **spec.scenario.parameters, "feedback": float(plan["feedback"]), "communication": plan["communication"]}})
        assert plan["cost"] == pytest.approx(costs(by_hand)["total"])
    assert result.plans["cost"].nunique() > 1 and not result.notes  # the levers' values move the cost
    # the same front on two workers
    other = optimise(spec, trials=8, population=4, scenarios=3, workers=2, write=False)
    assert other.plans.equals(result.plans)
    # each plan of the front is a scenario file with the plan's lever values, costing what the front says
    for k in range(len(result.front)):
        sc = load_scenario(out / f"plan-{k + 1}.yaml")
        assert sc.params.feedback == pytest.approx(result.front.loc[k, "feedback"])
        assert sc.params.communication == result.front.loc[k, "communication"]
        assert costs(sc)["total"] == pytest.approx(result.front.loc[k, "cost"])
        assert sc.interventions == spec.scenario.interventions and sc.costs == spec.scenario.costs
    assert (out / "front.csv").is_file() and (out / "figures" / "front.png").is_file()
    assert "sim.costs" in (out / "index.html").read_text()


def test_no_costs_section_no_cost_objective_and_costs_change_no_run(tmp_path):
    spec = spec_from_dict(SPEC | {"base": "baseline"})
    plain = optimise(spec, trials=2, population=2, scenarios=1, workers=1, write=False)
    assert [m for m, _ in plain.objectives] == ["alignment_mean", "fatigue_mean"] and "cost" not in plain.plans
    # prices change no run: a sweep's identity (its seeds) is the same with or without them
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert (spec_from_dict(costed(tmp_path / "a")).identity
            == spec_from_dict(costed(tmp_path / "b", {"fixed": 5})).identity)
    # a costs section that prices none of the levers searched: the same cost for every plan, said
    flat = optimise(spec_from_dict(costed(tmp_path, {"fixed": 1000})), trials=2, population=2, scenarios=1,
                    workers=1, write=False)
    assert list(flat.plans["cost"]) == [1000.0, 1000.0]
    assert any("every plan costs the same (1,000)" in note for note in flat.notes)


def test_plan_scenario_merges_the_levers_into_the_base_scenario_by_hand(tmp_path):
    base = spec_from_dict(costed(tmp_path, interventions={5: {"change_rewards": 0.3}})).scenario
    plan = {"feedback": 0.7, "feedback_week": 5, "communication": "cascade", "communication_week": 0}
    sc = plan_scenario(base, plan, ["feedback", "communication"])
    assert sc.parameters["communication"] == "cascade" and "feedback" not in sc.parameters
    assert sc.interventions == (InterventionSpec(week=5, changes={"change_rewards": 0.3, "feedback": 0.7}),)
    # a later start of its own week; the base scenario is left as it was
    later = plan_scenario(base, {**plan, "feedback_week": 9}, ["feedback", "communication"])
    assert [(iv.week, iv.changes) for iv in later.interventions] == [(5, {"change_rewards": 0.3}), (9, {"feedback": 0.7})]
    assert base.interventions == (InterventionSpec(week=5, changes={"change_rewards": 0.3}),)
    # its cost by hand: feedback 0.7 above its default from week 5 to 19, per manager per week, plus
    # its set-up; no broadcasts (cascade only); the programme
    n = managers(sc)
    assert n == 3 + 9  # one executive, two layers of span 3
    assert costs(sc)["total"] == pytest.approx(10 * n * 0.7 * (20 - 5) + 500 + 0 + 1000)
    assert costs(later)["total"] == pytest.approx(10 * n * 0.7 * (20 - 9) + 500 + 1000)
    # broadcasting: every 13 weeks from week 0 (weeks 0 and 13 of 20)
    both = plan_scenario(base, {**plan, "communication": "both"}, ["feedback", "communication"])
    assert both.params.broadcast_interval == 13
    assert costs(both)["total"] == pytest.approx(costs(sc)["total"] + 2 * 50)


def test_cli_optimise_and_compare_its_plans(tmp_path, capsys, monkeypatch):
    costed(tmp_path)
    (tmp_path / "opt.yaml").write_text(yaml.safe_dump(SPEC))  # base: costed.yaml, next to it
    done = subprocess.run([str(CASCADE), "optimise", "opt.yaml", "--trials", "4", "--population", "2",
                           "--scenarios", "2", "--workers", "1", "--minimise", "failure_rate", "--out", "front"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "The front:" in done.stdout and (tmp_path / "front" / "plan-1.yaml").is_file()
    assert "cost" in (tmp_path / "front" / "front.csv").read_text().splitlines()[0].split(",")
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    no_levers = {**{k: v for k, v in SPEC.items() if k != "levers"}, "name": "nolevers"}
    (tmp_path / "nolevers.yaml").write_text(yaml.safe_dump(no_levers))
    for name, section in (("badkind", {"feedback": {"per_unit": 5}}), ("negative", {"feedback": {"fixed": -1}}),
                          ("structural", {"layers": {"fixed": 5}})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "opt.yaml").write_text(yaml.safe_dump(costed(tmp_path / name, section) | {"base": "costed.yaml"}))
    for args, message in ((["opt.yaml", "--maximise", "alignment"], "outcome 'alignment' is not a summary metric"),
                          (["badkind/opt.yaml"], "costs.feedback.per_unit: unknown cost kind; allowed: per_manager_per_week"),
                          (["negative/opt.yaml"], "costs.feedback.fixed = -1 is not allowed: expected a number >= 0"),
                          (["structural/opt.yaml"], "costs.layers: not a lever"),
                          (["opt.yaml", "--robustness", "80"], "robustness = 80 is not allowed"),
                          (["nolevers.yaml"], "no levers to optimise")):
        assert main(["optimise", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)
    with pytest.raises(SystemExit) as exit_:  # no second cost model: costs come from the scenario file
        main(["optimise", "opt.yaml", "--cost", "feedback=100"])
    assert exit_.value.code == 2 and "unrecognized arguments: --cost" in capsys.readouterr().err
    with pytest.raises(SweepError):
        optimise(spec_from_dict(SPEC), maximise=(), minimise=(), write=False)


def test_optimise_searches_the_levers_timing(tmp_path):
    spec = spec_from_dict(costed(tmp_path, interventions={5: {"change_rewards": 0.3}}))
    found = optimise(spec, trials=6, population=3, scenarios=2, workers=1, timing=True, out=tmp_path)
    plans = found.plans
    assert plans["feedback_week"].between(0, spec.horizon - 1).all() and "communication_week" in plans
    plan = plans.iloc[0]
    weeks = {n: int(plan[f"{n}_week"]) for n in ("feedback", "communication")}
    # by hand: a lever starting at week w is an intervention at w (with the base scenario's own of
    # that week); the runs run that scenario, and its cost is the one cost model's
    by_hand = spec.scenario.model_copy(update={
        "parameters": {**spec.scenario.parameters, **{n: plan[n] for n, w in weeks.items() if w == 0}},
        "interventions": tuple(sorted(
            [InterventionSpec(week=iv.week, changes={**iv.changes, **{n: plan[n] for n, w in weeks.items() if w == iv.week}})
             for iv in spec.scenario.interventions]
            + [InterventionSpec(week=w, changes={n: plan[n] for n, v in weeks.items() if v == w})
               for w in set(weeks.values()) - {0} - {iv.week for iv in spec.scenario.interventions}],
            key=lambda iv: iv.week))})
    assert plan["cost"] == pytest.approx(costs(by_hand)["total"])
    if weeks["feedback"]:  # the later feedback starts, the less it costs
        assert plan["cost"] < costs(plan_scenario(spec.scenario, {**plan, "feedback_week": 0}, list(weeks)))["total"]
    per_scenario = []
    for _, scenario in found.scenarios.iterrows():
        records = run_batch((spec.entropy, by_hand.model_kwargs(), spec.horizon, None,
                             [(r, 0, r, scenario.to_dict()) for r in range(spec.replications)]))
        per_scenario.append(np.mean([rec["alignment_mean"] for rec, _ in records]))
    assert plan["alignment_mean"] == pytest.approx(np.percentile(per_scenario, 10))
    # the front's plans as scenario files: late levers as interventions at their week
    for k in range(len(found.front)):
        row, sc = found.front.loc[k], load_scenario(tmp_path / f"plan-{k + 1}.yaml")
        for n in ("feedback", "communication"):
            w = int(row[f"{n}_week"])
            if w:
                assert any(iv.week == w and iv.changes[n] == pytest.approx(row[n]) for iv in sc.interventions)
            elif n == "feedback":
                assert sc.params.feedback == pytest.approx(row[n])
            else:
                assert sc.params.communication == row[n]
