"""Property-based tests over the valid parameter space (strategies built from sim.params.PARAMS).

Structures are kept small (at most 2 executives, 2 layers, span 3) so an example takes a few
milliseconds; everything else ranges over its whole allowed range or set of choices. Hypothesis
runs derandomized (a fixed seed), so the examples are the same on every run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from conftest import params

from sim import Employee, Executive, MiddleManager, OrgModel
from sim.params import PARAMS

WEEKS = 12
SMALL = dict(executives=(1, 2), layers=(1, 2), span=(1, 3), n_goals=(2, 5), peer_degree=(0, 6))
# No shrinking: a failure prints its (unshrunk) example at once instead of spending minutes.
SETTINGS = dict(max_examples=80, deadline=None, derandomize=True,
                phases=(Phase.explicit, Phase.reuse, Phase.generate),
                suppress_health_check=[HealthCheck.too_slow])
ROUNDING = 1e-9  # shares are ratios of float sums: allow rounding, nothing more

# state arrays that are shares in [0, 1]
SHARES = ("u", "m", "m0", "f", "tau", "conf", "kappa", "c", "r", "lam")
# time-series columns that are shares in [0, 1]
SHARE_COLUMNS = ("line_of_sight", "focus", "names_top", "understanding", "understanding_employees",
                 "confidence", "perceived_alignment", "adoption", "support", "commitment", "fatigue",
                 "overloaded", "trust", "engagement", "engagement_between_share", "bsc_balance")
SHARE_PREFIXES = ("can_state_", "focus_", "names_top_", "understanding_", "confidence_", "fatigue_",
                  "commitment_", "execution_")
# alignments (centred cosines) in [-1, 1]
ALIGNMENT_COLUMNS = ("alignment", "alignment_managers", "alignment_employees", "action_alignment")


def _value(p):
    if p.choices:
        return st.sampled_from(p.choices)
    if p.name in SMALL:
        low, high = SMALL[p.name]
        return st.integers(low, high)
    if p.kind is int:
        return st.integers(int(p.low), int(p.high))
    return st.floats(p.low, p.high, allow_nan=False, allow_infinity=False)


@st.composite
def valid_params(draw):
    values = {p.name: draw(_value(p)) for p in PARAMS
              if p.name not in ("champion_share", "defender_share")}
    if draw(st.booleans()):  # a span per level
        values["span"] = draw(st.lists(st.integers(1, 3), min_size=values["layers"] + 1,
                                       max_size=values["layers"] + 1))
    values["champion_share"] = draw(st.floats(0.0, 1.0))
    values["defender_share"] = draw(st.floats(0.0, 1.0 - values["champion_share"]))
    return values


def share_columns(ts):
    return [c for c in ts.columns if c in SHARE_COLUMNS
            or (c.startswith(SHARE_PREFIXES) and c.rsplit("_", 1)[-1].isdigit())]


@settings(**SETTINGS)
@given(values=valid_params(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_everywhere(values, seed):
    model = OrgModel(rng=seed, **values)
    n = model.org.n
    counts = {cls: len(model.agents_by_type[cls]) for cls in (Executive, MiddleManager, Employee)}
    ts = model.run(WEEKS)
    s = model.state

    # no NaN or infinity, in the state or in the time series
    for name, value in vars(s).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), name
    assert np.all(np.isfinite(ts.to_numpy(dtype=float)))

    # beliefs, habits, work and the strategy: non-negative unit vectors
    for name in ("b", "h", "x"):
        v = getattr(s, name)
        assert np.all(v >= 0), name
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-9, err_msg=name)
    assert np.all(s.s >= 0) and abs(np.linalg.norm(s.s) - 1) < 1e-9

    # shares in [0, 1]
    for name in SHARES:
        v = getattr(s, name)
        assert np.all((v >= 0) & (v <= 1)), (name, v.min(), v.max())
    assert np.all((s.kpi_pull >= 0) & (s.kpi_pull <= 1))
    cols = share_columns(ts)
    assert "focus" in cols and "adoption" in cols
    shares = ts[cols].to_numpy(dtype=float)
    assert np.all((shares >= -ROUNDING) & (shares <= 1 + ROUNDING)), ts[cols].agg(["min", "max"]).T
    aligned = [c for c in ts.columns if c in ALIGNMENT_COLUMNS
               or (c.startswith("alignment_") and c.rsplit("_", 1)[-1].isdigit())]
    assert np.all(ts[aligned].abs().to_numpy() <= 1 + ROUNDING), ts[aligned].agg(["min", "max"]).T
    assert np.all(ts["clarity_gap"].abs() <= 1 + ROUNDING)
    assert np.all(ts["illusion_gap"].abs() <= 2 + ROUNDING)
    assert np.all(ts["overload"] >= 0)

    # head-count constant; cumulative counters never go down
    assert len(model.people) == n and len(s.b) == n
    assert {cls: len(model.agents_by_type[cls]) for cls in counts} == counts
    assert ts["burnout"].max() <= n
    for col in ("turnover", "initiatives_launched", "initiatives_failed", "initiatives_succeeded",
                "pivots"):
        assert np.all(np.diff(ts[col].to_numpy()) >= 0), col


@settings(**{**SETTINGS, "max_examples": 20})
@given(values=valid_params(), seed=st.integers(0, 2**32 - 2))
def test_same_seed_same_run_different_seed_different_run(values, seed):
    a = OrgModel(rng=seed, **values).run(6)
    b = OrgModel(rng=seed, **values).run(6)
    pd.testing.assert_frame_equal(a, b)
    c = OrgModel(rng=seed + 1, **values).run(6)
    assert not a.equals(c)


def test_head_count_constant_through_heavy_turnover():
    """Turnover must actually happen for the head-count property to mean something."""
    model = OrgModel(rng=3, **params(executives=2, layers=2, span=3, base_load=2.0, a_over=0.8,
                                     recovery=0.05, f_burnout=0.3, p_leave=0.5, pivot_interval=0.0))
    n = model.org.n
    counts = [len(model.agents_by_type[c]) for c in (Executive, MiddleManager, Employee)]
    ts = model.run(30)
    assert ts["turnover"].iloc[-1] > 10
    assert len(model.people) == n == len(model.state.f)
    assert [len(model.agents_by_type[c]) for c in (Executive, MiddleManager, Employee)] == counts
    assert model.summary()["turnover"] == ts["turnover"].iloc[-1]
