"""Unit tests of the mechanisms model v2 added (MODEL.md 10.2-10.5), against hand-computed cases.

The organisation is ``tiny`` of tests/test_submodels.py (1 executive, managers 1-2, employees 3-6)
with four goals, so that alignment (the centred cosine, computed here with ``np.corrcoef``) is not
just a sign. Expected values are worked out in the test from the formulas of docs/ODD.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_submodels import close, tiny

from sim.submodels import cascade, execution, feedback, leadership, peers, workload

S = np.array([0.7, 0.5, 0.3, 0.1])
S = S / np.linalg.norm(S)


def corr(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def four(**overrides):
    org, st, p = tiny(n_goals=4, **overrides)
    st.s = S.copy()
    return org, st, p


# ------------------------------------------------------------------------- 10.2 content

def test_adoption_hazard_and_relapse_follow_content():
    org, st, p = four(w_c=0.8, p_innov=0.2, q_imit=0.0, p_relapse=0.4, f_relapse=0.5, m_adopt=0.8)
    understood = np.array([0.7, 0.5, 0.3, 0.1])  # aligned belief (same ranking)
    confused = np.array([0.1, 0.3, 0.5, 0.7])  # reversed ranking
    st.b[1], st.b[2] = understood / np.linalg.norm(understood), confused / np.linalg.norm(confused)
    st.u[1], st.u[2] = 0.5, 0.9
    st.tau[1:3] = 1.0
    st.m[1:3], st.f[1:3] = 0.3, 0.0
    sense1 = 1 - 0.8 + 0.8 * 0.5 * corr(st.b[1], S)  # = 0.2 + 0.4 = 0.6
    sense2 = 1 - 0.8  # a reversed belief makes no sense of the change: max(0, A) = 0
    # Each adopts when its draw is below 0.2 * content.
    draws = {"adopt_u": np.full(7, 0.0), "relapse_u": np.ones(7)}
    draws["adopt_u"][1], draws["adopt_u"][2] = 0.2 * sense1 - 1e-9, 0.2 * sense2 + 1e-9
    peers.apply_adoption(org, st, p, draws)
    assert st.m[1] == 0.8 and st.m[2] == 0.3
    # Relapse: an exhausted adopter who makes no sense of the change relapses more readily.
    st.m[1:3], st.f[1:3] = 0.9, 0.9
    draws = {"adopt_u": np.ones(7), "relapse_u": np.ones(7)}
    draws["relapse_u"][1] = 0.4 * (2 - sense1) - 1e-9
    draws["relapse_u"][2] = 0.4 * (2 - sense2) - 1e-9
    peers.apply_adoption(org, st, p, draws)
    assert st.m[1] == pytest.approx(0.2) and st.m[2] == pytest.approx(0.2)
    draws["relapse_u"][1] = 0.4 * (2 - sense1) + 1e-9
    st.m[1:3] = 0.9
    peers.apply_adoption(org, st, p, draws)
    assert st.m[1] == 0.9 and st.m[2] == pytest.approx(0.2)


def test_content_weight_zero_is_the_bass_form():
    org, st, p = four(w_c=0.0)
    st.u[:] = 0.0
    close(peers.content(org, st, p, slice(0, 7)), np.ones(7))


def test_cascade_weight_grows_with_commitment_and_commitment_passes_with_content():
    org, st, p = four(eta=0.5, authority_weight=1.0, m_listen=0.6, eta_m=1.0, w_c=0.5,
                      translation_noise=0.0, rationale=0.0, conf_message=0.0, conf_surprise=0.0)
    st.load[:] = 0.5  # nothing dropped
    st.tau[:], st.f[:] = 1.0, 0.0
    st.b[0] = S
    start = np.array([0.1, 0.2, 0.3, 0.4])
    start = start / np.linalg.norm(start)
    st.b[1] = st.b[2] = start
    st.m[0], st.m[1], st.m[2] = 1.0, 0.0, 1.0
    st.u[1] = st.u[2] = 0.5
    dr = {"xi": np.zeros((7, 4)), "deliver_u": np.zeros(7), "why_u": np.ones(7)}
    cascade.apply(org, st, p, dr)
    w1, w2 = 0.5 * (1 - 0.6), 0.5 * 1.0  # the uncommitted listen less
    for row, w in ((1, w1), (2, w2)):
        expected = (1 - w) * start + w * S
        close(st.b[row], expected / np.linalg.norm(expected))
    sense = 1 - 0.5 + 0.5 * 0.5 * max(0.0, corr(start, S))  # start is reversed: sense = 0.5
    close(st.m[1:3], [0.0 + w1 * sense * (1.0 - 0.0), 1.0])


def test_confidence_falls_with_surprise():
    org, st, p = four(eta=0.2, authority_weight=1.0, m_listen=0.0, translation_noise=0.0,
                      conf_message=0.1, conf_surprise=0.5, rationale=0.0)
    st.load[:] = 0.5
    st.tau[:], st.f[:] = 1.0, 0.0
    st.b[0] = S
    st.b[1] = S  # agrees
    reverse = S[::-1].copy()
    st.b[2] = reverse  # disagrees
    st.conf[1:3] = 0.5
    dr = {"xi": np.zeros((7, 4)), "deliver_u": np.zeros(7), "why_u": np.ones(7)}
    dr["deliver_u"][3:] = 1.0  # employees' messages are dropped (load 0.5 < 1 would deliver: force)
    st.load[1:3] = 2.0  # managers overloaded: delivery chance 1/2, draws of 1.0 drop
    cascade.apply(org, st, p, dr)
    surprise2 = (1 - corr(S, reverse)) / 2
    raised = 0.5 + 0.1 * 0.5
    close(st.conf[1:3], [raised, raised - 0.5 * surprise2 * raised])
    close(st.conf[3:], 0.3 * np.ones(4))  # dropped messages change nothing (START_CONFIDENCE)
    assert st.delivered == pytest.approx(2 / 6)


# ------------------------------------------------------------------------- 10.3 results loop

def test_visible_progress_lifts_commitment_and_trust_by_line_of_sight():
    org, st, p = four(k_win=0.5, theta=0.0, a_split=0.0, initiative_effort=2.0, kpi_alignment=1.0)
    st.b[:] = S
    st.h[:] = S
    st.m[:], st.tau[:], st.f[:] = 0.5, 0.6, 0.0
    execution.apply(org, st, p, {})
    engagement = 1.0 * (0.5 + 0.5 * 0.6)
    gain = engagement * 0.5 * 1.0  # effort = engagement * commitment; work fully on target
    assert st.progress == pytest.approx(gain)
    lift = 0.5 * gain / 2.0 * 1.0  # k_win * share of the initiative * line of sight (1)
    close(st.m[1:], 0.5 + lift * 0.5)
    close(st.tau[1:], 0.6 + lift * 0.4)
    assert st.m[0] == 0.5  # the executive's are not changed by what they see


def test_progress_behind_the_deadline_pace_wears_commitment_and_trust():
    """Repenning's loop without results: each week the initiative's progress falls short of the pace
    its deadline needs (1 / deadline of it a week), everyone below the top loses k_pace times the
    share of that pace missed times the squared share of the deadline the initiative has run
    (patience runs out as the deadline nears); at or above the pace, or in its first week, nothing."""
    def week(aim, deadline, ran_weeks):
        org, st, p = four(k_pace=0.1, k_win=0.0, theta=0.0, a_split=0.0, initiative_effort=2.0,
                          initiative_deadline=deadline, kpi_alignment=1.0, pivot_interval=0.0)
        st.b[:], st.h[:] = aim, aim
        st.m[:], st.tau[:], st.f[:] = 0.5, 0.6, 0.0
        st.week, st.initiative_start = 10 + ran_weeks, 10
        execution.apply(org, st, p, {})  # on target: 0.8 * 0.5 = 0.4 a week, 0.2 of the initiative
        assert st.m[0] == 0.5
        return st
    for aim, behind in ((S[::-1], 1.0), (S, 1.0 - 0.2 * 4.0)):  # work off target; a fifth a week
        for ran in (1, 2, 4, 6):
            st = week(aim, 4.0, ran)
            loss = 0.1 * behind * min(1.0, ran / 4.0) ** 2
            close(st.m[1:], 0.5 * (1 - loss) * np.ones(6))
            close(st.tau[1:], 0.6 * (1 - loss) * np.ones(6))
    close(week(S[::-1], 4.0, 0).m[1:], 0.5 * np.ones(6))  # its first week: no verdict yet
    close(week(S, 5.0, 3).m[1:], 0.5 * np.ones(6))  # 0.2 a week: the pace of a 5-week deadline


def test_failed_initiative_cuts_commitment_and_trust():
    org, st, p = four(k_fail=0.2, initiative_deadline=10.0, pivot_interval=0.0)
    st.m[:], st.tau[:] = 0.5, 0.6
    st.week, st.initiative_start = 20, 5
    leadership.apply_pivots(org, st, p, {"pivot_u": 0.99, "z": S, "z_exec": S[None]})
    assert st.failed == 1
    close(st.m[1:], 0.4 * np.ones(6))
    close(st.tau[1:], 0.48 * np.ones(6))
    assert st.m[0] == 0.5


def test_a_pivot_abandons_an_initiative_at_the_cost_of_its_own_shocks_only():
    """A pivot drops the initiative (counted as failed) without the deadline's k_fail: with the
    pivot's own shocks switched off, nobody loses commitment or trust."""
    org, st, p = four(k_fail=0.2, initiative_deadline=20.0, pivot_interval=4.0, pivot_schedule="fixed",
                      m_pivot_loss=0.0, tau_pivot_loss=0.0, a_pivot=0.0, u_pivot_loss=0.0,
                      conf_pivot_loss=0.0, leadership_alignment=1.0)
    st.m[:], st.tau[:] = 0.5, 0.6
    st.week, st.initiative_start = 8, 3
    leadership.apply_pivots(org, st, p, {"pivot_u": 0.99, "z": S, "z_exec": S[None]})
    assert st.failed == 1 and st.pivots == 1 and st.initiative_start == 8
    close(st.m[1:], 0.5 * np.ones(6))
    close(st.tau[1:], 0.6 * np.ones(6))


# ------------------------------------------------------------------------- 10.4 workload

def test_load_scales_with_span_over_capacity():
    org, st, p = four(base_load=0.2, team_load=0.4, escalation_load=0.3, span_capacity=4.0,
                      initiative_load=0.1, dialogue=0.0, feedback=0.0)
    st.initiatives_now = 2
    st.r[:3] = [1.0, 0.5, 0.0]
    workload.compute_load(org, st, p)
    team = 2 / 4.0
    close(st.load[:3], [0.2 + 0.2 + team * (0.4 + (1 - r) * 0.3) for r in (1.0, 0.5, 0.0)])


def test_anyone_may_quit_and_the_burnt_out_more_often():
    org, st, p = four(p_quit=0.1, p_leave=0.5, f_burnout=0.7)
    st.f[:] = 0.0
    st.f[5] = 0.8
    rng = np.random.default_rng(0)
    u = rng.random(7)
    dr = workload.draw_turnover(org, st, p, np.random.default_rng(0))
    chance = np.where(st.f >= 0.7, 0.5 + 0.1 - 0.05, 0.1)
    expected = [i for i in range(1, 7) if u[i] < chance[i]]
    assert list(dr["leavers"]) == expected


# ------------------------------------------------------------------------- 10.5 perception

def test_executives_perceive_reports_or_deliveries():
    org, st, p = four(candour=0.5, eta_p=0.4)
    st.b[3] = S
    st.b[4] = S[::-1]  # manager 1's team: aligned and reversed
    st.b[5] = st.b[6] = S  # manager 2's team: aligned
    st.tau[1], st.tau[2] = 0.8, 0.2
    st.perceived = 1.0
    heard = np.array([1, 2])
    feedback.perceive(org, st, p, heard)
    team1 = (1.0 + corr(S[::-1], S)) / 2
    says = [1 - 0.5 * 0.8 * (1 - team1), 1 - 0.5 * 0.2 * 0.0]
    assert st.perceived == pytest.approx(1.0 + 0.4 * (np.mean(says) - 1.0))
    st.perceived, st.delivered = 1.0, 0.7
    feedback.perceive(org, st, p, np.array([], dtype=int))
    assert st.perceived == pytest.approx(1.0 + 0.4 * (0.7 - 1.0))
    # candour 0: every report says all is well, so the executives learn nothing
    st.perceived = 1.0
    feedback.perceive(org, st, p.model_copy(update={"candour": 0.0}), heard)
    assert st.perceived == 1.0
