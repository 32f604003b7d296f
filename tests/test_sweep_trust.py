"""Sweep analysis an analyst can trust (issue 16): reproducible Sobol intervals, second-order indices
reported, grid bands from replications with paired contrasts, whole numbers sampled evenly, workers
that die with their parent, exact grid values, a spec kept when built from Python, and warnings about
a Sobol sample too small. Tiny organisations (13 people), short horizons."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from servers import free_port
from scipy import stats

from sim.sweep import SweepError, analyze, load_runs, spec_from_dict, sweep
from sim.sweep.design import points
from sim.sweep.store import read_manifest

SMALL = {"executives": 1, "layers": 2, "span": 3, "pivot_interval": 13.0, "role_clarity": 0.5,
         "feedback": 0.0, "champion_share": 0.1, "defender_share": 0.2}


def spec(**fields):
    data = {"name": "t", "base": "baseline", "set": dict(SMALL), "horizon": 8, "replications": 1,
            "parameters": {"role_clarity": [0.2, 0.8]}}
    data.update(fields)
    return spec_from_dict(data)


@pytest.fixture(scope="module")
def sobol_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("sobol")
    # span 6: role clarity matters (at span 3 nobody is ever overloaded), and at n = 8 some
    # indices land outside [0, 1] (the note's test below needs them)
    s = spec(name="sobol", horizon=20, design={"method": "sobol", "n": 8}, set={**SMALL, "span": 6},
             parameters={"role_clarity": {"low": 0.0, "high": 1.0}, "pivot_interval": {"low": 4.0, "high": 16.0},
                         "feedback": {"low": 0.0, "high": 1.0}},
             metrics=["alignment_mean", "fatigue_mean"])
    sweep(s, out, workers=1)
    return out / "sobol"


# --------------------------------------------------------------------------- 1. Sobol bootstrap seed


def test_analyze_twice_gives_byte_identical_csv(sobol_store, tmp_path):
    """SALib treats seed 0 as no seed: the intervals moved on every call."""
    analyze(sobol_store, out=tmp_path / "a")
    analyze(sobol_store, out=tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").glob("*.csv"))
    assert "sobol.csv" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# --------------------------------------------------------------------------- 2. second-order Sobol


def test_second_order_indices_are_reported(sobol_store, tmp_path):
    tables = analyze(sobol_store, out=tmp_path)
    s2 = tables["sobol2"]
    pairs = {("role_clarity", "pivot_interval"), ("role_clarity", "feedback"), ("pivot_interval", "feedback")}
    for metric, sub in s2.groupby("metric"):
        assert set(zip(sub["parameter"], sub["other"])) == pairs
    assert np.isfinite(s2[["S2", "S2_conf"]].to_numpy()).all()
    assert (tmp_path / "figures" / "sobol2-alignment_mean.png").is_file()
    assert "Second-order" in (tmp_path / "index.html").read_text()
    assert pd.read_csv(tmp_path / "sobol2.csv").shape == s2.shape


def test_no_second_order_table_without_second_order_design(tmp_path):
    s = spec(name="first", horizon=20, design={"method": "sobol", "n": 4, "second_order": False},
             parameters={"role_clarity": {"low": 0.0, "high": 1.0}, "pivot_interval": {"low": 4.0, "high": 16.0}},
             metrics=["alignment_mean"])
    sweep(s, tmp_path, workers=1)
    tables = analyze(tmp_path / "first", write=False)
    assert "sobol" in tables and "sobol2" not in tables


# --------------------------------------------------------------------------- 3. grid bands


GRID = {"name": "grid", "horizon": 20, "replications": 4, "metrics": ["alignment_mean"],
        "parameters": {"role_clarity": [0.1, 0.5, 0.9], "pivot_interval": [4.0, 26.0]}}


@pytest.fixture(scope="module")
def grid_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    return out / "grid", sweep(spec(**GRID), out, workers=1)


def _t_interval(values):
    values = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return values.mean() - half, values.mean() + half


def test_grid_effect_bands_are_intervals_over_replications(grid_store):
    """The band of a level is the interval of the mean over the other parameters' values, from
    the replications (not from every run pooled as if the other parameters were noise)."""
    directory, table = grid_store
    eff = analyze(directory, write=False)["effects"]
    for p, other in (("role_clarity", "pivot_interval"), ("pivot_interval", "role_clarity")):
        for value, sub in table.groupby(p):
            per_rep = sub.groupby("rep")["alignment_mean"].mean()  # averaged over the other parameter
            row = eff[(eff["parameter"] == p) & np.isclose(eff["value"].astype(float), value)].iloc[0]
            low, high = _t_interval(per_rep)
            assert row["n"] == 4
            assert row["low"] == pytest.approx(low) and row["high"] == pytest.approx(high)


def test_grid_paired_contrasts_use_common_random_numbers(grid_store):
    directory, table = grid_store
    tables = analyze(directory, write=False)
    con = tables["contrasts"]
    sub = con[(con["parameter"] == "role_clarity") & (con["metric"] == "alignment_mean")]
    assert list(sub["value"]) == [0.5, 0.9] and set(sub["reference"]) == {0.1}
    wide = table.pivot_table(index=["rep", "pivot_interval"], columns="role_clarity", values="alignment_mean")
    diff = (wide[0.9] - wide[0.1]).groupby("rep").mean()  # paired within each replication
    row = sub[sub["value"] == 0.9].iloc[0]
    assert row["difference"] == pytest.approx(diff.mean())
    low, high = _t_interval(diff)
    assert row["low"] == pytest.approx(low) and row["high"] == pytest.approx(high)


def test_grid_page_has_tables_and_says_what_the_band_is(grid_store, tmp_path):
    directory, _ = grid_store
    analyze(directory, out=tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "between replications" in page and "<h2>Effects</h2>" in page and "<h2>Paired contrasts</h2>" in page
    assert (tmp_path / "contrasts.csv").is_file()


# --------------------------------------------------------------------------- 4. whole numbers


def test_whole_number_ranges_are_sampled_in_equal_bins():
    s = spec(design={"method": "lhs", "n": 400}, parameters={"layers": {"low": 1, "high": 4},
                                                            "role_clarity": {"low": 0.0, "high": 1.0}})
    counts = points(s)["layers"].value_counts().sort_index()
    assert list(counts.index) == [1, 2, 3, 4]
    assert list(counts) == [100, 100, 100, 100]  # one bin per value, each a quarter of the strata


# --------------------------------------------------------------------------- 5. orphan workers


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_workers_die_with_a_killed_sweep(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump({"name": "long", "base": "baseline", "set": SMALL, "horizon": 200,
                                    "replications": 50, "parameters": {"role_clarity": [0.2, 0.8]}}))
    code = "import sys; from sim.sweep import sweep; sweep(sys.argv[1], sys.argv[2], workers=2)"
    proc = subprocess.Popen([sys.executable, "-c", code, str(path), str(tmp_path / "out")],
                            start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 3 and time.monotonic() < deadline:  # the fork server and two workers
            time.sleep(0.1)
            workers = _descendants(proc.pid)
        assert len(workers) >= 3, "the sweep did not start its workers"
        os.kill(proc.pid, signal.SIGKILL)  # the sweep alone, not its process group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in workers if _alive(p)], "worker processes outlived the killed sweep"
    finally:
        try:  # whatever is left of the sweep's process group
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------- 6. smaller items


def test_grid_values_carry_no_float_noise():
    s = spec(parameters={"role_clarity": {"low": 0.1, "high": 0.9, "steps": 9}})
    pts = points(s)
    assert (pts["role_clarity"] == 0.3).sum() == 1 and (pts["role_clarity"] == 0.7).sum() == 1


def test_a_sweep_built_from_python_keeps_its_spec(tmp_path):
    s = spec(name="py", parameters={"role_clarity": [0.2, 0.8]}, metrics=["fatigue_mean"])
    sweep(s, tmp_path, workers=1)
    text = (tmp_path / "py" / "spec.yaml").read_text()
    assert text.strip()
    again = spec_from_dict(yaml.safe_load(text))
    assert again.identity == s.identity == read_manifest(tmp_path / "py")["identity"]


def test_sobol_indices_outside_zero_one_get_a_sample_size_note(sobol_store):
    tables = analyze(sobol_store, write=False)
    idx = tables["sobol"]
    outside = idx[(idx[["S1", "ST"]] > 1).any(axis=1) | (idx[["S1", "ST"]] < 0).any(axis=1)]
    assert len(outside), "the fixture should give indices outside [0, 1] at n = 8"
    notes = " ".join(tables["notes"]["note"])
    assert "outside [0, 1]" in notes and "n = 8" in notes




def test_a_lost_dask_scheduler_is_one_line_and_keeps_the_finished_runs(tmp_path):
    pytest.importorskip("distributed")
    import re

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "lost", "base": "baseline", "set": SMALL, "horizon": 100,
                                    "replications": 60, "parameters": {"role_clarity": [0.2, 0.8]}}))
    address = f"tcp://127.0.0.1:{free_port()}"
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                  address.rsplit(":", 1)[1], "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    worker = subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        cli = subprocess.Popen([str(bin_dir / "cascade"), "sweep", str(path), "--executor", "dask",
                                "--scheduler", address, "--out", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "CASCADE_PROGRESS": "1"})
        seen = ""
        while not re.search(r"\] [1-9]\d*/\d+ runs", seen) and cli.poll() is None:  # runs are arriving
            seen += cli.stderr.read(1)
        os.killpg(scheduler.pid, signal.SIGKILL)
        out, err = cli.communicate(timeout=120)
        assert cli.returncode == 2, err
        text = seen + err
        assert text.count("cascade: error") == 1 and "Traceback" not in text, err
        message = text.split("cascade: error", 1)[1]
        assert "\n" not in message.strip()  # one line
        assert "the Dask scheduler at " + address + " stopped the sweep" in message
        assert "run the same command again" in message
        assert 1 <= len(load_runs(tmp_path / "out" / "lost")) < 120  # what finished was written
    finally:
        for proc in (scheduler, worker):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --------------------------------------------------------------------------- enough replications


def test_analyze_says_whether_the_replications_are_enough(grid_store):
    directory, table = grid_store
    tables = analyze(directory, write=False)
    row = tables["replications"].set_index("metric").loc["alignment_mean"]
    means = table.groupby("point")["alignment_mean"].agg(["mean", "std", "count"])
    half = (stats.t.ppf(0.975, means["count"] - 1) * means["std"] / np.sqrt(means["count"])).median()
    assert row["half_width"] == pytest.approx(half)
    assert row["effect_range"] == pytest.approx(np.ptp(means["mean"]))
    assert np.ptp(means["mean"]) > 0  # pivots matter over 20 weeks
    ratio = half / np.ptp(means["mean"])
    assert row["stable"] == (ratio <= 0.1)
    if not row["stable"]:  # four replications of a noisy tiny organisation are not enough
        assert row["suggested_replications"] == int(np.ceil(4 * (ratio / 0.1) ** 2)) > 4
        assert any("replications would bring it to 10%" in n for n in tables["notes"]["note"])
    con = tables["contrasts"].query("metric == 'alignment_mean'")
    assert row["contrast_half_width"] == pytest.approx(((con["high"] - con["low"]) / 2).median())
    assert row["largest_contrast"] == pytest.approx(con["difference"].abs().max())
    assert row["contrast_half_width"] < row["half_width"]  # pairing: the contrasts are the sharper tool


def test_one_replication_gets_a_note(sobol_store):
    notes = " ".join(analyze(sobol_store, write=False)["notes"]["note"])
    assert "one replication per point" in notes


# --------------------------------------------------------------------------- time series


@pytest.fixture(scope="module")
def series_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("series")
    s = spec(name="series", horizon=20, replications=2, metrics=["fatigue_mean"],
             uncertainties={"pivot_interval": [4.0, 26.0]}, levers={"feedback": [0.0, 1.0]}, parameters={},
             timeseries={"every": 5, "columns": ["alignment", "fatigue"]})
    return out / "series", sweep(s, out, workers=1)


def test_fan_charts_by_lever_level_and_outcomes_at_weeks(series_store, tmp_path):
    from sim.sweep import load_timeseries

    directory, table = series_store
    tables = analyze(directory, out=tmp_path, weeks=[10, 20])
    fans = tables["trajectories"]
    assert set(fans["parameter"]) == {"feedback"}  # the levers, not the uncertainties
    series = load_timeseries(directory).merge(table[["run", "feedback"]], on="run")
    at = series[(series["feedback"] == 1.0) & (series["week"] == 10)]["fatigue"]
    row = fans[(fans["column"] == "fatigue") & (fans["level"] == "1") & (fans["week"] == 10)].iloc[0]
    assert row["n"] == len(at) == 4 and row["mean"] == pytest.approx(at.mean())
    assert row["p10"] == pytest.approx(at.quantile(0.1)) and row["p90"] == pytest.approx(at.quantile(0.9))
    assert (tmp_path / "figures" / "fan-fatigue.png").is_file()
    weeks = tables["at_weeks"]
    assert set(weeks["week"]) == {10, 20} and set(weeks["column"]) == {"alignment", "fatigue"}
    one = weeks[(weeks["column"] == "alignment") & (weeks["week"] == 20) & (weeks["point"] == 0)].iloc[0]
    runs0 = series[(series["week"] == 20) & series["run"].isin(table.loc[table["point"] == 0, "run"])]
    assert one["n"] == 2 and one["mean"] == pytest.approx(runs0["alignment"].mean())
    with pytest.raises(SweepError, match="--weeks 7: not a kept week of the time series; kept: 0, 5, 10, 15, 20"):
        analyze(directory, write=False, weeks=[7])


def test_a_sweep_can_return_only_the_columns_it_needs(grid_store):
    """The end of a sweep need not read the whole table (the CLI reads status and error)."""
    directory, table = grid_store
    small = sweep(spec(**GRID), directory.parent, workers=1, table_columns=["status", "error"])  # finished: nothing runs
    assert list(small.columns) == ["run", "status", "error"] and small["run"].tolist() == table["run"].tolist()
    assert small.equals(load_runs(directory, columns=["error", "status"])[["run", "status", "error"]])


def test_cli_analyze_weeks(series_store, tmp_path, capsys):
    from sim.cli import main

    directory, _ = series_store
    assert main(["analyze", str(directory), "--weeks", "20", "--out", str(tmp_path / "a")]) == 0
    assert "at_weeks.csv" in capsys.readouterr().out and (tmp_path / "a" / "at_weeks.csv").is_file()
    assert main(["analyze", str(directory), "--weeks", "21", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "--weeks 21: not a kept week" in err and len(err.strip().splitlines()) == 1
