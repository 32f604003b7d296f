"""The direction of everyone's work, the initiative's progress from the employees' effort, and the
results people see (MODEL.md 4.8-4.9, 10.3)."""

from __future__ import annotations

import numpy as np

from ..geometry import alignment
from ..members import any_of, at_departments, at_rows, flags, means, strategies
from ..state import bound, per_person, take_rows, take_runs, unit
from .leadership import launch_initiative, lose_heart


def kpi_weight(p) -> float | np.ndarray:
    """Strength of departments' KPI pull: misaligned KPIs, strengthened by silos (per member of an
    ensemble whose members' ``kpi_alignment`` differ)."""
    return (1 - p.kpi_alignment) * p.lambda_kpi * (1 + p.k_silo * (1 - p.cross_silo_ties))


def engagement(st, rows) -> np.ndarray:
    return (1 - take_rows(st.f, rows)) * (0.5 + 0.5 * take_rows(st.tau, rows))


def apply(org, st, p, dr) -> None:
    # Everyone below the executives works along x: a contiguous block of rows, so nothing is
    # gathered; the initiative and the outputs count the employees' work.
    staff, emp = org.staff, org.employees
    m = st.m[staff][:, None]
    kpi = per_person((at_departments(org, kpi_weight(p)) * st.kpi_pull)[:, None] * st.kpi_bias)  # per department
    x = st.x[staff]  # a view: written in place
    np.multiply(st.b[staff], m, out=x)
    x += np.multiply(st.h[staff], 1 - m)
    x += take_runs(kpi, org.staff_depts)
    unit(x)
    if not org.n_employees:
        return
    sight = st.sight  # how well each person's work aims at the strategy (the outputs read it too)
    sight[staff] = alignment(x, strategies(org, st, staff), unit=True)
    on_target = np.maximum(bound(0.0, org.n_employees), take_rows(sight, emp) - p.theta) / (1 - p.theta)
    effort = engagement(st, emp) * take_rows(st.m, emp)  # engaged and committed people push it on
    pushed = effort * on_target
    gain = (np.mean(pushed) if org.members is None else means(org, pushed, emp, empty=0.0)) / (
        1 + p.a_split * (st.initiatives_now - 1))
    st.progress += gain
    share = np.minimum(gain, p.initiative_effort) / p.initiative_effort  # of a whole initiative, this week
    behind = np.maximum(0.0, 1.0 - share * p.initiative_deadline)  # share of the deadline's pace missed
    if p.k_pace and any_of(behind > 0):  # no visible results: commitment and trust wear away (Repenning),
        ran = np.minimum(1.0, (st.week - st.initiative_start) / p.initiative_deadline)  # patience runs out
        lose_heart(st, staff, at_rows(org, p.k_pace * behind * ran * ran, staff))  # as the deadline nears
    see_results(org, st, p, staff, sight[staff], share)
    done = flags(st.progress >= p.initiative_effort)
    if any_of(done):
        st.succeeded += done
        launch_initiative(st, done)


def see_results(org, st, p, staff, sight, share) -> None:
    """The results loop (MODEL.md 10.3, Repenning 2002): visible progress, ``share`` of a whole
    initiative this week (per member of an ensemble), closes ``k_win`` of the gap to full commitment
    and trust per whole initiative, for each person in proportion to their line of sight (their
    work's alignment)."""
    if not p.k_win or not any_of(share > 0):
        return
    lift = np.maximum(sight, 0.0)
    lift *= at_rows(org, p.k_win * np.maximum(share, 0.0), staff)
    for values in (st.m, st.tau):
        v = values[staff]  # a view: v += lift (1 - v)
        v *= 1 - lift
        v += lift
