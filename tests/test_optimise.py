"""Robust lever plans (issue 16): the Pareto filter by hand, NSGA-II recovers a known front (ZDT1),
`cascade optimise` end to end on a tiny spec (robust values checked by hand, the same front on 1 or
2 workers, each plan a scenario file `cascade compare` reads), bad input in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.scenario import load_scenario
from sim.sweep import SweepError, run_batch, spec_from_dict

pytest.importorskip("optuna")
from sim.explore.optimise import front_mask, optimise, pareto_search  # noqa: E402

CASCADE = Path(sys.executable).with_name("cascade")
SPEC = {"name": "opt", "base": "baseline", "horizon": 20, "replications": 2,
        "set": {"executives": 1, "layers": 2, "span": 3, "champion_share": 0.1, "defender_share": 0.2},
        "uncertainties": {"pivot_interval": {"low": 4.0, "high": 30.0}},
        "levers": {"feedback": {"low": 0.0, "high": 1.0}, "communication": ["cascade", "both"]},
        "design": {"method": "lhs", "n": 8}}


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
    return optimise(spec_from_dict(SPEC), costs={"feedback": 100.0}, trials=8, population=4, scenarios=3,
                    workers=1, out=out / "front"), out / "front"


def test_optimise_end_to_end(found, tmp_path):
    result, out = found
    spec = result.spec
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
    assert plan["cost"] == pytest.approx(100.0 * plan["feedback"])
    # the same front on two workers
    other = optimise(spec, costs={"feedback": 100.0}, trials=8, population=4, scenarios=3, workers=2, write=False)
    assert other.plans.equals(result.plans)
    # each plan of the front is a scenario file with the plan's lever values
    for k in range(len(result.front)):
        sc = load_scenario(out / f"plan-{k + 1}.yaml")
        assert sc.params.feedback == pytest.approx(result.front.loc[k, "feedback"])
        assert sc.params.communication == result.front.loc[k, "communication"]
    assert (out / "front.csv").is_file() and (out / "figures" / "front.png").is_file()


def test_cli_optimise_and_compare_its_plans(tmp_path, capsys, monkeypatch):
    (tmp_path / "opt.yaml").write_text(yaml.safe_dump(SPEC))
    done = subprocess.run([str(CASCADE), "optimise", "opt.yaml", "--trials", "4", "--population", "2",
                           "--scenarios", "2", "--workers", "1", "--minimise", "failure_rate", "--out", "front"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "The front:" in done.stdout and (tmp_path / "front" / "plan-1.yaml").is_file()
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    no_levers = {**{k: v for k, v in SPEC.items() if k != "levers"}, "name": "nolevers"}
    (tmp_path / "nolevers.yaml").write_text(yaml.safe_dump(no_levers))
    for args, message in ((["opt.yaml", "--maximise", "alignment"], "outcome 'alignment' is not a summary metric"),
                          (["opt.yaml", "--cost", "pivot_interval=5"], "cost of 'pivot_interval': not a lever of opt"),
                          (["opt.yaml", "--cost", "feedback=lots"], "--cost feedback=lots: not a number"),
                          (["opt.yaml", "--cost", "communication=5"], "costs are per unit of a range"),
                          (["opt.yaml", "--robustness", "80"], "robustness = 80 is not allowed"),
                          (["nolevers.yaml"], "no levers to optimise")):
        assert main(["optimise", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)
    with pytest.raises(SweepError):
        optimise(spec_from_dict(SPEC), maximise=(), minimise=(), write=False)


def test_optimise_searches_the_levers_timing(tmp_path):
    from sim.model import Intervention

    spec = spec_from_dict(SPEC)
    found = optimise(spec, costs={"feedback": 100.0}, trials=6, population=3, scenarios=2, workers=1,
                     timing=True, out=tmp_path)
    plans = found.plans
    assert plans["feedback_week"].between(0, spec.horizon - 1).all() and "communication_week" in plans
    plan = plans.iloc[0]
    weeks = {n: int(plan[f"{n}_week"]) for n in ("feedback", "communication")}
    assert plan["cost"] == pytest.approx(100.0 * plan["feedback"] * (spec.horizon - weeks["feedback"]) / spec.horizon)
    # by hand: a lever starting at week w is an intervention at w, after the base scenario's own
    kwargs = spec.scenario.model_kwargs()
    later = {}
    for n, w in weeks.items():
        later.setdefault(w, {})[n] = plan[n]
    values = {n: v for n, v in later.pop(0, {}).items()}
    if later:
        values["interventions"] = [*kwargs["interventions"], *(Intervention(w, c) for w, c in sorted(later.items()))]
    per_scenario = []
    for _, scenario in found.scenarios.iterrows():
        records = run_batch((spec.entropy, kwargs, spec.horizon, None,
                             [(r, 0, r, {**scenario.to_dict(), **values}) for r in range(spec.replications)]))
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
