"""The pattern robustness map (sim/robustness.py), on a tiny organisation and a few weeks."""

import numpy as np
import pandas as pd
import pytest

from sim import robustness as rb
from sim import validation as v
from sim.cli import build_parser
from sim.params import BY_NAME, validate

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


def test_every_stylized_fact_is_screened():
    assert list(rb.BY_KEY) == list(v.STYLIZED_FACTS) == list(rb.WHICH)
    for check in rb.CHECKS:
        assert check.expected in "+-" and check.reps(3) >= 3
        for c in check.conditions:
            validate(**{**v.ORG, **c})
    assert rb.BY_KEY["S1"].a["layers"] < rb.BY_KEY["S1"].b["layers"]  # on the deeper organisation
    assert rb.BY_KEY["S9"].reps(3) == rb.BY_KEY["S14"].reps(3) == rb.SLOW_SEEDS


def test_the_statistics_at_a_point_are_validation_s():
    """S9 at a point is validation's peak week of the mean adoption curve less the week it must pass;
    S14 the mean over the seeds of the rise of support from the fewest to the most champions."""
    point, weeks = {**TINY["org"], "eta_p": 0.2}, 30
    lab = v.Lab(v.VALIDATION_ROOT, jobs=1)
    try:
        s9, sd = rb.BY_KEY["S9"].effect(lab, point, 2, weeks)
        curves = [ts["adoption"].to_numpy() for ts in lab.runs([{**point, "pivot_interval": 0.0}], 12, weeks)[0]]
        assert s9 == v.peak_week(curves) - v.PEAK_AFTER and np.isnan(sd)
        s14, sd = rb.BY_KEY["S14"].effect(lab, point, 2, weeks)
        low, high = lab.runs([{**point, "pivot_interval": 0.0, "champion_share": c}
                              for c in (v.CHAMPIONS[0], v.CHAMPIONS[-1])], 12, weeks)
        rise = np.array([v.sustained(b) - v.sustained(a) for a, b in zip(low, high)])
        assert s14 == pytest.approx(rise.mean(), abs=1e-12) and sd == pytest.approx(rise.std(ddof=1))
    finally:
        lab.close()


def test_new_patterns_in_the_map():
    indices, holds = rb.robustness_map(r=2, reps=1, jobs=2, patterns=("S1", "S9", "S14"), parameters=["eta_p"],
                                       **TINY)
    assert list(holds["pattern"]) == ["S1", "S9", "S14"] and list(holds["seeds"]) == [1, 12, 12]
    assert holds.loc[1, "seed_sd"] != holds.loc[1, "seed_sd"]  # S9: one number from all the seeds
    # S1: 2 organisations; S9: 1 condition on 12 seeds; S14: 2 on 12
    assert indices.attrs["settings"]["runs"] == 4 * (2 + 12 + 24)
    assert "S1" in rb.markdown(indices, holds)


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
