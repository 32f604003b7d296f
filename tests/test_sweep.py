"""Sweeps: designs (sizes, coverage), spec errors, seeds, failed runs, the store, the analysis and
the CLI. Organisations are tiny (40 people) and horizons short; every value a test depends on is set."""

from __future__ import annotations

import base64
import contextlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.sweep import SweepError, analyze, load_runs, load_spec, run_batch, spec_from_dict, sweep
from sim.sweep.design import points, size, unit_sample
from sim.cli import main
from sim.sweep.store import Store

CASCADE = Path(sys.executable).with_name("cascade")
SMALL = {"executives": 1, "layers": 2, "span": 3, "pivot_interval": 13.0, "role_clarity": 0.5,
         "feedback": 0.0, "champion_share": 0.1, "defender_share": 0.2}


def spec(**fields):
    data = {"name": "t", "base": "baseline", "set": dict(SMALL), "horizon": 10, "replications": 1,
            "parameters": {"role_clarity": [0.2, 0.8]}}
    data.update(fields)
    return spec_from_dict(data)


# --------------------------------------------------------------------------- designs


def test_grid_is_the_full_factorial():
    s = spec(parameters={"pivot_interval": [0, 13, 52], "role_clarity": {"low": 0.2, "high": 0.8, "steps": 4},
                         "communication": ["cascade", "both"]})
    pts = points(s)
    assert size(s) == len(pts) == 3 * 4 * 2
    assert not pts.duplicated().any()
    assert sorted(pts["role_clarity"].unique()) == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert set(pts["communication"]) == {"cascade", "both"}
    assert pts["pivot_interval"].dtype == np.float64  # a float parameter given as integers


@pytest.mark.parametrize("design, expected", [
    ({"method": "random", "n": 7}, 7),
    ({"method": "lhs", "n": 5}, 5),
    ({"method": "sobol", "n": 4}, 4 * (2 * 3 + 2)),
    ({"method": "sobol", "n": 4, "second_order": False}, 4 * (3 + 2)),
    ({"method": "morris", "n": 3, "levels": 4}, 3 * (3 + 1)),
])
def test_sampled_designs_sizes_and_bounds(design, expected):
    s = spec(design=design, parameters={"role_clarity": {"low": 0.2, "high": 0.6}, "initiatives": {"low": 1, "high": 5},
                                        "communication": ["cascade", "broadcast", "both"]})
    pts = points(s)
    assert size(s) == len(pts) == expected
    assert pts["role_clarity"].between(0.2, 0.6).all()
    assert pts["initiatives"].dtype == np.int64 and pts["initiatives"].between(1, 5).all()
    assert set(pts["communication"]) <= {"cascade", "broadcast", "both"}
    assert points(s).equals(pts)  # drawn from the sweep's own seed


def test_latin_hypercube_fills_every_stratum():
    s = spec(design={"method": "lhs", "n": 10}, parameters={"role_clarity": {"low": 0.0, "high": 1.0},
                                                            "feedback": {"low": 0.0, "high": 1.0}})
    u = unit_sample(s)
    for column in u.T:  # one point in each tenth of each axis
        assert sorted((column * 10).astype(int)) == list(range(10))


def test_sobol_covers_the_cube_and_lists_are_sliced_evenly():
    s = spec(design={"method": "sobol", "n": 64}, parameters={"role_clarity": {"low": 0.0, "high": 1.0},
                                                              "communication": ["cascade", "broadcast", "both"]})
    pts = points(s)
    counts = pts["communication"].value_counts()
    assert counts.min() / counts.max() > 0.8
    assert np.histogram(pts["role_clarity"], bins=4, range=(0, 1))[0].min() > 0.2 * len(pts)


def test_seed_depends_on_identity_not_name():
    a, b = spec(), spec(name="other", description="the same sweep under another name")
    assert a.identity == b.identity
    assert spec(seed=1).identity != a.identity and spec(replications=2).identity != a.identity
    assert spec(set={**SMALL, "feedback": 0.5}).identity != a.identity  # the base scenario counts


def test_a_run_does_not_depend_on_its_batch_or_order():
    s = spec()
    kwargs = s.scenario.model_kwargs()
    runs = [(r, r // 2, r % 2, {"role_clarity": v}) for r, v in enumerate([0.2, 0.2, 0.8, 0.8])]
    together = run_batch((s.entropy, kwargs, 10, None, runs))
    apart = [run_batch((s.entropy, kwargs, 10, None, [run]))[0] for run in reversed(runs)][::-1]
    assert [r for r, _ in together] == [r for r, _ in apart]
    assert together[0][0]["alignment_mean"] != together[1][0]["alignment_mean"]  # reps differ


# --------------------------------------------------------------------------- bad specs


@pytest.mark.parametrize("change, message", [
    ({"parameters": {"role_clarty": [0.2]}}, "parameters.role_clarty: unknown parameter (did you mean 'role_clarity'?)"),
    ({"parameters": {"role_clarity": [0.2, 1.5]}}, "'role_clarity' = 1.5 is not allowed: expected a number in [0, 1]"),
    ({"parameters": {"role_clarity": {"low": 0.2, "high": 0.9}}}, "a grid needs values"),
    ({"parameters": {"role_clarity": {"low": 0.9, "high": 0.2, "steps": 3}}}, "low = 0.9 must be below high = 0.2"),
    ({"parameters": {"role_clarity": "0.2"}}, "parameters.role_clarity = '0.2' is not allowed: expected a list"),
    ({"parameters": {}}, "parameters"),
    ({"design": "factorial"}, "design = 'factorial' is not allowed: expected one of grid, random, lhs, sobol, morris"),
    ({"design": {"method": "sobol", "n": 10}}, "design.n = 10 is not allowed: sobol needs a power of 2"),
    ({"design": {"method": "lhs"}}, "design.n is missing"),
    ({"metrics": ["alignment"]}, "metrics: 'alignment' is not a summary metric"),
    ({"timeseries": {"every": 0}}, "timeseries.every = 0 is not allowed"),
    ({"base": "baseline_v2"}, "base = 'baseline_v2': no scenario file or bundled scenario named"),
    ({"replicatons": 3}, "replicatons: unknown field (did you mean 'replications'?)"),
    ({"name": "a/b"}, "name = 'a/b' is not allowed"),
])
def test_bad_specs_get_one_clear_line(change, message):
    with pytest.raises(SweepError) as err:
        spec(**change)
    text = str(err.value)
    assert message in text and "\n" not in text


def test_bundled_sweeps_are_valid():
    pivot = load_spec("pivot_vs_clarity")
    assert set(pivot.parameters) == {"pivot_interval", "role_clarity"} and pivot.design.method == "grid"
    enable = load_spec("enablement_sensitivity")
    assert enable.design.method == "sobol"
    assert set(enable.parameters) == {"role_clarity", "capability_investment", "leadership_alignment",
                                      "feedback", "change_rewards"}


# --------------------------------------------------------------------------- failures, store, analysis


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """A grid where one point breaks a constraint (champion_share + defender_share > 1)."""
    out = tmp_path_factory.mktemp("sweeps")
    s = spec(name="failing", replications=2, parameters={"champion_share": [0.1, 0.9], "defender_share": [0.05, 0.5]})
    return s, out, sweep(s, out, workers=1)


def test_a_failing_run_is_recorded_and_the_sweep_completes(failing):
    s, out, table = failing
    assert len(table) == 4 * 2 and list(table["run"]) == list(range(8))
    bad = table[table["status"] == "error"]
    assert len(bad) == 2 and set(bad["champion_share"]) == {0.9} and set(bad["defender_share"]) == {0.5}
    assert bad["error"].str.contains("champion_share").all() and bad["alignment_mean"].isna().all()
    good = table[table["status"] == "ok"]
    assert good["error"].isna().all() and good["alignment_mean"].notna().all()
    assert table.equals(load_runs(out / "failing"))


def test_a_finished_sweep_reruns_nothing_and_a_changed_spec_is_refused(failing):
    s, out, table = failing
    shards = sorted((out / "failing" / "runs").iterdir())
    assert sweep(s, out, workers=1).equals(table)
    assert sorted((out / "failing" / "runs").iterdir()) == shards
    with pytest.raises(SweepError, match="holds a different sweep"):
        sweep(spec(name="failing", replications=3, parameters={k: list(v) for k, v in s.parameters.items()}), out, workers=1)


def test_one_writer_at_a_time(failing):
    s, out, _ = failing
    first = Store.open(out / "failing", s, points(s), [], [])
    try:
        with pytest.raises(SweepError, match="being written by another cascade sweep"):
            Store.open(out / "failing", s, points(s), [], [])
    finally:
        first.close()


def test_analysis_of_a_grid(failing):
    s, out, _ = failing
    tables = analyze(out / "failing", metrics=["alignment_mean", "fatigue_mean"])
    pts = tables["points"]
    assert len(pts) == 4 * 2 and set(pts["metric"]) == {"alignment_mean", "fatigue_mean"}
    assert (pts.loc[pts["champion_share"] == 0.1, "n"] == 2).all()
    assert pts.loc[(pts["champion_share"] == 0.9) & (pts["defender_share"] == 0.5), "mean"].isna().all()
    eff = tables["effects"]
    assert set(eff["parameter"]) == {"champion_share", "defender_share"}
    assert (eff["low"] <= eff["mean"]).all() and (eff["mean"] <= eff["high"]).all()
    assert len(tables["failures"]) == 2
    folder = out / "failing" / "analysis"
    figures = sorted(p.name for p in (folder / "figures").iterdir())
    assert "heatmap-alignment_mean.png" in figures and "effects-fatigue_mean.png" in figures
    page = (folder / "index.html").read_text()
    assert page.count('src="data:image/png;base64,') == len(figures) and "Failed runs (2)" in page
    src = page.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(src)[:8] == b"\x89PNG\r\n\x1a\n"
    assert pd.read_csv(folder / "points.csv").shape[0] == len(pts)


@pytest.mark.parametrize("method, n, columns", [("sobol", 4, ["S1", "S1_conf", "ST", "ST_conf"]),
                                                ("morris", 4, ["mu_star", "mu_star_conf", "mu", "sigma"])])
def test_sensitivity_indices(tmp_path, method, n, columns):
    # 30 weeks: a pivot comes at every point's pace whatever the seed (in 10 weeks, one design's
    # shared random history had none at any point, and every metric was the same everywhere)
    s = spec(name=method, design={"method": method, "n": n}, horizon=30,
             parameters={"role_clarity": {"low": 0.0, "high": 1.0}, "pivot_interval": {"low": 4.0, "high": 52.0}},
             metrics=["alignment_mean", "fatigue_mean"])
    sweep(s, tmp_path, workers=1)
    tables = sim.analyze(tmp_path / method, write=False)
    idx = tables[method]
    assert list(idx["parameter"].unique()) == ["role_clarity", "pivot_interval"]
    assert set(idx["metric"]) <= {"alignment_mean", "fatigue_mean"} and len(idx) >= 2
    assert np.isfinite(idx[columns].to_numpy()).all()
    assert not (tmp_path / method / "analysis").exists()


# --------------------------------------------------------------------------- the command


_nothing = contextlib.nullcontext


def cascade(*args, cwd=None):
    return subprocess.run([str(CASCADE), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_sweep_and_analyze(tmp_path, capsys, monkeypatch):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({
        "name": "cli", "base": "baseline", "set": SMALL, "horizon": 8, "replications": 2,
        "parameters": {"pivot_interval": [0, 13]}, "metrics": ["fatigue_mean"]}))
    done = cascade("sweep", "s.yaml", "--workers", "1", "--out", "res", cwd=tmp_path)  # the real command
    assert done.returncode == 0, done.stderr
    assert "Wrote res/cli: 4 runs (4 now; 0 failed)" in done.stdout
    monkeypatch.chdir(tmp_path)  # the rest in-process
    assert main(["sweep", "s.yaml", "--workers", "1", "--out", "res"]) == 0
    assert "4 runs (0 now, 4 from before; 0 failed)" in capsys.readouterr().out
    assert main(["analyze", "res/cli"]) == 0
    assert "Wrote res/cli/analysis: index.html, 1 figures" in capsys.readouterr().out
    assert (tmp_path / "res/cli/analysis/figures/effects-fatigue_mean.png").is_file()


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "bad.yaml").write_text("name: bad\nbase: baseline\nparameters: {pivot_intervall: [1, 2]}\n")
    done = cascade("sweep", "bad.yaml", cwd=tmp_path)  # the real command, once
    assert done.returncode == 2 and "parameters.pivot_intervall: unknown parameter" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    monkeypatch.chdir(tmp_path)
    for args, message in ((["sweep", "nothing.yaml"], "no sweep spec file or bundled sweep spec named 'nothing.yaml'"),
                          (["sweep", "pivot_vs_clarity", "--scheduler", "tcp://127.0.0.1:1"],
                           "a scheduler address is for the dask executor"),
                          (["analyze", "."], "not a sweep's results folder"),
                          (["sweep", "pivot_vs_clarity", "--executor", "spark"], "invalid choice: 'spark'")):
        with pytest.raises(SystemExit) if "spark" in args else _nothing():
            assert main(args) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)
