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
