"""Calibration to a survey (sim.calibrate): recovery of known values, no invented certainty,
determinism, resumption, the result object."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import CalibrationError, calibrate, read_survey
from sim.calibrate.inference import INVALID, Distance, Simulator, _job, particles_per_job, weighted_quantiles
from sim.calibrate.survey import sample_survey
from sim.model import OrgModel
from sim.scenario import load_scenario

SMALL = {"executives": 1, "layers": 2, "span": 4, "horizon": 52}
TRUTH = {"leadership_consistency": 0.4, "rationale": 0.2}
SURVEY_ROOT = 4242  # the survey's organisation: a seed root the calibration never uses
INERT = "dialogue_load"  # no effect while dialogue is 0 (the baseline's): the survey cannot inform it


def small_scenario(seed=11):
    return load_scenario("baseline", {**SMALL, "seed": seed})


@pytest.fixture(scope="module")
def survey_file(tmp_path_factory):
    """A survey of the small organisation run at TRUTH, on its own seed root."""
    sc = small_scenario()
    model_seed, sample_seed = np.random.SeedSequence(SURVEY_ROOT).spawn(2)
    model = OrgModel(np.random.default_rng(model_seed), **{**sc.model_kwargs(), **TRUTH})
    model.run(sc.horizon)
    path = tmp_path_factory.mktemp("survey") / "survey.csv"
    sample_survey(model, {"managers": 20, "employees": 64}, sample_seed).to_csv(path, index=False)
    return path


def recover(survey_file, population_size, populations, workers=2):
    survey = read_survey(survey_file).only(["trust_leadership", "understand_why", "support_change"])
    return calibrate(small_scenario(), survey, [*TRUTH, INERT], populations=populations,
                     population_size=population_size, workers=workers, seed=3)


def check_recovery(cal, inert_ratio):
    summary = cal.summary()
    for name, value in TRUTH.items():
        row = summary.loc[name]
        assert row["low"] <= value <= row["high"], (name, value, row.to_dict())
        assert row["ratio"] < 0.8, (name, row.to_dict())  # the survey did inform it
    assert summary.loc[INERT, "ratio"] > inert_ratio, summary.loc[INERT].to_dict()  # and invented nothing
    assert abs(summary.loc[INERT, "median"] - 0.25) < 0.1  # the prior's median (range [0, 0.5])


def test_known_values_are_recovered_and_an_uninformed_parameter_keeps_its_prior(survey_file):
    check_recovery(recover(survey_file, population_size=60, populations=4), inert_ratio=0.7)


@pytest.mark.validation
def test_known_values_are_recovered_at_full_budget(survey_file):
    # about 4,100 simulations (epsilon from 65 to 6 over 6 statistics); 2 minutes on 2 free cores
    check_recovery(recover(survey_file, population_size=200, populations=6), inert_ratio=0.85)


def test_an_uninformative_item_set_leaves_the_posterior_near_the_prior(survey_file):
    # Nobody in the small organisation is fatigued at any of these values: the item says nothing.
    survey = read_survey(survey_file).only(["workload_manageable"])
    cal = calibrate(small_scenario(), survey, list(TRUTH), populations=2, population_size=60, workers=2, seed=4)
    for name, row in cal.summary().iterrows():
        assert row["ratio"] > 0.8, (name, row.to_dict())
        assert row["identifiability"].startswith("not constrained")


def test_same_seed_same_posterior_whatever_the_workers_and_resumed_from_the_store(survey_file, tmp_path):
    survey = read_survey(survey_file).only(["understand_why"])
    args = dict(parameters=["rationale"], population_size=12, seed=9)
    one = calibrate(small_scenario(), survey, populations=2, workers=1, **args)
    two = calibrate(small_scenario(), survey, populations=2, workers=2, **args)
    pd.testing.assert_frame_equal(one.posterior, two.posterior)
    # interrupted after one population, then continued from the store: the same posterior
    calibrate(small_scenario(), survey, populations=1, workers=1, directory=tmp_path, **args)
    resumed = calibrate(small_scenario(), survey, populations=2, workers=1, directory=tmp_path, **args)
    assert resumed.meta["resumed_at"] == 1
    pd.testing.assert_frame_equal(one.posterior, resumed.posterior)
    other = calibrate(small_scenario(), survey, populations=2, workers=1, **{**args, "seed": 10})
    assert not one.posterior.equals(other.posterior)
    with pytest.raises(CalibrationError, match="other settings"):
        calibrate(small_scenario(), survey, populations=2, workers=1, directory=tmp_path, **{**args, "seed": 10})


def test_same_posterior_whatever_the_workers_and_executor_with_small_batches(survey_file):
    """Jobs of 5 particles (each job one ensemble): the same posterior in this process and on 2
    local processes; another batch proposes other particles (another posterior)."""
    survey = read_survey(survey_file).only(["understand_why"])
    args = dict(parameters=["rationale", "p_quit"], population_size=12, seed=9, populations=2)
    here = calibrate(small_scenario(), survey, workers=1, batch=5, **args)
    two = calibrate(small_scenario(), survey, workers=2, batch=5, **args)
    pd.testing.assert_frame_equal(here.posterior, two.posterior)
    assert here.meta["batch"] == 5
    alone = calibrate(small_scenario(), survey, workers=1, batch=1, **args)
    assert alone.meta["batch"] == 1 and not alone.posterior.equals(here.posterior)


def test_particles_per_job():
    sc = small_scenario()  # 21 people: the default batch is BATCH_PEOPLE // 21, capped by the population
    assert particles_per_job(sc, {"rationale": (0, 1)}, 200) == 200
    assert particles_per_job(sc, {"rationale": (0, 1)}, 200, batch=7) == 7
    # a parameter the members of an ensemble cannot differ in: every particle alone
    assert particles_per_job(sc, {"rationale": (0, 1), "defender_share": (0, 0.5)}, 200, batch=7) == 1
    for bad in (0, -3, 2.5, True):
        with pytest.raises(CalibrationError, match="batch = .* is not allowed: expected a whole number of at least 1"):
            particles_per_job(sc, {"rationale": (0, 1)}, 200, batch=bad)


def test_particles_run_together_answer_as_each_alone(survey_file):
    """An ensemble of particles (different values, one with a parameter outside VARYING, one
    the model refuses) answers every statistic, the facts too, as each particle run alone."""
    sc = small_scenario()
    survey = read_survey(survey_file).with_facts({"annual_turnover": 0.1, "initiatives_launched": 3,
                                                   "initiatives_failed": 1})
    rng = np.random.default_rng(5)
    particles = [({"rationale": float(rng.uniform()), "p_quit": float(rng.uniform(0, 0.02))}, int(rng.integers(2**62)))
                 for _ in range(6)]
    particles[2] = ({**particles[2][0], "defender_share": 0.3}, particles[2][1])  # its own ensemble
    particles[4] = ({**particles[4][0], "rationale": 2.0}, particles[4][1])  # refused: out of range
    together = Simulator(sc, survey, stacked=True).answers(particles)
    alone = [Simulator(sc, survey).run(values, seed) for values, seed in particles]
    assert together[4] == alone[4] == {INVALID: 1.0}
    for a, b in zip(together, alone):
        assert a.keys() == b.keys()
        assert max(abs(a[k] - b[k]) for k in a) <= 1e-9, (a, b)
    assert len({round(t["annual_turnover"], 12) for t in together if INVALID not in t}) > 1  # (not all alike)


class _Particle:
    def __init__(self, values, answers):
        self.values, self.answers, self.accepted = values, answers, INVALID not in answers


def _simulate_one(simulator, depends_on_results=False):
    """A stand-in for pyabc's simulate_one: a proposal from the global stream, a simulation; with
    ``depends_on_results``, a proposal that draws once more after a refused particle."""
    import random as stdlib_random

    def simulate_one():
        values = {"rationale": float(np.random.uniform()), "p_quit": 0.01 * stdlib_random.random()}
        answers = simulator(values)
        if depends_on_results and INVALID in answers:
            np.random.uniform()
        return _Particle(values, answers)
    return simulate_one


def test_a_job_runs_its_particles_together_and_replays_them_in_order(survey_file):
    import cloudpickle

    survey = read_survey(survey_file).only(["understand_why", "trust_leadership"])
    simulator = Simulator(small_scenario(), survey, stacked=True)
    out = _job(cloudpickle.dumps(_simulate_one(simulator)), 4, [8, 9, 10, 11], 123)
    assert [job_id for _, _, job_id in out] == [8, 9, 10, 11]
    np.random.seed(123)  # what the particles were: the proposals and seeds drawn alone, in turn
    import random as stdlib_random
    stdlib_random.seed(123)
    for particle, accepted, _ in out:
        values = {"rationale": float(np.random.uniform()), "p_quit": 0.01 * stdlib_random.random()}
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        assert particle.values == values and accepted
        alone = Simulator(small_scenario(), survey).run(values, seed)
        assert max(abs(particle.answers[k] - alone[k]) for k in alone) <= 1e-9
    assert len({p.answers["understand_why|employees"] for p, _, _ in out}) > 1
    with pytest.raises(RuntimeError, match="depend on the simulations' results"):
        _job(cloudpickle.dumps(_simulate_one(simulator, depends_on_results=True)), 4, [0, 1, 2, 3], 123)


def test_result_object(survey_file, tmp_path):
    survey = read_survey(survey_file).only(["trust_leadership"])
    cal = calibrate(small_scenario(), survey, ["leadership_consistency"], populations=1, population_size=10, seed=1)
    assert list(cal.posterior.columns) == ["leadership_consistency", "weight"]
    assert cal.posterior["weight"].sum() == pytest.approx(1)
    s = cal.summary().loc["leadership_consistency"]
    assert (s["prior_low"], s["prior_high"]) == (0.0, 1.0) and s["low"] <= s["median"] <= s["high"]
    calibrated = cal.scenario()
    assert calibrated.params.leadership_consistency == pytest.approx(s["median"], rel=1e-3)
    assert calibrated.name == "baseline_calibrated"
    pred = cal.predictive(draws=6)
    assert list(pred["statistic"]) == list(survey.observed())
    assert (pred["low"] <= pred["median"]).all() and (pred["median"] <= pred["high"]).all()
    folder = cal.save(tmp_path / "out", draws=6)
    for name in ("posterior.parquet", "summary.csv", "predictive.csv", "calibrated.yaml", "report.html",
                 "populations.csv", "calibration.json", "figures/marginals.png", "figures/predictive.png"):
        assert (folder / name).is_file(), name
    assert load_scenario(folder / "calibrated.yaml").params.leadership_consistency == calibrated.params.leadership_consistency


def test_bad_settings_are_one_line_errors(survey_file):
    survey = read_survey(survey_file)
    with pytest.raises(CalibrationError, match="'clarity' is not a parameter"):
        calibrate(small_scenario(), survey, ["clarity"])
    with pytest.raises(CalibrationError, match="layers cannot be calibrated"):
        calibrate(small_scenario(), survey, ["layers"])
    short = load_scenario("baseline", {**SMALL, "horizon": 20})
    with pytest.raises(CalibrationError, match="horizon"):
        calibrate(short, survey.with_facts({"annual_turnover": 0.1}), ["rationale"])


def test_distance_is_standardised_and_refuses_invalid_runs():
    d = Distance({"a": 0.1, "b": 0.5})
    assert d({"a": 0.3, "b": 1.0}, {"a": 0.1, "b": 0.0}) == pytest.approx(np.hypot(2, 2))
    assert d({"_invalid": 1.0}, {"a": 0, "b": 0}) == np.inf


def test_weighted_quantiles():
    v = np.arange(100.0)
    assert weighted_quantiles(v, np.ones(100), [0.5])[0] == pytest.approx(49.5)
    w = np.where(v < 50, 0.0, 1.0)
    assert weighted_quantiles(v, w, [0.5])[0] == pytest.approx(74.5)


# --------------------------------------------------------------------------- the command

@pytest.fixture
def client(tmp_path, survey_file):
    """A small client scenario beside its survey, in a folder of its own (the working directory)."""
    (tmp_path / "client.yaml").write_text(
        "extends: baseline\nname: client\nstructure: {executives: 1, layers: 2, span: 4}\nhorizon: 52\n"
        "survey_facts: {annual_turnover: 0.12}\n", encoding="utf-8")
    (tmp_path / "survey.csv").write_bytes(survey_file.read_bytes())
    return tmp_path


def test_cli_bad_input_exits_2_with_one_line(client):
    root = Path(__file__).resolve().parents[1]
    bad = client / "bad.csv"
    bad.write_text("level,count,understand_why\nemployees,5,9\n", encoding="utf-8")
    (client / "likert.csv").write_text("level,department,understand_why,trust_leadership\n"
                                       + "employees,Sales,4,5\n" * 5 + "employees,Sales,2,0\n", encoding="utf-8")
    (client / "few.csv").write_text("level,department,understand_why\n" + "employees,Sales,4\n" * 5
                                    + "employees,Finance,2\n" * 2, encoding="utf-8")
    for args, message in [
        (["client.yaml", "--survey", "bad.csv"], "row 2, column understand_why: '9' is not allowed (outside the Likert scale)"),
        (["client.yaml", "--survey", "likert.csv"], "row 7, column trust_leadership: '0' is not allowed (outside the Likert scale)"),
        (["client.yaml", "--survey", "few.csv", "--by-department"],
         "department 'Finance', level employees, column understand_why: 2 answers (rows 7, 8) are too few"),
        (["client.yaml", "--survey", "survey.csv", "--by-department"],
         "department '0' is not one of the departments of the organisation of client"),
        (["client.yaml", "--survey", "nothing.csv"], "nothing.csv: no such file"),
        (["client.yaml", "--survey", "survey.csv", "--parameters", "rationale,clarity"], "'clarity' is not a parameter"),
        (["client.yaml", "--survey", "survey.csv", "--items", "trust"], "no answers to trust"),
        (["client.yaml", "--survey", "survey.csv", "--population-size", "1"], "--population-size"),
        (["client.yaml", "--survey", "survey.csv", "--batch", "0"], "argument --batch: 0 is not allowed: expected at least 1"),
        (["client.yaml", "--survey", "survey.csv", "--scheduler", "tcp://x:1"], "scheduler address is for the dask executor"),
    ]:
        done = cascade_module(["calibrate", *args, "--out", str(client / "results")], client, root)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
        errors = [line for line in done.stderr.splitlines() if not line.startswith("cascade: note:")]
        assert len(errors) == 1 and errors[0].startswith("cascade"), done.stderr


def test_a_survey_by_department_with_likert_levels_calibrates(tmp_path):
    """A survey by department, in Likert answers, runs through the calibration and its check."""
    sc = small_scenario()
    names = sc.department_names()
    model = OrgModel(np.random.default_rng(np.random.SeedSequence(SURVEY_ROOT).spawn(3)[2]), **sc.model_kwargs())
    model.run(sc.horizon)
    path = tmp_path / "depts.csv"
    sample_survey(model, {"employees": 64}, 1, likert=True, names=names)[
        ["level", "department", "understand_why"]].to_csv(path, index=False)
    survey = read_survey(path, by_department=True)
    assert len(survey.cells) == 4 * len(names)  # four Likert shares in each of the four departments
    cal = calibrate(sc, survey, ["rationale"], populations=1, population_size=8, workers=1, seed=5)
    check = cal.predictive(draws=3)
    assert list(check["department"].unique()) == names and set(check["answer"]) == {">=2", ">=3", ">=4", ">=5"}
    assert check["observed"].to_list() == pytest.approx(list(survey.observed().values()))
    page = (cal.save(tmp_path / "out", draws=3) / "report.html").read_text(encoding="utf-8")
    assert "understand_why (answer &gt;=2)" in page and "employees · Sales" in page


def cascade_module(args, cwd, root):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(root)}  # this checkout's sim, whatever is installed
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_cli_writes_the_calibration_folder_and_continues_an_interrupted_one(client):
    root = Path(__file__).resolve().parents[1]
    from sim.calibrate.inference import calibrate as run_abc

    base = client / "results" / "client" / "calibration"
    # an interrupted calibration: one population stored, no report
    survey = read_survey(client / "survey.csv").only(["trust_leadership"])
    run_abc(load_scenario(client / "client.yaml"), survey, ["leadership_consistency"], populations=1,
            population_size=8, seed=5, directory=base / "20000101-000000")
    # (its batch, 8 particles a job, is one of its settings: another batch does not continue it)
    from sim.calibrate.inference import unfinished

    found = unfinished(base, load_scenario(client / "client.yaml"), survey, ["leadership_consistency"], 8, 5)
    assert found == (base / "20000101-000000", 5)
    assert unfinished(base, load_scenario(client / "client.yaml"), survey, ["leadership_consistency"], 8, 5,
                      batch=3) is None
    args = ["calibrate", "client.yaml", "--survey", "survey.csv", "--items", "trust_leadership",
            "--parameters", "leadership_consistency", "--populations", "2", "--population-size", "8",
            "--draws", "4", "--workers", "1", "--seed", "5", "--out", "results"]
    done = cascade_module(args, client, root)
    assert done.returncode == 0, done.stderr
    assert "continuing the interrupted calibration" in done.stderr
    assert "population 2/2: epsilon" in done.stderr and "acceptance" in done.stderr
    folder = base / "20000101-000000"
    for name in ("posterior.parquet", "summary.csv", "predictive.csv", "calibrated.yaml", "report.html",
                 "figures/marginals.png", "figures/predictive.png", "abc.db"):
        assert (folder / name).is_file(), name
    assert len(pd.read_csv(folder / "populations.csv")) == 2
    assert json.loads((folder / "calibration.json").read_text())["batch"] == 8
    predictive = pd.read_csv(folder / "predictive.csv")
    assert set(predictive["statistic"]) == {"trust_leadership|managers", "trust_leadership|employees",
                                            "annual_turnover"}
    from test_cli import check_report

    check_report(folder / "report.html", min_figures=3)
    # a finished folder is never continued: the same command starts a new one
    again = cascade_module(args, client, root)
    assert again.returncode == 0 and "continuing" not in again.stderr
    assert len([p for p in base.iterdir() if p.is_dir()]) == 2


# --------------------------------------------------------------------------- what-ifs under the posterior

def posterior_folder(tmp_path):
    folder = tmp_path / "cal"
    folder.mkdir()
    pd.DataFrame({"rationale": [0.1, 0.5, 0.9], "leadership_consistency": [0.2, 0.4, 0.6],
                  "weight": [0.0, 0.5, 0.5]}).to_parquet(folder / "posterior.parquet")
    return folder


def test_each_replication_draws_its_parameters_from_the_posterior(tmp_path):
    from sim.calibrate import read_posterior
    from sim.runner import compare, run

    posterior = read_posterior(posterior_folder(tmp_path))
    sc = load_scenario("baseline", {**SMALL, "horizon": 8})
    res = run(sc, reps=6, seed=2, posterior=posterior)
    assert list(res.draws.columns) == ["rationale", "leadership_consistency"]
    assert set(res.draws["rationale"]) <= {0.5, 0.9}  # weight 0 is never drawn
    assert res.draws["rationale"].nunique() == 2
    again = run(sc, reps=6, seed=2, posterior=posterior)
    pd.testing.assert_frame_equal(res.summary, again.summary)
    plain = run(sc, reps=6, seed=2)
    assert plain.draws is None and not plain.summary.equals(res.summary)
    variant = load_scenario("baseline", {**SMALL, "horizon": 8, "rationale": 0.3})
    comparison = compare([sc, variant], reps=6, seed=2, posterior=posterior)
    first, second = comparison.results
    pd.testing.assert_frame_equal(first.draws[["leadership_consistency"]], second.draws)  # paired draws
    assert "rationale" not in second.draws  # the variant's own value is kept
    folder = res.save(tmp_path / "run")
    assert (folder / "posterior_draws.csv").is_file()
    assert "Parameter uncertainty included" in (folder / "report.html").read_text(encoding="utf-8")


def test_a_bad_posterior_folder_is_refused(tmp_path):
    from sim.calibrate import read_posterior

    with pytest.raises(CalibrationError, match="not a calibration folder"):
        read_posterior(tmp_path)
    pd.DataFrame({"rationale": [1.5], "weight": [1.0]}).to_parquet(tmp_path / "posterior.parquet")
    with pytest.raises(CalibrationError, match="outside the parameter's range"):
        read_posterior(tmp_path)
    pd.DataFrame({"rationale": [0.5], "weight": [0.0]}).to_parquet(tmp_path / "posterior.parquet")
    with pytest.raises(CalibrationError, match="weight"):
        read_posterior(tmp_path)
    root = Path(__file__).resolve().parents[1]
    done = cascade_module(["run", "baseline", "--reps", "2", "--posterior", str(tmp_path / "none"),
                           "--out", str(tmp_path / "out")], tmp_path, root)
    assert done.returncode == 2 and "--posterior" in done.stderr and "Traceback" not in done.stderr


def test_cli_run_with_a_posterior_records_it(tmp_path):
    root = Path(__file__).resolve().parents[1]
    folder = posterior_folder(tmp_path)
    done = cascade_module(["run", "baseline", "--reps", "3", "--jobs", "1", "--set", "horizon=6", "executives=1",
                           "layers=2", "span=3", "--posterior", str(folder), "--out", str(tmp_path / "out")],
                          tmp_path, root)
    assert done.returncode == 0, done.stderr
    (run_dir,) = [p for p in (tmp_path / "out" / "baseline").iterdir() if p.is_dir()]
    assert len(pd.read_csv(run_dir / "posterior_draws.csv")) == 3
    assert str(folder) in (run_dir / "run.json").read_text()
    assert "--posterior" in (run_dir / "scenario.yaml").read_text()


def test_a_dask_cluster_gives_the_same_posterior(survey_file):
    pytest.importorskip("distributed")
    survey = read_survey(survey_file).only(["understand_why"])
    args = dict(parameters=["rationale"], population_size=12, seed=9, populations=2)
    here = calibrate(small_scenario(), survey, workers=1, **args)
    dask = calibrate(small_scenario(), survey, executor="dask", workers=2, **args)
    pd.testing.assert_frame_equal(here.posterior, dask.posterior)
