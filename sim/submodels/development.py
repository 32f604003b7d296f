"""Trust, rewards, capability development, reviews and KPI drift (MODEL.md 4.8, 4.9)."""

from __future__ import annotations

import numpy as np

from ..members import at_rows, means
from ..state import put_rows, take_rows, take_runs, unit


def boss_quality(st, rows) -> np.ndarray:
    """A manager's quality as a boss: (1 - f) (0.5 + 0.5 c), of ``rows``."""
    return (1 - take_rows(st.f, rows)) * (0.5 + 0.5 * take_rows(st.c, rows))


def apply_trust(org, st, p, dr) -> None:
    """Trust drifts to what leaders do; an employee's also to how good their boss is."""
    target = np.full(org.n, at_rows(org, p.leadership_consistency, slice(0, org.n)))
    emp, leaders = org.employees, org.team_leaders
    quality = boss_quality(st, leaders)
    q = np.empty(org.n)  # by row; only the team leaders' rows are read
    q[leaders] = quality
    # (how good a boss is, against the organisation's average boss: each member's own, in an ensemble)
    average = at_rows(org, means(org, quality, leaders), emp)
    boss = p.g_boss * (take_runs(q, org.teams) - average) + take_rows(st.trust_offset, emp)
    put_rows(target, emp, at_rows(org, p.leadership_consistency, emp) + boss)
    staff = org.staff
    tau = st.tau[staff]
    st.tau[staff] = np.clip(tau + p.delta_tau * (target[staff] - tau), 0, 1)


def apply_development(org, st, p, dr) -> None:
    """Rewards for change leadership lift managers' commitment; coaching builds capability."""
    managers = org.managers
    m, c = take_rows(st.m, managers), take_rows(st.c, managers)
    put_rows(st.m, managers, m + at_rows(org, p.change_rewards, managers) * p.delta_m * (1 - m))
    put_rows(st.c, managers, c + at_rows(org, p.capability_investment, managers) * (1 - c))


def apply_reviews(org, st, p, dr) -> None:
    """KPI pull drifts back to full strength; a review cuts it and aligns teams with managers."""
    st.kpi_pull += p.kpi_drift * (1 - st.kpi_pull)
    if p.review_interval <= 0 or st.week < st.next_review:
        return
    st.next_review = st.week + p.review_interval
    if st.week == 0:
        return
    st.kpi_pull *= 1 - p.review_strength
    rs = p.review_strength
    pull = take_runs(st.b, org.reports)  # the bosses' beliefs before anyone moves
    pull *= rs
    b = st.b[org.staff]  # a view: updated in place
    b *= 1 - rs
    b += pull
    unit(b)
