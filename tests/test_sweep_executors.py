"""The same table from the serial executor, a process pool, a Dask cluster on 127.0.0.1 and the local
Dask cluster the executor starts itself; a sweep killed with SIGKILL mid-way and resumed equals an
uninterrupted one. Tiny organisations (40 people)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.sweep import load_runs, load_timeseries, sweep

SPEC = {"name": "exec", "base": "baseline", "horizon": 20, "replications": 2,
        "set": {"executives": 1, "layers": 2, "span": 3, "pivot_interval": 13.0, "role_clarity": 0.5,
                "champion_share": 0.1, "defender_share": 0.2},
        "parameters": {"role_clarity": {"low": 0.1, "high": 0.9, "steps": 3},
                       "champion_share": [0.1, 0.9], "defender_share": [0.05, 0.5]},
        "timeseries": {"every": 5, "columns": ["alignment", "fatigue"]}}


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "exec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


@pytest.fixture(scope="module")
def serial(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return sweep(spec_file, out, workers=1), load_timeseries(out / "exec")


def test_serial_table_has_every_run_once(serial):
    table, series = serial
    assert list(table["run"]) == list(range(3 * 2 * 2 * 2))
    assert (table["status"] == "error").sum() == 3 * 2  # champion 0.9 + defender 0.5 > 1 at 3 points
    ok = table.loc[table["status"] == "ok", "run"]
    assert sorted(series["run"].unique()) == sorted(ok)
    assert sorted(series["week"].unique()) == [0, 5, 10, 15, 20]


def test_process_pool_gives_the_identical_table(serial, spec_file, tmp_path):
    table = sweep(spec_file, tmp_path, workers=2)
    pd.testing.assert_frame_equal(table, serial[0], check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "exec"), serial[1], check_exact=True)


def test_dask_local_cluster_gives_the_identical_table(serial, spec_file, tmp_path):
    """``--executor dask`` without a scheduler: the executor starts (and stops) its own cluster."""
    pytest.importorskip("distributed")
    table = sweep(spec_file, tmp_path, executor="dask", workers=2)
    pd.testing.assert_frame_equal(table, serial[0], check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "exec"), serial[1], check_exact=True)


def test_dask_cluster_gives_the_identical_table(serial, spec_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40, death_timeout=30) as cluster:
        table = sweep(spec_file, tmp_path, executor="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(table, serial[0], check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "exec"), serial[1], check_exact=True)


def test_killed_sweep_resumes_to_the_same_table(serial, spec_file, tmp_path):
    # More, slower runs than above so the kill lands mid-way; a shard every 2 runs.
    spec = {**SPEC, "horizon": 40, "replications": 6}
    path = tmp_path / "exec.yaml"
    path.write_text(yaml.safe_dump(spec))
    code = ("import sys; from sim.sweep import sweep; "
            "sweep(sys.argv[1], sys.argv[2], workers=2, shard_runs=2)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(path), str(tmp_path / "killed")],
                            start_new_session=True, stderr=subprocess.PIPE)
    shards = tmp_path / "killed" / "exec" / "runs"
    deadline = time.monotonic() + 120
    while len(list(shards.glob("part-*.parquet"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes, without warning
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    partial = load_runs(tmp_path / "killed" / "exec")
    total = 12 * 6
    assert 2 <= len(partial) < total and partial["run"].is_unique

    resumed = sweep(path, tmp_path / "killed", workers=1)
    assert resumed["run"].is_unique and len(resumed) == total  # no run twice (each shard's runs once), none lost

    whole = sweep(path, tmp_path / "whole", workers=1)
    pd.testing.assert_frame_equal(resumed, whole, check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "killed" / "exec"),
                                  load_timeseries(tmp_path / "whole" / "exec"), check_exact=True)
