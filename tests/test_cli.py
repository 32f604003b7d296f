"""The real `cascade` command in a subprocess: every bundled scenario, bad input, reproducibility,
comparisons, the report, Ctrl-C. Runs are kept small with --reps and --set."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.scenario import bundled

ROOT = Path(__file__).resolve().parents[1]
CASCADE = Path(sys.executable).with_name("cascade")
SMALL = ["--set", "horizon=10", "executives=1", "layers=2", "span=3"]


def cascade(*args, cwd=None, module=False, timeout=120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim"] if module or not CASCADE.exists() else [str(CASCADE)]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def result_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*/*") if p.is_dir())


class Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables, self.tags = [], 0, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "table":
            self.tables += 1


def check_report(path: Path, min_figures: int) -> Report:
    text = path.read_text(encoding="utf-8")
    parser = Report()
    parser.feed(text)
    parser.close()
    assert text.lstrip().startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert parser.tables >= 1 and "h1" in parser.tags
    assert len(parser.images) >= min_figures
    for src in parser.images:  # self-contained: every figure embedded as a PNG
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    return parser


# --------------------------------------------------------------------------- happy paths


@pytest.mark.parametrize("name", sorted(bundled()))
def test_run_every_bundled_scenario(name, tmp_path):
    proc = cascade("run", name, "--reps", "2", "--jobs", "1", *SMALL, "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    [out] = result_dirs(tmp_path)
    assert out.parent.name == name
    assert str(out.relative_to(tmp_path)) in proc.stdout.replace(os.sep, "/") or out.name in proc.stdout
    assert "Strategy alignment" in proc.stdout and "95% interval" in proc.stdout
    for f in ("scenario.yaml", "run.json", "timeseries.parquet", "summary.csv", "replications.csv", "report.html"):
        assert (out / f).is_file(), f
    summary = pd.read_csv(out / "summary.csv", index_col="metric")
    assert {"mean", "low", "high"} <= set(summary.columns)
    assert "alignment_mean" in summary.index
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert sorted(ts["rep"].unique()) == [0, 1] and ts["week"].max() == 10
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {"alignment_by_level", "confidence_vs_alignment", "adoption", "fatigue_burnout",
            "initiatives"} <= figures
    check_report(out / "report.html", min_figures=5)


def test_same_seed_gives_identical_files(tmp_path):
    runs = []
    for k, jobs in enumerate(("1", "2")):  # and the number of processes does not matter
        out = tmp_path / str(k)
        proc = cascade("run", "baseline", "--reps", "3", "--seed", "42", "--jobs", jobs, *SMALL, "--out", out)
        assert proc.returncode == 0, proc.stderr
        [d] = result_dirs(out)
        runs.append(d)
    a, b = runs
    files = ["scenario.yaml", "summary.csv", "replications.csv", "timeseries.parquet",
             *(f"figures/{p.name}" for p in (a / "figures").glob("*.png"))]
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert "seed: 42" in (a / "scenario.yaml").read_text()  # (test_runner: it repeats the run)


def test_compare_gives_intervals_of_differences(tmp_path):
    proc = cascade("compare", "baseline", "enabled", "--variant", "feedback=0.6 dialogue=0.3",
                   "--reps", "3", *SMALL, "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    [out] = result_dirs(tmp_path)
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["alternative"].unique()) == ["baseline", "enabled",
                                                   "baseline [feedback=0.6 dialogue=0.3]"]
    ref = table[table["alternative"] == "baseline"]
    assert (ref["diff"].fillna(0) == 0).all()
    others = table[(table["alternative"] != "baseline") & table["metric"].isin(
        ["alignment_mean", "overload_mean", "fatigue_mean"])]
    assert len(others) == 6
    assert others[["diff_low", "diff_high"]].notna().all().all()
    assert (others["diff_low"] <= others["diff"]).all() and (others["diff"] <= others["diff_high"]).all()
    assert "diff" in proc.stdout
    check_report(out / "report.html", min_figures=4)
    assert len(list((out / "scenarios").glob("*.yaml"))) == 3


def test_list_through_python_m_sim():
    proc = cascade("list", module=True)  # python -m sim works too
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == sorted(bundled())


def test_validate_and_params(capsys):
    from sim.cli import main

    assert main(["validate", "enabled", "--set", "horizon=20"]) == 0
    assert "enabled [horizon=20]: valid" in capsys.readouterr().out
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert "role_clarity" in out and "pivot_interval" in out
    assert main(["params", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Parameter reference")


# --------------------------------------------------------------------------- bad input


# Each kind of bad input once through the real command, the rest in-process (same main()).
BAD = [
    (["run", "baselin"], "did you mean 'baseline'"),
    (["run", "baseline", "--set", "rol_clarity=0.5"], "did you mean 'role_clarity'"),
    (["run", "baseline", "--set", "role_clarity=2"], "role_clarity"),
    (["run", "baseline", "--reps", "0"], "--reps"),
    (["run", "{broken}"], "parameters.feedback = 7"),
    (["run", "{unsafe}"], "not valid YAML"),
    (["compare", "baseline"], "at least two"),
]
BAD_IN_PROCESS = [
    (["run", "no_such_scenario"], "no_such_scenario"),
    (["run", "baseline", "--set", "role_clarity"], "expected name=value"),
    (["run", "baseline", "--set", "horizon=0"], "horizon"),
    (["run", "baseline", "--jobs", "many"], "--jobs"),
    (["run", "baseline", "--seed", "-1"], "--seed"),
    (["validate", "{broken}"], "parameters.feedback = 7"),
    (["validate", "{typo}"], "did you mean 'goals'"),
    (["compare", "baseline", "--variant", "nonsense"], "--variant"),
    (["compare", "baseline", "{broken}"], "broken.yaml"),
    (["app", "{missing}"], "missing.yaml"),
    (["frobnicate"], "invalid choice"),
]


def _files(tmp_path, args):
    (tmp_path / "broken.yaml").write_text("extends: baseline.yaml\nparameters: {feedback: 7}\n")
    (tmp_path / "unsafe.yaml").write_text("x: !!python/object/apply:os.getcwd []\n")
    (tmp_path / "typo.yaml").write_text("extends: baseline.yaml\ngoalz: []\n")
    names = {k: tmp_path / f"{k}.yaml" for k in ("broken", "unsafe", "typo", "missing")}
    args = [a.format(**names) for a in args]
    return [*args, "--out", str(tmp_path / "out")] if args[0] in ("run", "compare") else args


@pytest.mark.parametrize("args,fragment", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(args, fragment, tmp_path):
    proc = cascade(*_files(tmp_path, args))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert fragment in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args,fragment", BAD_IN_PROCESS, ids=[" ".join(a) for a, _ in BAD_IN_PROCESS])
def test_more_bad_input(args, fragment, tmp_path, capsys):
    from sim.cli import main

    try:
        code = main(_files(tmp_path, args))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and fragment in err, err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- safety


def test_ctrl_c_leaves_no_result_folder(tmp_path):
    out = tmp_path / "out"
    cmd = [str(CASCADE) if CASCADE.exists() else sys.executable, *([] if CASCADE.exists() else ["-m", "sim"]),
           "run", "baseline", "--reps", "400", "--jobs", "2", "--set", "horizon=60", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "CASCADE_PROGRESS": "1"})
    try:
        seen = b""
        deadline = time.monotonic() + 60
        while b"/400" not in seen and time.monotonic() < deadline:  # the run has started
            chunk = proc.stderr.read1(256)
            if not chunk:
                break
            seen += chunk
        assert b"/400" in seen, seen
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert b"nothing was written" in err and b"Traceback" not in err
    assert not out.exists() or not any(out.rglob("*"))


def test_existing_result_folder_is_never_overwritten(tmp_path, monkeypatch):
    from datetime import datetime

    import sim.cli

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2030, 1, 2, 3, 4, 5)

    monkeypatch.setattr(sim.cli, "datetime", Frozen)
    base = tmp_path / "baseline"
    (base / "20300102-030405").mkdir(parents=True)
    assert sim.cli._new_dir(base).name == "20300102-030405-2"
