"""Client org charts (issue 9): reading, checks naming the rows, the model on any tree, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import OrgModel
from sim.cli import main
from sim.org import regular_bosses
from sim.orgchart import (ChartError, chart_from_table, describe, generate, picture, read_chart,
                          summary, write_table)
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "orgcharts" / "midsize_company.yaml"
SMALL = dict(peer_degree=4, n_goals=4)  # what a test depends on, set explicitly


def write(tmp_path: Path, text: str, name: str = "chart.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- round trip


@pytest.fixture(scope="module")
def synthetic():
    return generate(400, "typical", seed=7)


def test_round_trip_every_person_with_the_right_boss(tmp_path, synthetic):
    path = write_table(synthetic, tmp_path / "client.csv")
    oc = read_chart(path)
    model = OrgModel(np.random.default_rng(1), org_chart=oc.chart, **SMALL)
    back = oc.table(model.org.boss)
    assert model.org.n == len(synthetic)
    pairs = lambda t: set(zip(t["person_id"], t["manager_id"]))  # noqa: E731
    assert pairs(back) == pairs(synthetic)
    # rows as the model needs them: sorted by depth, bosses first, departments contiguous per level
    assert np.all(np.diff(model.org.depth) >= 0)
    has = model.org.boss >= 0
    assert np.all(model.org.boss[has] < np.flatnonzero(has))
    for d in range(1, model.org.levels):
        dept = model.org.dept[model.org.level(d)]
        assert np.all(np.diff(dept) >= 0)
    names = np.array(oc.department_names)[model.org.dept[has]]
    given = synthetic[synthetic["manager_id"] != ""]
    assert dict(zip(back["person_id"][has], names)) == dict(zip(given["person_id"], given["department"]))


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_parquet_and_excel_read_as_csv(tmp_path, suffix):
    small = chart_from_table(generate(60, seed=3), "x").table()
    small["department"] = "Ops"
    csv_chart = read_chart(write_table(small, tmp_path / "c.csv"))
    other = read_chart(write_table(small, tmp_path / f"c{suffix}"))
    assert list(other.ids) == list(csv_chart.ids)
    assert np.array_equal(other.bosses, csv_chart.bosses)


def test_numeric_ids_from_parquet_keep_their_form(tmp_path):
    table = pd.DataFrame({"id": [10, 11, 12], "manager": [None, 10, 10]})  # manager as float
    table.to_parquet(tmp_path / "c.parquet")
    oc = read_chart(tmp_path / "c.parquet")
    assert list(oc.table()["manager_id"]) == ["", "10", "10"]


def test_traits_and_departments_reach_the_model(tmp_path):
    path = write(tmp_path, "Person ID,Manager ID,Department,credibility,tenure,Name\n"
                           "A,,,,,Ann\nB,A,Sales,0.9,52,Bob\nC,B,,0.1,,Cy\nD,A,Ops,,3,Di\nE,D,,,,Ed\n")
    oc = read_chart(path)
    assert oc.notes and "Name" in oc.notes[0]  # extra columns: ignored, with a note
    assert set(oc.department_names) == {"Sales", "Ops"}
    model = OrgModel(np.random.default_rng(2), org_chart=oc.chart, **SMALL)
    row = {pid: i for i, pid in enumerate(oc.ids)}
    assert model.state.kappa[row["B"]] == 0.9 and model.state.kappa[row["C"]] == 0.1
    assert model.state.tenure[row["B"]] == 52 and model.state.tenure[row["D"]] == 3
    assert oc.department_names[model.org.dept[row["C"]]] == "Sales"  # empty cell: the boss's
    assert oc.department_names[model.org.dept[row["E"]]] == "Ops"


# --------------------------------------------------------------------------- broken charts

BROKEN = {
    "missing id": ("person_id,manager_id\nA,\n,A\nB,A\n", "missing person id at row 3"),
    "duplicate id": ("person_id,manager_id\nA,\nB,A\nB,A\n", "duplicate person ids: 'B' at rows 3 and 4"),
    "unknown manager": ("person_id,manager_id\nA,\nB,A\nC,Z\n", "row 4 (manager_id 'Z')"),
    "cycle": ("person_id,manager_id\nA,\nB,A\nC,D\nD,C\n", "cycle: 'C' -> 'D' -> 'C' (rows 4 and 5)"),
    # an HR export's own-id convention reads B as a second top (issue 15), not as a cycle
    "own manager": ("person_id,manager_id\nA,\nB,B\n", "2 people have no manager (rows 2 (id 'A') and 3 (id 'B')): "),
    "several roots": ("person_id,manager_id\nA,\nB,\nC,A\n", "2 people have no manager (rows 2 (id 'A') and 3 (id 'B'))"),
    "executive with a boss": ("person_id,manager_id,role\nA,,executive\nB,A,executive\nC,B,\n",
                              "row 3 (id 'B') have a manager"),
    "bad role": ("person_id,manager_id,role\nA,,\nB,A,boss\n", "role not allowed at row 3 ('boss')"),
    "bad trait": ("person_id,manager_id,capability\nA,,\nB,A,1.5\n", "capability not allowed at row 3 ('1.5')"),
    "no manager column": ("person_id,boss_name\nA,\n", "no manager_id column"),
    "header only": ("person_id,manager_id\n", "no people"),
    "empty file": ("", "the file is empty"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_broken_chart_gives_its_error(tmp_path, case):
    text, message = BROKEN[case]
    with pytest.raises(ChartError, match="^chart.csv: .*" + _re(message)):
        read_chart(write(tmp_path, text))


def _re(text: str) -> str:
    import re
    return re.escape(text)


def test_wrong_encoding_names_the_row(tmp_path):
    path = write(tmp_path, "person_id,manager_id\nA,\nRené,A\n", encoding="latin-1")
    with pytest.raises(ChartError, match="wrong encoding: row 3 is not UTF-8"):
        read_chart(path)


def test_several_roots_are_fine_as_an_executive_team(tmp_path):
    text = "person_id,manager_id,role\nA,,executive\nB,,executive\nC,A,\nD,B,\n"
    assert read_chart(write(tmp_path, text)).chart.bosses.tolist() == [-1, -1, 0, 1]
    plain = write(tmp_path, "person_id,manager_id\nA,\nB,\nC,A\nD,B\n", "plain.csv")
    assert (read_chart(plain, executives=["A", "B"]).depth == [0, 0, 1, 1]).all()
    with pytest.raises(ChartError, match="executives 'X': no person has that id"):
        read_chart(plain, executives=["A", "X"])


def test_a_scenario_on_a_broken_chart_does_not_load(tmp_path):
    write(tmp_path, "person_id,manager_id\nA,\nB,Z\n")
    (tmp_path / "s.yaml").write_text("org_chart: chart.csv\n")
    with pytest.raises(ScenarioError, match="org_chart: chart.csv: .*row 3 \\(manager_id 'Z'\\)"):
        load_scenario(tmp_path / "s.yaml")


# --------------------------------------------------------------------------- same as structure


def test_a_regular_tree_as_a_chart_gives_the_same_results_as_structure(tmp_path):
    bosses = regular_bosses(2, [3, 3, 4])
    ids = np.array([f"p{i}" for i in range(len(bosses))])
    pd.DataFrame({"person_id": ids, "manager_id": np.where(bosses >= 0, ids[bosses], "")}).to_csv(
        tmp_path / "regular.csv", index=False)
    common = "extends: baseline\nhorizon: 15\nparameters: {peer_degree: 4}\n"
    (tmp_path / "tree.yaml").write_text(common + "structure: {executives: 2, layers: 2, span: [3, 3, 4]}\n")
    (tmp_path / "chart.yaml").write_text(common + "org_chart: {file: regular.csv, executives: [p0, p1]}\n")
    series = []
    for name in ("tree", "chart"):
        sc = load_scenario(tmp_path / f"{name}.yaml")
        series.append(OrgModel(np.random.default_rng(11), **sc.model_kwargs()).run(sc.horizon))
    assert load_scenario(tmp_path / "chart.yaml").people == len(bosses)
    pd.testing.assert_frame_equal(series[0], series[1])


# --------------------------------------------------------------------------- generator, summary, picture


def test_generated_charts_are_irregular_and_reproducible():
    table = generate(1500, "typical", seed=5)
    assert table.equals(generate(1500, "typical", seed=5))
    oc = chart_from_table(table, "g")
    s = summary(oc)
    assert s["people"] == 1500 and s["executives"] == 1
    assert s["span"]["min"] < s["span"]["max"]
    assert len(s["employee_depths"]) >= 3  # leaves at several depths
    assert s["span"]["mixed"] > 0  # managers leading managers and employees at once
    sizes = [k for _, k in s["departments"]]
    assert max(sizes) > 3 * min(sizes)
    with pytest.raises(ValueError, match="shape 'round'"):
        generate(10, "round")


def test_summary_text_and_picture(synthetic):
    oc = chart_from_table(synthetic, "client.csv")
    text = describe(oc)
    assert text.startswith("client.csv: 400 people") and "spans of control" in text
    fig = picture(oc)
    boxes = fig.axes[0].collections[0]
    assert len(boxes.get_paths()) == 400


# --------------------------------------------------------------------------- command line


def test_cli_orgchart_generate_and_check(tmp_path, capsys):
    out = tmp_path / "gen.csv"
    assert main(["orgchart", "--generate", "300", "--seed", "1", "--out", str(out)]) == 0
    assert out.exists() and "300 people" in capsys.readouterr().out
    assert main(["orgchart", "--generate", "300", "--out", str(out)]) == 2  # never overwrites
    assert "exists already" in capsys.readouterr().err
    png = tmp_path / "gen.png"
    assert main(["orgchart", str(out), "--picture", str(png)]) == 0
    assert png.stat().st_size > 0 and "departments" in capsys.readouterr().out


def test_cli_orgchart_broken_chart_one_line_exit_2(tmp_path):
    path = write(tmp_path, "person_id,manager_id\nA,\nB,A\nB,A\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "orgchart", str(path)], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "cascade: error: chart.csv: duplicate person ids: 'B' at rows 3 and 4"]
    assert not (tmp_path / "results").exists()


def test_bundled_example_runs_through_cascade_run_and_keeps_only_ids(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(EXAMPLE), "--reps", "2", "--jobs", "1",
                           "--set", "horizon=6", "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    run = next((tmp_path / "midsize_company").iterdir())
    assert (run / "report.html").exists()
    ts = pd.read_parquet(run / "timeseries.parquet")
    assert len(ts) == 2 * 7
    assert all(pd.api.types.is_numeric_dtype(t) for t in ts.dtypes)  # aggregates, nobody's data
    assert "org_chart: " + str(EXAMPLE.with_suffix(".csv")) in (run / "scenario.yaml").read_text()


def test_no_other_chart_column_reaches_the_results(tmp_path):
    from sim.runner import run

    table = chart_from_table(generate(120, seed=2), "x").table()
    table["full_name"] = "SECRET-NAME"
    table["department"] = "SECRET-DEPT"
    write_table(table, tmp_path / "client.csv")
    (tmp_path / "s.yaml").write_text("org_chart: client.csv\nhorizon: 4\n")
    sc = load_scenario(tmp_path / "s.yaml")
    assert any("full_name" in note for note in sc.notes())
    out = run(sc, reps=1, seed=3).save(tmp_path / "out")
    for f in out.rglob("*"):
        if f.is_file() and f.suffix != ".png":
            assert b"SECRET" not in f.read_bytes(), f.name
