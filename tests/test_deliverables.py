"""What a consultant hands a client (issue 15): decision-grade statistics (censored time to
alignment, intervals that respect each outcome's range), a library safe to call from a plain
script, sweeps of any base scenario, output folders, scenario inheritance, HR-export habits in
org charts, the comparison report and the client files. Organisations are tiny and horizons
short; every value a test depends on is set here."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CASCADE = Path(sys.executable).with_name("cascade")
SMALL = {"executives": 1, "layers": 2, "span": 3}


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def small_scenario(tmp_path: Path, name: str = "small", **fields) -> Path:
    data = {"extends": "baseline", "name": name, "structure": dict(SMALL), "horizon": 12,
            "replications": 3, "seed": 7}
    data.update(fields)
    return write(tmp_path / f"{name}.yaml", data)


# --------------------------------------------------------------------------- 4: sweeps of any base


@pytest.mark.parametrize("base", ["span_list", "org_chart"])
def test_sweep_runs_on_a_span_list_or_an_org_chart_base(tmp_path, base):
    from sim.orgchart import generate, write_table
    from sim.sweep import sweep

    if base == "span_list":
        scenario = small_scenario(tmp_path, structure={"executives": 1, "layers": 2, "span": [2, 3, 2]})
        levels = 4
    else:
        write_table(generate(60, "flat", 3), tmp_path / "flat.csv")
        scenario = small_scenario(tmp_path, structure=None, org_chart="flat.csv")
        levels = int(load_scenario(scenario).chart().depth.max()) + 1
        assert levels != 5  # differs from the default structure's, whose columns broke the store
    spec = write(tmp_path / "spec.yaml", {"name": "s", "base": scenario.name, "horizon": 4,
                                          "replications": 1, "timeseries": True,
                                          "parameters": {"role_clarity": [0.3, 0.8]}})
    table = sweep(spec, tmp_path / "out", workers=1)
    assert len(table) == 2 and (table["status"] == "ok").all()
    kept = pd.read_parquet(next((tmp_path / "out" / "s" / "timeseries").glob("*.parquet")))
    assert {f"alignment_{d}" for d in range(levels)} <= set(kept.columns)
    assert f"alignment_{levels}" not in kept.columns


# --------------------------------------------------------------------------- 5: output paths


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(CASCADE), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_an_out_that_is_a_file_or_cannot_be_created_is_one_line_and_exit_2(tmp_path, command):
    scenario = small_scenario(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    args = {"run": ["run", scenario, "--reps", 1],
            "compare": ["compare", scenario, "--variant", "role_clarity=0.9", "--reps", 1],
            "sweep": ["sweep", write(tmp_path / "sw.yaml", {"name": "sw", "base": str(scenario), "horizon": 3,
                                                           "replications": 1,
                                                           "parameters": {"role_clarity": [0.3]}})]}[command]
    for out, reason in ((afile, "is a file"), (afile / "below", "cannot create")):
        proc = cli(*args, "--out", out)
        assert proc.returncode == 2, proc.stderr
        errors = [line for line in proc.stderr.splitlines() if not line.startswith("cascade: note:")]
        assert "Traceback" not in proc.stderr and len(errors) == 1, proc.stderr
        assert errors[0].startswith(f"cascade: error: --out {out}:") and reason in errors[0]


def test_an_uncreatable_picture_path_is_one_line_and_exit_2(tmp_path):
    from sim.orgchart import generate, write_table

    chart = write_table(generate(30, "flat", 1), tmp_path / "c.csv")
    (tmp_path / "afile").write_text("x")
    proc = cli("orgchart", chart, "--picture", tmp_path / "afile" / "chart.png")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--picture" in proc.stderr and "is a file" in proc.stderr


def test_two_runs_in_the_same_second_write_two_folders(tmp_path, monkeypatch):
    """The second run to finish finds its folder taken (the first started in the same second):
    it writes <stamp>-2 and says so, and loses nothing."""
    from datetime import datetime

    import sim.cli
    import sim.runner

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2030, 1, 2, 3, 4, 5)

    monkeypatch.setattr(sim.cli, "datetime", Frozen)
    scenario = small_scenario(tmp_path)
    out = tmp_path / "out"
    first = out / "small" / "20300102-030405"
    real_run = sim.runner.run

    def run_while_another_finishes(*args, **kwargs):
        results = real_run(*args, **kwargs)
        first.mkdir(parents=True)  # the other run, started in the same second, saved first
        (first / "report.html").write_text("the other run")
        return results

    monkeypatch.setattr(sim.runner, "run", run_while_another_finishes)
    assert main(["run", str(scenario), "--reps", "2", "--jobs", "1", "--out", str(out)]) == 0
    assert (first / "report.html").read_text() == "the other run"
    second = out / "small" / "20300102-030405-2"
    assert (second / "report.html").is_file() and len(pd.read_csv(second / "replications.csv")) == 2


# --------------------------------------------------------------------------- 6: inheritance


def test_a_child_scenario_removes_inherited_interventions_with_null(tmp_path):
    parent = small_scenario(tmp_path, name="programme", interventions={
        26: {"capability_investment": 0.02}, 52: "pivot", 60: {"feedback": 0.5}})
    one = write(tmp_path / "one.yaml", {"extends": parent.name, "interventions": {26: None, 70: "pivot"}})
    none = write(tmp_path / "none.yaml", {"extends": parent.name, "interventions": None})
    keep = write(tmp_path / "keep.yaml", {"extends": parent.name, "interventions": {}})
    assert [iv.week for iv in load_scenario(parent).interventions] == [26, 52, 60]
    assert [iv.week for iv in load_scenario(one).interventions] == [52, 60, 70]
    assert load_scenario(none).interventions == ()
    assert [iv.week for iv in load_scenario(keep).interventions] == [26, 52, 60]  # merge: {} changes nothing
    assert "interventions: null" in (ROOT / "docs" / "USER_GUIDE.md").read_text()


# --------------------------------------------------------------------------- 1: censored times


def summary_of(weeks_to_50, **other) -> pd.DataFrame:
    n = len(weeks_to_50)
    return pd.DataFrame({"rep": range(n), "weeks_to_50": np.asarray(weeks_to_50, dtype=float),
                         "weeks_to_80": np.full(n, np.nan), **other})


# The baseline: 20 runs, 8 already above 0.5 at week 0, 9 that got there, 3 that never did.
REACHED = [5.0, 8.0, 10.0, 12.0, 15.0, 20.0, 26.0, 30.0, 40.0]
BASELINE = [0.0] * 8 + REACHED + [np.nan] * 3


def test_time_to_alignment_is_censored_not_averaged():
    from sim.runner import time_rows

    rows = time_rows(summary_of(BASELINE))
    reached, above, median = rows["reached_50"], rows["started_above_50"], rows["weeks_to_50_median"]
    assert reached["mean"] == pytest.approx(17 / 20) and 0 <= reached["low"] < 17 / 20 < reached["high"] <= 1
    assert above["mean"] == pytest.approx(8 / 20)
    # Kaplan-Meier over the 12 runs that started below 0.5 (3 censored at the horizon, not dropped):
    # survival falls by 1/12 at each of the 9 events, to one half at the 6th
    assert median["n"] == 12 and median["mean"] == REACHED[5]
    assert median["low"] <= median["mean"] <= median["high"]
    # with most runs never reaching it, the median is not reached (not the mean of the few that did)
    few = time_rows(summary_of([3.0, 4.0] + [np.nan] * 8))["weeks_to_50_median"]
    assert np.isinf(few["mean"])


def test_a_programme_that_moves_a_run_from_never_to_week_79_does_not_look_slower():
    from sim.metrics import BETTER
    from sim.runner import paired_differences, time_rows

    programme = list(BASELINE)
    programme[-1] = 79.0  # one run that never got there now gets there at week 79
    base, prog = summary_of(BASELINE), summary_of(programme)
    assert time_rows(prog)["weeks_to_50_median"]["mean"] <= time_rows(base)["weeks_to_50_median"]["mean"]
    diff = paired_differences(prog, base, BETTER)
    assert diff["reached_50"]["diff"] == pytest.approx(1 / 20)
    assert diff["weeks_to_50_median"]["diff"] <= 0
    assert diff["weeks_to_50_median"]["p_better"] > 0.5  # better in one pair, tied in the rest


def test_reports_state_the_time_origin_and_drop_the_mean_of_times(tmp_path):
    from sim.report import KEY
    from sim.runner import run

    res = run(load_scenario(small_scenario(tmp_path)), reps=3, jobs=1)
    table = res.table()
    assert "weeks_to_50" not in table.index and {"reached_50", "weeks_to_50_median"} <= set(table.index)
    assert "weeks_to_50" not in KEY and "start of the change" in KEY["weeks_to_50_median"][2]


# --------------------------------------------------------------------------- 2: ranges


def test_intervals_respect_the_range_of_counts_shares_and_times():
    from sim.runner import outcome_table
    from sim.stats import band

    rare = np.array([0.0] * 9 + [1.0])  # one person left in one of ten runs: a t-interval goes below 0
    share = np.array([0.0] * 8 + [0.02, 0.01])
    table = outcome_table(summary_of([np.nan] * 10, turnover=rare, line_of_sight_mean=share))
    for col, x in (("turnover", rare), ("line_of_sight_mean", share)):
        row = table.loc[col]
        assert x.min() <= row["low"] <= row["mean"] <= row["high"] <= x.max()
        assert x.min() <= row["predict_low"] <= row["predict_high"] <= x.max()
    burnout = np.zeros((30, 10))
    burnout[10:, 0] = 2.0  # burnout in one run out of ten
    mean, low, high = band(burnout)
    assert (low >= 0).all() and (low <= mean).all() and (mean <= high).all() and (high <= 2).all()


def test_a_real_run_has_no_impossible_interval(tmp_path):
    from sim.runner import run

    res = run(load_scenario(small_scenario(tmp_path)), reps=4, jobs=1)
    table = res.table()
    for col in res.summary.columns.drop(["rep", "weeks_to_50", "weeks_to_80"]):
        x = res.summary[col].dropna()
        if len(x) >= 2:
            assert x.min() - 1e-12 <= table.loc[col, "low"] and table.loc[col, "high"] <= x.max() + 1e-12, col


# --------------------------------------------------------------------------- 8: per 100 people


def test_people_who_left_is_reported_per_100_people(tmp_path):
    from sim.report import KEY_METRICS
    from sim.runner import run

    sc = load_scenario(small_scenario(tmp_path, parameters={"p_quit": 0.02}))
    res = run(sc, reps=2, jobs=1)
    assert (res.summary["turnover"] > 0).any()
    assert np.allclose(res.summary["turnover_per_100"], 100 * res.summary["turnover"] / sc.people)
    assert np.allclose(res.summary["burnout_mean_per_100"], 100 * res.summary["burnout_mean"] / sc.people)
    assert "turnover_per_100" in [m[0] for m in KEY_METRICS] and "turnover" not in [m[0] for m in KEY_METRICS]


# --------------------------------------------------------------------------- 3: plain scripts


def test_a_plain_script_without_a_main_guard_runs_jobs_and_workers_once(tmp_path):
    """Workers never import the caller's script: it runs once, returns, and prints no traceback
    (before: every worker ran the script again, thousands of tracebacks, never returning)."""
    scenario = small_scenario(tmp_path)
    spec = write(tmp_path / "sw.yaml", {"name": "sw", "base": str(scenario), "horizon": 3,
                                        "replications": 2, "parameters": {"role_clarity": [0.3, 0.8]}})
    script = tmp_path / "plain.py"
    script.write_text(textwrap.dedent(f"""
        import sim
        print("body")
        res = sim.run(sim.load_scenario({str(scenario)!r}), reps=2, jobs=2)
        table = sim.sweep({str(spec)!r}, {str(tmp_path / "out")!r}, workers=2)
        print("done", res.reps, len(table), (table["status"] == "ok").all())
    """))
    try:
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              timeout=240, cwd=tmp_path)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the script never returned; stderr began: {(exc.stderr or b'')[:300]!r}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["body", "done", "2", "4", "True"]
    assert "Traceback" not in proc.stderr
    assert 'if __name__ == "__main__":' in (ROOT / "README.md").read_text()


# --------------------------------------------------------------------------- 9: HR-export tops


@pytest.mark.parametrize("top_manager", ["own id", "N/A", "#N/A", "none"])
def test_hr_export_conventions_for_the_top_person_are_read_as_the_top(tmp_path, top_manager):
    from sim.orgchart import describe, generate, read_chart, write_table

    table = generate(40, "flat", 5)
    path = write_table(table, tmp_path / "plain.csv")
    plain = read_chart(path)
    top = table["manager_id"].astype(str).str.strip().isin(["", "nan", "None"])
    assert top.sum() == 1
    hr = table.copy()
    hr["manager_id"] = hr["manager_id"].astype(object)
    hr.loc[top, "manager_id"] = hr.loc[top, "person_id"] if top_manager == "own id" else top_manager
    chart = read_chart(write_table(hr, tmp_path / "hr.csv"))
    assert np.array_equal(chart.chart.bosses, plain.chart.bosses) and list(chart.ids) == list(plain.ids)
    text = describe(chart)
    assert "read as the top of the chart" in text
    assert ("their own id" in text) if top_manager == "own id" else (repr(top_manager) in text)
    assert any("read as the top" in note for note in chart.notes)


# --------------------------------------------------------------------------- 7: what differs


@pytest.fixture(scope="module")
def programme_comparison(tmp_path_factory):
    """A small baseline against a programme that differs in three assumptions."""
    from sim.runner import compare

    tmp = tmp_path_factory.mktemp("cmp")
    base = small_scenario(tmp, name="base", horizon=30)
    prog = write(tmp / "prog.yaml", {"extends": "base.yaml", "name": "programme",
                                     "parameters": {"role_clarity": 0.85, "feedback": 0.5},
                                     "interventions": {10: {"capability_investment": 0.02}, 20: "pivot"}})
    return compare([load_scenario(base), load_scenario(prog)], reps=3, jobs=1)


def test_the_comparison_report_says_which_assumptions_differ_and_marks_interventions(programme_comparison, tmp_path):
    from sim.report.summary import assumptions

    diff = assumptions(programme_comparison)
    assert set(diff.index) == {"role_clarity", "feedback", "week 10", "week 20"}
    assert diff.loc["feedback"].tolist() == ["0", "0.5"] and diff.loc["week 20", "programme"] == "forced pivot"
    folder = programme_comparison.save(tmp_path / "c")
    page = (folder / "report.html").read_text()
    assert "Assumptions that differ" in page and "capability_investment = 0.02" in page
    assert page.index("Assumptions that differ") < page.index("<h2>Results</h2>")  # on the first page
    # figures: slide quality, in SVG too, with the interventions marked
    from PIL import Image

    png = folder / "figures" / "alignment.png"
    assert Image.open(png).info["dpi"][0] >= 199 and png.with_suffix(".svg").is_file()
    svg = png.with_suffix(".svg").read_text()
    assert "capability_investment" in svg and "forced pivot" in svg


def test_client_text_names_no_seed_articles_and_no_missing_model_md():
    for path in (ROOT / "scenarios").rglob("*.yaml"):
        text = path.read_text()
        assert "seed articles" not in text, path
        assert "MODEL.md" not in text or (ROOT / "MODEL.md").exists() or (ROOT / "docs" / "MODEL.md").exists(), path


# --------------------------------------------------------------------------- the consultant's path


def test_consultant_path_end_to_end_compare_three_costed_alternatives_and_read_the_files_back(tmp_path):
    """A fresh client scenario, three alternatives with costs, `cascade compare --export xlsx pptx`:
    the files open, and their ranking, probabilities and costs are the run's own (recomputed
    here from replications.csv)."""
    import openpyxl
    from pptx import Presentation

    from sim.metrics import BETTER
    from sim.report.summary import DEFAULT_OBJECTIVES

    base = small_scenario(tmp_path, name="insurer", horizon=20, replications=4, seed=11,
                          description="A fictional insurer (small for the test).")
    write(tmp_path / "forums.yaml", {
        "extends": "insurer.yaml", "name": "forums",
        "interventions": {10: {"feedback": 0.5}},
        "costs": {"feedback": {"per_manager_per_week": 10, "fixed": 500}}})
    write(tmp_path / "clarity.yaml", {
        "extends": "insurer.yaml", "name": "clarity",
        "parameters": {"role_clarity": 0.85, "capability_investment": 0.02},
        "costs": {"role_clarity": {"per_manager_per_week": 5},
                  "capability_investment": {"per_point_per_manager_per_week": 1000}, "fixed": 1000}})
    out = tmp_path / "out"
    proc = cli("compare", base, tmp_path / "forums.yaml", tmp_path / "clarity.yaml", "--jobs", 1,
               "--export", "xlsx", "pptx", "--out", out)
    assert proc.returncode == 0, proc.stderr
    folder = next((out).glob("compare-*/*"))
    reps = pd.read_csv(folder / "replications.csv")
    labels = ["insurer", "forums", "clarity"]
    assert sorted(reps["alternative"].unique()) == sorted(labels) and len(reps) == 12

    # the run's own numbers: means, paired wins, ranks and places
    wide = {m: reps.pivot(index="rep", columns="alternative", values=m)[labels] for m in DEFAULT_OBJECTIVES
            if m in reps}
    reached = (reps.assign(r=reps["weeks_to_50"].notna().astype(float))
               .pivot(index="rep", columns="alternative", values="r")[labels])
    wide["reached_50"] = reached
    objectives = [m for m in DEFAULT_OBJECTIVES if m in wide]
    means = pd.DataFrame({m: wide[m].mean() for m in objectives})
    ranks = pd.DataFrame({m: (-BETTER[m] * means[m]).rank(method="min") for m in objectives})
    place = ranks.mean(axis=1).rank(method="min").astype(int)

    def p_better(m, alt):
        d = (BETTER[m] * (wide[m][alt] - wide[m]["insurer"])).dropna()  # e.g. no initiative ended
        return ((d > 0).sum() + 0.5 * (d == 0).sum()) / len(d)

    book = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)
    assert {"Summary", "Costs", "Comparison", "Assumptions", "Replications", "Time series (mean)"} <= set(book.sheetnames)
    rows = list(book["Summary"].values)
    head, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert set(body) == set(labels) and "place" in head
    for alt in labels:
        assert body[alt]["place"] == place[alt]
        for m in objectives:
            assert body[alt][m] == pytest.approx(means.loc[alt, m])
            if alt != "insurer":
                assert body[alt][f"p_{m}"] == pytest.approx(p_better(m, alt))
    assert book["Replications"].max_row == 12 + 1

    # costs: forums pays for its feedback forums from week 10 (10 weeks), clarity for its levers
    from sim.costs import managers

    sc = load_scenario(base)
    n = managers(sc)
    cost_rows = list(book["Costs"].values)
    costs = {r[0]: r[1] for r in cost_rows[1:]}
    per_point = {r[0]: dict(zip(cost_rows[0], r)) for r in cost_rows[1:]}
    for alt in ("forums", "clarity"):  # extra cost per 0.01 of front-line alignment gained
        gain = 100 * (means.loc[alt, "action_alignment_mean"] - means.loc["insurer", "action_alignment_mean"])
        expected = costs[alt] / gain if gain > 0 else None
        assert per_point[alt]["cost_per_point_action_alignment_mean"] == (pytest.approx(expected) if expected else None)
    assert costs["insurer"] == 0
    assert costs["forums"] == pytest.approx(10 * n * 10 + 500)
    assert costs["clarity"] == pytest.approx(5 * n * 20 + 1000 * n * 0.02 * 20 + 1000)

    deck = Presentation(str(folder / "report.pptx"))
    figures = sorted((folder / "figures").glob("*.png"))
    slides = list(deck.slides)
    assert len(slides) == 1 + 1 + len(figures) + 1  # title, summary, a chart a slide, caveats
    summary_text = " ".join(cell.text for shape in slides[1].shapes if shape.has_table
                            for row in shape.table.rows for cell in row.cells)
    first_alt = [a for a in place.sort_values().index if a != "insurer"][0]
    assert f"beats it: {p_better(objectives[0], first_alt):.0%}" in summary_text
    assert any(shape.shape_type == 13 for shape in slides[2].shapes)  # a picture

    page = (folder / "report.html").read_text()
    assert "Cost and outcome per cost" in page and page.index("Summary") < page.index("<h2>Results</h2>")


def test_cascade_report_rebuilds_a_finished_folder_without_rerunning(tmp_path):
    import openpyxl

    scenario = small_scenario(tmp_path)
    out = tmp_path / "out"
    assert cli("run", scenario, "--reps", 2, "--jobs", 1, "--out", out).returncode == 0
    folder = next((out / "small").iterdir())
    before = pd.read_csv(folder / "replications.csv")
    (folder / "report.html").unlink()
    proc = cli("report", folder, "--export", "xlsx")
    assert proc.returncode == 0, proc.stderr
    assert (folder / "report.html").is_file() and (folder / "report.xlsx").is_file()
    pd.testing.assert_frame_equal(pd.read_csv(folder / "replications.csv"), before)  # nothing rerun
    book = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)
    rows = {r[0]: r for r in list(book["Summary"].values)[1:]}
    assert rows["alignment_mean"][1] == pytest.approx(before["alignment_mean"].mean())
    bad = cli("report", tmp_path)
    assert bad.returncode == 2 and "not a finished run" in bad.stderr and "Traceback" not in bad.stderr


def test_a_comparison_ranks_on_the_objectives_the_scenario_names(programme_comparison, tmp_path):
    from sim.report.summary import DEFAULT_OBJECTIVES, ranking
    from sim.runner import Comparison
    from sim.scenario import ScenarioError

    assert [c for c in ranking(programme_comparison).columns if c in DEFAULT_OBJECTIVES] == list(DEFAULT_OBJECTIVES)
    named = small_scenario(tmp_path, name="named", objectives=["trust_final", "fatigue_mean"])
    ref = programme_comparison.results[0]
    swapped = Comparison([type(ref)(load_scenario(named), ref.seed, ref.reps, ref.timeseries, ref.summary),
                          programme_comparison.results[1]])
    rank = ranking(swapped)
    assert [c for c in rank.columns if not c.startswith(("rank_", "p_")) and c not in ("mean_rank", "place")] == \
        ["trust_final", "fatigue_mean"]
    bad = small_scenario(tmp_path, name="bad", objectives=["alignmnt_mean"])
    with pytest.raises(ScenarioError, match=r"objectives: 'alignmnt_mean' is not an outcome.*alignment_mean"):
        load_scenario(bad)


@pytest.mark.parametrize("costs, fragment", [
    ({"feedback": {"per_week": 5}}, "costs.feedback.per_week: unknown cost kind; allowed: per_manager_per_week"),
    ({"feedback": {"fixed": -1}}, "costs.feedback.fixed = -1 is not allowed: expected a number >= 0"),
    ({"layers": {"fixed": 1}}, "costs.layers: not a lever"),
    ({"fixed": "lots"}, "costs.fixed = 'lots' is not allowed"),
])
def test_bad_costs_are_one_line_naming_the_field(tmp_path, costs, fragment):
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError) as info:
        load_scenario(small_scenario(tmp_path, costs=costs))
    message = str(info.value)
    assert fragment in message and "\n" not in message
