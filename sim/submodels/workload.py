"""Workload, overload, fatigue, burnout and turnover (MODEL.md 4.6, 4.7)."""

from __future__ import annotations

import numpy as np

from ..members import at_rows, counts, per_selected, uniform_per_row
from ..state import (NEUTRAL, NEWCOMER_CONFIDENCE, NEWCOMER_TRAIT_SHARE, NEWCOMER_UNDERSTANDING,
                     START_COMMITMENT, BELIEF_SPREAD, bound, norm_plus, peer_weights, spread_around, take_rows)


def compute_load(org, st, p) -> None:
    """load = base + initiatives initiative_load + (span / span_capacity) (team_load + (1 - r)
    escalation_load) + dialogue and feedback costs, for everyone with reports; capacity is 1.
    (MODEL.md 10.4: a team of span_capacity reports at full role clarity is team_load.)"""
    leaders = org.leaders
    span = org.reports.sizes  # each leader's reports, in the order of the leaders' rows
    team = span / p.span_capacity
    load = (at_rows(org, p.base_load, leaders) + team * (p.team_load + (1 - take_rows(st.r, leaders)) * p.escalation_load)
            + at_rows(org, st.initiatives_now, leaders) * p.initiative_load
            + at_rows(org, p.dialogue, leaders) * p.dialogue_load * span
            + at_rows(org, p.feedback, leaders) * p.feedback_load)
    st.load = np.zeros(org.n)
    st.load[leaders] = load
    st.o = np.zeros(org.n)
    st.o[leaders] = np.maximum(load - 1.0, 0.0)


def apply_workload(org, st, p, dr) -> None:
    compute_load(org, st, p)
    # Managers absorb their team's anxiety.
    leaders = org.leaders  # the bosses of the staff: org.reports.keys, as a slice where it can be
    team_f = org.reports.sums(st.f[org.staff]) / org.reports.sizes
    st.f[leaders] = np.minimum(take_rows(st.f, leaders) + p.a_absorb * team_f, 1.0)


def apply_fatigue(org, st, p, dr) -> None:
    """f <- clip(f + a_over o (1 - f) - recovery f (1 - min(o, 1)) (1 + change_rewards))."""
    o = st.o
    rewards = at_rows(org, p.change_rewards, slice(0, org.n))
    st.f = np.clip(st.f + p.a_over * o * (1 - st.f)
                   - p.recovery * st.f * (1 - np.minimum(o, bound(1.0, len(o)))) * (1 + rewards), 0.0, 1.0)


def draw_turnover(org, st, p, rng) -> dict:
    leave_u = uniform_per_row(org, rng)
    staff = org.staff
    # The burnt out leave with p_leave a week; anyone may leave for ordinary reasons with p_quit.
    p_quit = at_rows(org, p.p_quit, staff)  # (one per member, where the members' values differ)
    chance = np.where(st.f[staff] >= p.f_burnout, p.p_leave + p_quit - p.p_leave * p_quit, p_quit)
    leavers = staff.start + np.flatnonzero(leave_u[staff] < chance)
    k = p.n_goals

    def newcomers(g, n):
        # Each newcomer's habit noise (k), frame (k), credibility, capability and role clarity,
        # drawn as alone: the numbers one after another, in one call (a newcomer a row).
        z = g.standard_normal(n * (2 * k + 3))
        return np.hstack([z[:n * k].reshape(n, k), z[n * k:2 * n * k].reshape(n, k), z[2 * n * k:].reshape(3, n).T])

    z = per_selected(org, rng, leavers, newcomers)  # for each leaver, from its organisation's stream
    return {
        "leavers": leavers,
        "habit_noise": z[:, :k],
        "zeta": z[:, k:2 * k],
        "kappa": spread_around(0.5 * NEWCOMER_TRAIT_SHARE, p.credibility_spread, z[:, 2 * k]),
        "c": spread_around(at_rows(org, p.capability, leavers) * NEWCOMER_TRAIT_SHARE, p.trait_spread, z[:, 2 * k + 1]),
        "r": spread_around(at_rows(org, p.role_clarity, leavers), p.trait_spread, z[:, 2 * k + 2]),
    }


def apply_turnover(org, st, p, dr) -> None:
    """A burnt-out person leaves with probability p_leave, anyone with p_quit; a newcomer takes the seat with the
    status-quo belief, little understanding, neutral commitment, no fatigue, and lower
    credibility and capability."""
    st.tenure += 1
    new = dr["leavers"]
    if not len(new):
        return
    h = norm_plus(at_rows(org, st.s0, new) + BELIEF_SPREAD * dr["habit_noise"])
    st.h[new] = h
    st.b[new] = h
    st.x[new] = h
    st.zeta[new] = dr["zeta"]
    st.u[new] = NEWCOMER_UNDERSTANDING
    st.m[new] = st.m0[new] = START_COMMITMENT
    st.f[new] = 0.0
    st.conf[new] = NEWCOMER_CONFIDENCE
    st.tau[new] = np.clip(at_rows(org, p.leadership_consistency, new) + st.trust_offset[new], 0, 1)
    st.kappa[new] = dr["kappa"]
    st.c[new] = dr["c"]
    st.r[new] = dr["r"]
    st.lam[new] = 0.0
    st.stance[new] = NEUTRAL
    st.tenure[new] = 0
    st.turnover += counts(org, new)
    if org.is_manager[new].any():
        st.peer_w = peer_weights(org, st.kappa)
