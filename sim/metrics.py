"""The outputs of MODEL.md section 6, as pure functions of the state.

``measure`` returns one row (a flat dict) per week; ``summarise`` turns a run's rows into the
per-run summary. Columns ending in ``_<d>`` are by level: 0 executives, 1..L middle-management
layers, L+1 employees (for a client's chart, d is the depth in the tree).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .geometry import CAN_STATE, CLEAR, alignment, focus, names_top
from .members import at_rows, means, shares, strategies
from .org import Org
from .state import State, take_rows
from .submodels.execution import engagement


def by_level(org: Org, values: np.ndarray) -> np.ndarray:
    """Mean of a per-person value over each level (rows are sorted by level); of a condition
    (booleans), the share of each level that meets it. For an ensemble, (levels, members): NaN
    where a member has no such level."""
    if org.members is None:
        return np.add.reduceat(values, org.level_start[:-1], dtype=np.float64) / np.diff(org.level_start)
    starts, member, lengths = org.members.runs(slice(0, org.n))  # (a run is a level of a member)
    out = np.full((org.levels, org.members.count), np.nan)
    out[org.depth[starts], member] = np.add.reduceat(values, starts, dtype=np.float64) / lengths
    return out


# Columns by level (``<name>_<d>``): a member of an ensemble shallower than others has fewer.
LEVEL_METRICS = ("alignment", "can_state", "focus", "names_top", "understanding", "confidence",
                 "fatigue", "commitment")


def measure(org: Org, st: State, p) -> dict:
    """One week's outputs. Alignment is the centred cosine with the strategy (``sim.geometry``):
    0 for a random or a vague priority mix, 1 for the strategy, below 0 for a reversed ranking.
    For an ensemble (``sim.members``), each output is an array with one value per member."""
    k = st.s.shape[-1]
    # Slices where the rows are contiguous (views, no copies): measuring must stay cheap beside the step.
    people, managers, emp = org.staff, org.managers, org.employees
    one = org.members is None
    s = strategies(org, st)

    def mean(values, rows, empty=np.nan):
        return means(org, values, rows, empty)

    def share(condition, rows, empty=np.nan):
        return shares(org, condition, rows, empty)

    a = alignment(st.b, s, unit=True)
    x = take_rows(st.x, emp)
    act = take_rows(st.sight, emp)  # set with x by the execution submodel
    e = engagement(st, emp)
    a_people, m_people, f_people = a[people], st.m[people], st.f[people]
    a_emp, o_managers = take_rows(a, emp), take_rows(st.o, managers)
    row = {"week": st.week if one else np.full(org.members.count, st.week)}
    row["alignment"] = mean(a_people, people)
    row["alignment_managers"] = mean(take_rows(a, managers), managers, 0.0)
    row["alignment_employees"] = mean(a_emp, emp)
    row["understanding_employees"] = mean(take_rows(st.u, emp), emp)
    row["action_alignment"] = mean(act, emp)
    row["line_of_sight"] = share(act >= CLEAR, emp)
    row["understanding"] = mean(st.u[people], people)
    row["confidence"] = mean(st.conf[people], people)
    row["clarity_gap"] = row["confidence"] - share(a_people >= CLEAR, people)
    row["perceived_alignment"] = st.perceived
    row["illusion_gap"] = st.perceived - row["alignment"]
    row["adoption"] = share(take_rows(st.m, managers) >= 0.5, managers, 0.0)
    row["support"] = share(m_people >= 0.5, people)
    row["commitment"] = mean(m_people, people)
    row["fatigue"] = mean(f_people, people)
    row["overload"] = mean(o_managers, managers, 0.0)
    row["overloaded"] = share(o_managers > 0, managers, 0.0)
    burnt_out = f_people >= p.f_burnout
    row["burnout"] = int(np.count_nonzero(burnt_out)) if one else org.members.sums(burnt_out, people).astype(np.int64)
    row["turnover"] = st.turnover
    row["trust"] = mean(st.tau[people], people)
    row["engagement"] = mean(e, emp)
    row["team_alignment_sd"], row["engagement_between_share"] = _team_spread(org, a_emp, e)
    execution = _execution(org, e, x)
    for g in range(k):
        row[f"execution_{g}"] = execution[..., g]
    if one:
        row["bsc_balance"] = 1 - 0.5 * np.abs(execution / max(execution.sum(), 1e-12) - st.s / st.s.sum()).sum()
    else:  # (a row per member)
        total = np.maximum(execution.sum(axis=1), 1e-12)[:, None]
        row["bsc_balance"] = 1 - 0.5 * np.abs(execution / total - st.s / st.s.sum(axis=1)[:, None]).sum(axis=1)
    row["initiatives_launched"] = st.launched
    row["initiatives_succeeded"] = st.succeeded
    row["initiatives_failed"] = st.failed
    row["initiative_progress"] = st.progress
    row["concurrent_initiatives"] = st.initiatives_now
    row["pivots"] = st.pivots
    focused, top = focus(st.b, rowwise=not one), names_top(st.b, s)
    row["focus"] = mean(focused[people], people)
    row["names_top"] = share(top[people], people)
    for name, values in (("alignment", a), ("can_state", a >= CAN_STATE), ("focus", focused),
                         ("names_top", top),
                         ("understanding", st.u), ("confidence", st.conf), ("fatigue", st.f),
                         ("commitment", st.m)):
        for d, v in enumerate(by_level(org, values)):
            row[f"{name}_{d}"] = v
    if not one:  # (copies: the state's per-member arrays change in place)
        return {key: np.array(v) for key, v in row.items()}
    return {key: float(v) if not isinstance(v, int) else v for key, v in row.items()}


def _execution(org: Org, e: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The mean of e x over the employees (K,), per member (R, K) for an ensemble."""
    if org.members is None:
        return e @ x / len(e)  # (the product summed by BLAS: e[:, None] * x is slow)
    return np.stack([means(org, e * column, org.employees, 0.0) for column in x.T], axis=1)


def _team_spread(org: Org, cos_emp, e):
    """Spread of alignment across teams (distortion, S6) and the between-team share of the
    variance in engagement (managers explain most of it, E5); per member for an ensemble."""
    size = org.teams.sizes
    mean_cos = org.teams.sums(cos_emp) / size
    mean_e = org.teams.sums(e) / size
    if org.members is None:
        total = e.var()
        between = np.average((mean_e - e.mean()) ** 2, weights=size)
        return float(mean_cos.std()), float(min(between / total, 1.0)) if total > 0 else 0.0
    teams, emp = org.team_leaders, org.employees  # (each member's teams: rows of their leaders)
    spread = mean_cos - at_rows(org, means(org, mean_cos, teams), teams)
    sd = np.sqrt(means(org, spread * spread, teams))
    e_mean = means(org, e, emp)
    deviation = e - at_rows(org, e_mean, emp)
    total = means(org, deviation * deviation, emp)
    between_e = mean_e - at_rows(org, e_mean, teams)
    between = org.members.sums(size * between_e * between_e, teams) / org.members.sums(size, teams)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sd, np.where(total > 0, np.minimum(between / total, 1.0), 0.0)


SUMMARY_METRICS = ("alignment", "alignment_managers", "alignment_employees",
                   "understanding_employees", "action_alignment", "line_of_sight", "focus",
                   "names_top", "understanding", "confidence", "clarity_gap", "illusion_gap", "adoption",
                   "support", "fatigue", "overload", "burnout", "trust", "engagement",
                   "team_alignment_sd", "bsc_balance")


# Which way is better for the client (+1 higher, -1 lower), per summary outcome (and the censored
# times of sim.runner.time_rows): how reports colour differences and count paired wins.
BETTER = {"alignment_mean": 1, "alignment_final": 1, "action_alignment_mean": 1, "action_alignment_final": 1,
          "line_of_sight_mean": 1, "line_of_sight_final": 1, "understanding_final": 1,
          "understanding_mean": 1, "clarity_gap_mean": -1, "illusion_gap_mean": -1,
          "adoption_final": 1, "adoption_mean": 1, "reached_50": 1, "reached_80": 1,
          "weeks_to_50_median": -1, "weeks_to_80_median": -1,
          "failure_rate": -1, "fatigue_mean": -1, "peak_fatigue": -1, "overload_mean": -1,
          "burnout_mean": -1, "burnout_mean_per_100": -1, "turnover": -1, "turnover_per_100": -1,
          "trust_final": 1, "trust_mean": 1, "engagement_mean": 1, "bsc_balance_mean": 1}


def summarise(ts: pd.DataFrame) -> dict:
    """Per-run summary: final and time-averaged values, weeks to 50% and 80% alignment
    (alignment, on its chance-0 scale), failure rate, peak fatigue, turnover."""
    out = {}
    for name in SUMMARY_METRICS:
        out[f"{name}_final"] = float(ts[name].iloc[-1])
        out[f"{name}_mean"] = float(ts[name].mean())
    for share in (50, 80):
        reached = np.flatnonzero(ts["alignment"].to_numpy() >= share / 100)
        out[f"weeks_to_{share}"] = float(ts["week"].iloc[reached[0]]) if len(reached) else np.nan
    last = ts.iloc[-1]
    ended = last["initiatives_failed"] + last["initiatives_succeeded"]
    out["failure_rate"] = float(last["initiatives_failed"] / ended) if ended else np.nan
    out["initiatives_failed"] = int(last["initiatives_failed"])
    out["initiatives_succeeded"] = int(last["initiatives_succeeded"])
    out["peak_fatigue"] = float(ts["fatigue"].max())
    out["turnover"] = int(last["turnover"])
    out["pivots"] = int(last["pivots"])
    return out
