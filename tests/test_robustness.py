"""The pattern robustness map (sim/robustness.py), on a tiny organisation and a few weeks."""

import numpy as np
import pandas as pd
import pytest

from sim import robustness as rb
from sim.cli import build_parser
from sim.params import BY_NAME

TINY = dict(org=dict(executives=1, layers=1, span=3), weeks=4)
# S6 and S12 share their conditions (feedback 0 -> 0.5): two patterns for the price of one.
PATTERNS = ("S6", "S12")


@pytest.fixture(scope="module")
def full():
    """Every behavioural parameter, r = 2, one seed."""
    return rb.robustness_map(r=2, reps=1, jobs=2, patterns=PATTERNS, **TINY)


def test_behavioural_parameters():
    assert len(rb.BEHAVIOURAL) == len(set(rb.BEHAVIOURAL)) > 30
    for name in rb.BEHAVIOURAL:
        p = BY_NAME[name]
        assert not p.structural and not p.choices and name not in rb.LEVERS
    for lever in ("translation_noise", "pivot_interval", "role_clarity", "feedback", "kpi_alignment"):
        assert lever not in rb.BEHAVIOURAL
    assert set(rb.CAPS) <= set(rb.BEHAVIOURAL)


def test_ranges_lie_within_the_documented_ranges():
    for name, (low, high) in rb.ranges().items():
        p = BY_NAME[name]
        assert p.low <= low < high <= p.high, name
        assert low <= p.default <= high, name
    assert rb.ranges()["theta"] == (-0.2, 0.8)
    assert rb.ranges()["initiative_deadline"] == (13.0, 104.0)


def test_design_is_seeded_and_in_range():
    unit, values = rb.design(2)
    unit2, values2 = rb.design(2)
    assert unit.shape == (2 * (len(rb.BEHAVIOURAL) + 1), len(rb.BEHAVIOURAL))
    np.testing.assert_array_equal(unit, unit2)
    pd.testing.assert_frame_equal(values, values2)
    for name, (low, high) in rb.ranges().items():
        assert values[name].between(low, high).all(), name


def test_shapes_and_every_parameter(full):
    indices, holds = full
    n = len(rb.BEHAVIOURAL)
    assert list(indices.columns[:6]) == ["pattern", "parameter", "mu_star", "sigma", "range_low", "range_high"]
    assert len(indices) == len(PATTERNS) * n
    for key in PATTERNS:
        assert set(indices.loc[indices["pattern"] == key, "parameter"]) == set(rb.BEHAVIOURAL)
    for _, row in indices.iterrows():
        p = BY_NAME[row["parameter"]]
        assert p.low <= row["range_low"] < row["range_high"] <= p.high
    assert list(holds["pattern"]) == list(PATTERNS)
    assert list(holds.columns[:3]) == ["pattern", "share_expected_sign", "points"]
    assert (holds["points"] == 2 * (n + 1)).all()
    assert holds["share_expected_sign"].between(0, 1).all()
    assert indices["mu_star"].notna().any()
    assert (indices["mu_star"].dropna() >= 0).all()


def test_same_call_twice_gives_the_same_numbers():
    kwargs = dict(r=2, reps=2, jobs=2, patterns=PATTERNS, parameters=["eta_p", "candour", "a_over"], **TINY)
    first, second = rb.robustness_map(**kwargs), rb.robustness_map(**kwargs)
    for a, b in zip(first, second):
        pd.testing.assert_frame_equal(a, b)
    assert len(first[0]) == 2 * 3 and (first[1]["points"] == 2 * 4).all()


def test_report(full, tmp_path):
    indices, holds = full
    text = rb.markdown(indices, holds)
    assert text.startswith("## Robustness map")
    assert "images/validation/robustness.png" in text
    for key in PATTERNS:
        assert f"| {key} |" in text and f"**{key}**" in text
    fig = rb.figure(indices, holds)
    fig.savefig(tmp_path / "robustness.png")
    assert len(fig.axes[0].get_xticklabels()) <= rb.TOP
    assert (tmp_path / "robustness.png").stat().st_size > 1000


def test_cli_arguments():
    parser = build_parser()
    args = parser.parse_args(["robustness", "--r", "3", "--reps", "2", "--jobs", "1", "--out", "x"])
    assert (args.r, args.reps, args.jobs, args.out) == (3, 2, 1, "x") and callable(args.func)
    with pytest.raises(SystemExit):
        parser.parse_args(["robustness", "--r", "1"])
    assert parser.parse_args(["robustness"]).weeks == rb.WEEKS
