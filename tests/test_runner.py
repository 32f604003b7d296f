"""Replicated runs, comparisons (common random numbers), Results and saving (in-process, small)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import OrgModel
from sim.metrics import summarise
from sim.runner import Comparison, Results, compare, run
from sim.stats import mean_interval as interval
from sim.scenario import load_scenario

SMALL = {"executives": 1, "layers": 2, "span": 3, "horizon": 8}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("baseline", SMALL)


@pytest.fixture(scope="module")
def results(scenario):
    return run(scenario, reps=3, seed=5)


def test_public_api():
    sc = sim.load_scenario("baseline", SMALL)
    res = sim.run(sc, reps=2, jobs=1, seed=1)
    assert isinstance(res, sim.Results) and isinstance(sc, sim.Scenario)
    assert callable(sim.compare)


def test_timeseries_and_summary_shape(results, scenario):
    ts, summary = results.timeseries, results.summary
    assert list(ts.columns[:2]) == ["rep", "week"]
    assert sorted(ts["rep"].unique()) == [0, 1, 2]
    assert len(ts) == 3 * (scenario.horizon + 1)
    assert list(summary["rep"]) == [0, 1, 2]
    assert {"alignment_mean", "failure_rate", "clarity_gap_mean"} <= set(summary.columns)


def test_replication_i_uses_spawned_seed_i(results, scenario):
    """Replication i is OrgModel on the i-th spawned seed: bit for bit when each runs alone (batch 1);
    in an ensemble (the default) to rounding, its sums being added in another order."""
    child = np.random.SeedSequence(5).spawn(3)[2]
    ts = OrgModel(np.random.default_rng(child), **scenario.model_kwargs()).run(scenario.horizon)
    alone = run(scenario, reps=3, seed=5, batch=1)
    for res, exact in ((alone, True), (results, False)):
        mine = res.timeseries[res.timeseries["rep"] == 2].drop(columns="rep").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, ts, check_exact=exact, rtol=0.0, atol=1e-12)
        assert summarise(ts)["alignment_mean"] == pytest.approx(res.summary.loc[2, "alignment_mean"],
                                                               rel=0.0, abs=0.0 if exact else 1e-12)


def test_jobs_do_not_change_results(scenario, results):
    parallel = run(scenario, reps=3, jobs=2, seed=5)
    pd.testing.assert_frame_equal(parallel.timeseries, results.timeseries)
    pd.testing.assert_frame_equal(parallel.summary, results.summary)


def test_seed_defaults_to_the_scenario_and_progress_reports(scenario):
    calls = []
    res = run(scenario, reps=2, progress=lambda done, total: calls.append((done, total)))
    assert res.seed == scenario.seed and res.reps == 2
    assert calls[0] == (0, 2) and calls[-1] == (2, 2)


def test_table_is_mean_interval_of_the_mean_and_prediction_interval(results):
    table = results.table()
    assert list(table.columns) == ["mean", "low", "high", "predict_low", "predict_high", "n"]
    x = results.summary["alignment_mean"].to_numpy()
    row = table.loc["alignment_mean"]
    assert row["mean"] == pytest.approx(x.mean())
    # bootstrap percentile interval of the mean: inside the replications' range, around the mean
    assert x.min() <= row["low"] <= row["mean"] <= row["high"] <= x.max()
    assert row["predict_low"] == pytest.approx(np.percentile(x, 2.5))
    assert row["predict_high"] == pytest.approx(np.percentile(x, 97.5))
    assert "weeks_to_50" not in table.index and "weeks_to_50_median" in table.index


def test_interval_edge_cases():
    assert np.isnan(interval([1.0])[1]) and interval([1.0])[0] == 1.0
    assert interval([np.nan, np.nan])[3] == 0
    assert interval([2.0, np.nan, 4.0])[0] == 3.0


def test_compare_uses_common_random_numbers(scenario):
    same = compare([scenario, scenario], reps=3, seed=9)
    diffs = same.table()
    assert (diffs["diff"].fillna(0) == 0).all()
    variant = load_scenario("baseline", {**SMALL, "role_clarity": "0.95"})
    cmp = compare([scenario, variant], reps=3, seed=9)
    assert isinstance(cmp, Comparison) and cmp.labels[1].startswith("baseline [")
    row = cmp.table().query("metric == 'overload_mean'").iloc[1]
    assert np.isfinite(row["diff_low"]) and row["diff_low"] <= row["diff"] <= row["diff_high"]
    # replication i of both alternatives started from the same seed
    assert cmp.results[0].seed == cmp.results[1].seed == 9


def test_plot_gives_the_report_figures(results):
    import matplotlib.pyplot as plt

    figs = results.plot()
    assert {"alignment_by_level", "confidence_vs_alignment", "adoption", "fatigue_burnout",
            "initiatives"} <= set(figs)
    for fig in figs.values():
        plt.close(fig)


def test_save_writes_everything_and_never_overwrites(results, tmp_path):
    out = results.save(tmp_path / "run")
    names = {p.name for p in out.iterdir()}
    assert {"scenario.yaml", "run.json", "timeseries.parquet", "summary.csv", "replications.csv",
            "figures", "report.html"} <= names
    assert len(list((out / "figures").glob("*.png"))) >= 5
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), results.timeseries)
    before = (out / "summary.csv").read_bytes()
    with pytest.raises(FileExistsError):
        results.save(out)
    assert (out / "summary.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_saved_scenario_repeats_the_run(results, tmp_path):
    out = results.save(tmp_path / "run")
    again = run(load_scenario(out / "scenario.yaml"))
    assert again.seed == results.seed and again.reps == results.reps
    pd.testing.assert_frame_equal(again.summary, results.summary)


def test_interrupted_save_leaves_nothing(results, tmp_path, monkeypatch):
    import sim.report

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.report, "run_report", boom)
    with pytest.raises(KeyboardInterrupt):
        results.save(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_comparison_save(scenario, tmp_path):
    cmp = compare([scenario, load_scenario("enabled", SMALL)], reps=2, seed=3)
    out = cmp.save(tmp_path / "cmp")
    table = pd.read_csv(out / "comparison.csv")
    assert {"metric", "alternative", "mean", "low", "high", "diff", "diff_low", "diff_high"} <= set(table.columns)
    assert set(table["alternative"]) == {"baseline", "enabled"}
    assert len(list((out / "scenarios").glob("*.yaml"))) == 2
    assert isinstance(cmp.results[0], Results) and Path(out / "report.html").stat().st_size > 0
