"""Scenario discovery (issue 16): uncertainties and levers in a sweep spec; PRIM recovers a planted
box; `cascade discover` end to end on a small sweep, the same files twice, bad input in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.sweep import SweepError, spec_from_dict, sweep
from sim.sweep.store import read_manifest

pytest.importorskip("ema_workbench")
from sim.explore import discover, prim_box  # noqa: E402

CASCADE = Path(sys.executable).with_name("cascade")
SMALL = {"executives": 1, "layers": 2, "span": 3, "pivot_interval": 13.0, "role_clarity": 0.5,
         "feedback": 0.0, "champion_share": 0.1, "defender_share": 0.2}
SPEC = {"name": "disc", "base": "baseline", "set": SMALL, "horizon": 20, "replications": 1,
        "uncertainties": {"pivot_interval": {"low": 4.0, "high": 30.0}, "defender_share": {"low": 0.0, "high": 0.5}},
        "levers": {"feedback": {"low": 0.0, "high": 1.0}},
        "design": {"method": "lhs", "n": 40}, "metrics": ["fatigue_mean"]}


def test_uncertainties_and_levers_are_parameters_with_a_role(tmp_path):
    s = spec_from_dict(SPEC)
    assert list(s.parameters) == ["pivot_interval", "defender_share", "feedback"]
    assert s.roles == {"pivot_interval": "uncertainty", "defender_share": "uncertainty", "feedback": "lever"}
    plain = spec_from_dict({**{k: v for k, v in SPEC.items() if k not in ("uncertainties", "levers")},
                            "parameters": {**SPEC["uncertainties"], **SPEC["levers"]}})
    assert plain.identity == s.identity and plain.roles == {}  # the roles do not change the runs
    with pytest.raises(SweepError, match="levers.feedback: feedback is already in uncertainties"):
        spec_from_dict({**SPEC, "levers": {"feedback": [0.0, 1.0]}, "uncertainties": {"feedback": [0.5, 1.0]}})


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(3)
    n = 1000
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n),
                      "k": rng.integers(1, 5, n), "mode": rng.choice(["cascade", "broadcast", "both"], n)})
    planted = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    y = np.where(rng.random(n) < 0.03, ~planted, planted)  # 3% of the labels flipped
    box, trajectory, chosen, notes = prim_box(x, y)
    assert set(box["input"]) == {"a", "b"} and not notes
    a, b = box.set_index("input").loc["a"], box.set_index("input").loc["b"]
    assert a["low"] == pytest.approx(0.6, abs=0.05) and a["high"] == a["range_high"]
    assert b["high"] == pytest.approx(0.3, abs=0.05) and b["low"] == b["range_low"]
    row = trajectory[trajectory["step"] == chosen].iloc[0]
    assert row["coverage"] > 0.75 and row["density"] >= 0.8
    # nothing planted: no box restricts the inputs as tightly
    _, noise, chosen_noise, _ = prim_box(x, rng.random(n) < planted.mean())
    assert noise.loc[noise["step"] == chosen_noise, "density"].iloc[0] < 0.8


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("disc")
    path = out / "disc.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    table = sweep(path, out, workers=1)
    return out / "disc", table


def test_discover_end_to_end_twice_the_same(store, tmp_path):
    directory, table = store
    assert read_manifest(directory)["roles"]["feedback"] == "lever"
    threshold = float(table["fatigue_mean"].median())
    first = discover(directory, "fatigue_mean", threshold, out=tmp_path / "a")
    assert sorted(first.inputs) == ["defender_share", "pivot_interval"]  # the uncertainties, not the lever
    assert first.total == 40 and 0 < first.cases < 40
    assert first.summary.startswith(f"Runs with fatigue_mean above {threshold:g} happen mostly when")
    assert set(first.scores["input"]) == {"pivot_interval", "defender_share"}
    discover(directory, "fatigue_mean", threshold, out=tmp_path / "b")
    for name in ("box.csv", "trajectory.csv", "scores.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    page = (tmp_path / "a" / "index.html").read_text()
    assert first.summary.split(":")[0] in page and page.count("data:image/png;base64,") == 3


def test_cli_discover_and_its_bad_input(store, tmp_path, capsys):
    directory, table = store
    threshold = f"{float(table['fatigue_mean'].median()):.4f}"
    done = subprocess.run([str(CASCADE), "discover", str(directory), "--outcome", "fatigue_mean", "--threshold",
                           threshold, "--below", "--inputs", "pivot_interval", "feedback", "--out", str(tmp_path / "d")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Runs with fatigue_mean below" in done.stdout and (tmp_path / "d" / "index.html").is_file()
    from sim.cli import main

    for args, message in ((["--outcome", "fatigue", "--threshold", "0.1"], "outcome 'fatigue' is not a summary metric"),
                          (["--outcome", "fatigue_mean", "--threshold", "99"], "threshold = 99: no run has fatigue_mean above it"),
                          (["--outcome", "fatigue_mean", "--threshold", "0.1", "--inputs", "span"],
                           "input 'span' is not a parameter of this sweep"),
                          (["--outcome", "fatigue_mean", "--threshold", "0.1", "--density", "2"], "density = 2.0 is not allowed")):
        assert main(["discover", str(directory), *args]) == 2  # in-process: the real command ran above
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)


# --------------------------------------------------------------------------- EMA Workbench


def test_ema_model_runs_a_tiny_experiment_as_the_sweep_runs_its_points(store):
    from ema_workbench import Sample, SequentialEvaluator, perform_experiments

    from sim.explore import ema

    directory, table = store
    model = ema.model(spec_from_dict(SPEC))  # the same spec as the stored sweep
    assert sorted(u.name for u in model.uncertainties) == ["defender_share", "pivot_interval"]
    assert [lever.name for lever in model.levers] == ["feedback"] and [o.name for o in model.outcomes] == ["fatigue_mean"]
    first = table.iloc[:3]
    scenarios = [Sample(f"p{i}", pivot_interval=r["pivot_interval"], defender_share=r["defender_share"])
                 for i, r in first.iterrows()]
    policies = [Sample(f"l{i}", feedback=r["feedback"]) for i, r in first.iterrows()]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=scenarios, policies=policies,
                                                    evaluator=evaluator, combine="cycle")
    assert len(experiments) == 3
    # each experiment is the sweep's point with the same values, run on the same seeds
    np.testing.assert_allclose(outcomes["fatigue_mean"], first["fatigue_mean"].to_numpy(), rtol=0, atol=0)


def test_ema_model_of_a_scenario_needs_what_to_explore():
    from sim.explore import ema

    with pytest.raises(SweepError, match="give the uncertainties and/or levers"):
        ema.model("baseline")
    model = ema.model("baseline", uncertainties={"pivot_interval": (4.0, 52.0)}, levers=["communication"],
                      outcomes=["failure_rate"], replications=2)
    assert model.uncertainties["pivot_interval"].upper_bound == 52.0
    assert set(model.levers["communication"].categories.keys()) == {"cascade", "broadcast", "both"}
