"""Unit tests per submodel (MODEL.md section 4) against small hand-computed cases.

Organisations: ``tiny`` is 1 executive, 1 middle layer, span 2 (7 people: executive 0, managers 1-2,
employees 3-6, departments {1, 3, 4} and {2, 5, 6}); ``small`` is 1 executive, 2 layers, span 2
(15 people: managers 1-2 and 3-6, employees 7-14), with complete peer graphs per level. Two goals,
so every vector below is easy to follow. The state is set by hand; each submodel's ``apply`` gets
hand-made draws; the expected values are worked out with plain arithmetic in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import params

from sim import OrgModel
from sim.params import BY_NAME
from sim.state import (NEUTRAL, NEWCOMER_CONFIDENCE, NEWCOMER_UNDERSTANDING, START_COMMITMENT,
                       peer_weights)
from sim.submodels import cascade, development, execution, feedback, leadership, peers, workload

TOL = 1e-12


def normp(v):
    """norm+ by hand: clip negatives, scale to unit length."""
    v = [max(x, 0.0) for x in v]
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def add(*terms):
    """Sum of (scalar, vector) terms."""
    return [sum(a * v[i] for a, v in terms) for i in range(len(terms[0][1]))]


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=0, atol=TOL)


def build(layers, **overrides):
    p = params(**{**dict(executives=1, layers=layers, span=2, n_goals=2, peer_degree=3,
                         cross_silo_ties=0.0), **overrides})
    model = OrgModel(rng=0, **p)
    return model.org, model.state, model.p


def tiny(**overrides):
    org, st, p = build(1, **overrides)
    assert org.n == 7 and list(org.boss) == [-1, 0, 0, 1, 1, 2, 2]
    return org, st, p


def small(**overrides):
    org, st, p = build(2, **overrides)
    assert org.n == 15 and list(org.boss[:7]) == [-1, 0, 0, 1, 1, 2, 2]
    return org, st, p


# ------------------------------------------------------------------------------ 4.1 pivots

PIVOT = dict(pivot_magnitude=0.5, a_pivot=0.2, tau_pivot_loss=0.05, m_pivot_loss=0.4,
             u_pivot_loss=0.5, conf_pivot_loss=0.2, initiative_effort=2.0,
             initiative_deadline=50.0, initiatives=3, leadership_alignment=1.0)


def pivot_state(st):
    st.s = np.array([1.0, 0.0])
    staff = slice(1, None)
    st.f[staff], st.tau[staff], st.m[staff], st.u[staff], st.conf[staff] = 0.3, 0.5, 0.5, 0.4, 0.6
    st.f[0], st.tau[0] = 0.1, 0.9
    st.progress, st.initiative_start, st.launched, st.failed, st.pivots = 1.0, 1, 2, 0, 0
    st.initiatives_now, st.n_repeat = 1, 4


def pivot_draws(u=0.99):
    return {"pivot_u": u, "z": np.array([0.0, 1.0]), "z_exec": np.array([[0.6, 0.8]])}


def test_fixed_pivot_shocks_everyone_below_the_top():
    org, st, p = tiny(pivot_interval=5.0, pivot_schedule="fixed", **PIVOT)
    pivot_state(st)
    st.week = 5
    leadership.apply_pivots(org, st, p, pivot_draws())
    # unfinished = 1 - 1.0 / 2.0 = 0.5; mu = 0.5
    close(st.f[1:], [0.3 + 0.2 * 0.5] * 6)
    close(st.tau[1:], [0.5 - 0.05] * 6)
    close(st.m[1:], [0.5 * (1 - 0.5 * 0.4)] * 6)
    close(st.u[1:], [0.4 * (1 - 0.5 * 0.5)] * 6)
    close(st.conf[1:], [0.6 * (1 - 0.5 * 0.2)] * 6)
    close(st.s, normp([0.5, 0.5]))
    # executives: the new strategy (full alignment), the why, commitment, confidence; no shock
    close(st.b[0], normp([0.5, 0.5]))
    assert (st.u[0], st.m[0], st.conf[0], st.f[0], st.tau[0]) == (1.0, 1.0, 1.0, 0.1, 0.9)
    assert (st.pivots, st.failed, st.launched) == (1, 1, 3)
    assert (st.progress, st.initiative_start, st.n_repeat, st.initiatives_now) == (0.0, 5, 0, 3)


def test_fixed_pivot_not_due_between_pivots():
    org, st, p = tiny(pivot_interval=5.0, pivot_schedule="fixed", **PIVOT)
    pivot_state(st)
    st.week = 4
    f, b = st.f.copy(), st.b.copy()
    leadership.apply_pivots(org, st, p, pivot_draws(u=0.0))
    assert st.pivots == 0 and st.failed == 0
    close(st.f, f)
    close(st.b, b)


@pytest.mark.parametrize("u, pivots", [(0.19, 1), (0.21, 0)])
def test_poisson_pivot_hazard(u, pivots):
    org, st, p = tiny(pivot_interval=5.0, pivot_schedule="poisson", **PIVOT)
    pivot_state(st)
    st.week = 3
    leadership.apply_pivots(org, st, p, pivot_draws(u=u))  # due when u < 1 / 5
    assert st.pivots == pivots


def test_no_pivot_in_week_zero_or_when_interval_is_zero():
    org, st, p = tiny(pivot_interval=5.0, pivot_schedule="poisson", **PIVOT)
    pivot_state(st)
    st.week = 0
    leadership.apply_pivots(org, st, p, pivot_draws(u=0.0))
    assert st.pivots == 0
    org, st, p = tiny(pivot_interval=0.0, pivot_schedule="poisson", **PIVOT)
    pivot_state(st)
    st.week = 7
    leadership.apply_pivots(org, st, p, pivot_draws(u=0.0))
    assert st.pivots == 0


def test_forced_pivot_and_divided_top_team():
    org, st, p = tiny(pivot_interval=0.0, **{**PIVOT, "leadership_alignment": 0.6})
    pivot_state(st)
    st.week, st.force_pivot = 7, True
    leadership.apply_pivots(org, st, p, pivot_draws())
    assert st.pivots == 1 and st.force_pivot is False
    s = normp([0.5, 0.5])
    close(st.s, s)
    close(st.b[0], normp(add((0.6, s), (0.4, [0.6, 0.8]))))  # the executive's own version


def test_missed_deadline_fails_the_initiative_without_a_shock():
    org, st, p = tiny(pivot_interval=0.0, **{**PIVOT, "initiative_deadline": 10.0})
    pivot_state(st)
    st.week, st.initiative_start = 11, 1
    f = st.f.copy()
    leadership.apply_pivots(org, st, p, pivot_draws())
    assert (st.failed, st.launched, st.initiative_start, st.progress, st.pivots) == (1, 3, 11, 0.0, 0)
    close(st.f, f)


# ------------------------------------------------------------------------------ 4.3 broadcast

BROADCAST = dict(communication="both", broadcast_interval=13.0, c_b=1.0, translation_noise=1.0,
                 eta_b=0.5, nu=0.5, a_repeat=0.02, conf_broadcast=0.3)


def broadcast_state(st):
    st.s = np.array([1.0, 0.0])
    staff = slice(1, None)
    st.u[staff], st.tau[staff], st.f[staff], st.conf[staff] = 0.5, 0.8, 0.5, 0.4
    st.zeta[staff] = [0.0, 1.0]
    st.b[staff] = [0.0, 1.0]
    st.week, st.next_broadcast, st.n_repeat = 3, 3.0, 1


def test_broadcast_moves_belief_and_confidence_not_understanding():
    org, st, p = tiny(**BROADCAST)
    broadcast_state(st)
    b0 = st.b[0].copy()
    leadership.apply_broadcast(org, st, p, {})
    msg = normp([1.0, 1.0 * 1.0 * (1 - 0.5) * 1.0])  # s + c_b sigma0 (1 - u) zeta
    w = 0.5 * 0.8 * (1 - 0.5) * 0.5**1  # eta_b tau (1 - f) nu^n_repeat = 0.1
    expected = normp(add((1 - w, [0.0, 1.0]), (w, msg)))
    for j in range(1, 7):
        close(st.b[j], expected)
    close(st.conf[1:], [0.4 + 0.3 * 0.6] * 6)
    close(st.f[1:], [0.5 + 0.02] * 6)  # a repeat tires
    close(st.u[1:], [0.5] * 6)
    close(st.b[0], b0)
    assert st.n_repeat == 2 and st.next_broadcast == 16.0


def test_first_broadcast_does_not_tire():
    org, st, p = tiny(**BROADCAST)
    broadcast_state(st)
    st.n_repeat = 0
    leadership.apply_broadcast(org, st, p, {})
    close(st.f[1:], [0.5] * 6)
    assert st.n_repeat == 1


def test_broadcast_never_makes_a_belief_zero():
    """Edge of the parameter space: a fresh broadcast at full weight (eta_b = 1, trust 1, no
    fatigue) read through a frame that clips every priority away: norm+ gives the zero vector,
    and a belief must stay a unit vector (MODEL.md 2)."""
    org, st, p = tiny(**{**BROADCAST, "eta_b": 1.0, "c_b": 3.0, "translation_noise": 3.0})
    broadcast_state(st)
    st.n_repeat, st.tau[:], st.f[:], st.u[:] = 0, 1.0, 0.0, 0.0
    st.s = np.array([0.6, 0.8])
    st.zeta[1] = [-1.0, -1.0]  # s + 9 zeta = (-8.4, -8.2)
    leadership.apply_broadcast(org, st, p, {})
    assert np.linalg.norm(st.b[1]) == pytest.approx(1.0, abs=1e-9)
    close(st.b[2], normp([0.6 + 9 * 0.0, 0.8 + 9 * 1.0]))  # others read it as usual (w = 1)


@pytest.mark.parametrize("communication, week", [("both", 2), ("cascade", 3)])
def test_no_broadcast_before_due_or_without_the_channel(communication, week):
    org, st, p = tiny(**{**BROADCAST, "communication": communication})
    broadcast_state(st)
    st.week = week
    b, conf = st.b.copy(), st.conf.copy()
    leadership.apply_broadcast(org, st, p, {})
    close(st.b, b)
    close(st.conf, conf)
    assert st.n_repeat == 1


# ------------------------------------------------------------------------------ 4.2 cascade

CASCADE = dict(translation_noise=0.5, strategy_clarity=0.6, translation_persistence=0.64,
               dialogue=0.25, gamma_u=0.5, eta=0.5, authority_weight=0.5, eta_m=1.0,
               conf_message=0.1, k_rush=1.0, communication="both")


def cascade_case():
    org, st, p = tiny(**CASCADE)
    st.rationale_now = 0.3
    st.b[0], st.u[0], st.m[0], st.kappa[0], st.load[0], st.informed[0] = [1.0, 0.0], 1.0, 1.0, 0.6, 1.6, True
    for i in (1, 2):
        st.b[i], st.u[i], st.m[i], st.tau[i], st.f[i], st.conf[i], st.c[i] = [0.0, 1.0], 0.2, 0.3, 0.8, 0.5, 0.5, 0.5
    st.kappa[1], st.load[1], st.o[1] = 0.4, 1.25, 0.25
    st.kappa[2], st.load[2], st.o[2] = 0.2, 1.0, 0.0
    for j in (3, 4, 5, 6):
        st.b[j], st.u[j], st.m[j], st.tau[j], st.f[j], st.conf[j] = [1.0, 0.0], 0.1, 0.3, 1.0, 0.0, 0.5
        st.zeta[j] = [0.0, 1.0]
    st.b[3] = [0.0, 1.0]
    st.zeta[1], st.zeta[2], st.zeta[5] = [-1.0, 0.5], [0.0, 0.0], [0.0, 0.0]
    xi = np.zeros((7, 2))
    xi[1], xi[3] = [0.5, 0.5], [1.0, 0.0]
    deliver_u = np.array([0.0, 0.5, 0.7, 0.3, 0.9, 0.1, 0.99])
    why_u = np.array([0.0, 0.1, 0.0, 0.9, 0.0, 0.9, 0.0])
    before = {k: getattr(st, k).copy() for k in ("b", "u", "m", "conf")}
    cascade.apply(org, st, p, {"xi": xi, "deliver_u": deliver_u, "why_u": why_u})
    return st, before


def test_cascade_executive_to_manager():
    st, _ = cascade_case()
    # sigma_exec = 0.5 (1 - 0.6) = 0.2; noise = 0.8 (1 - 0.25) zeta + 0.6 xi = (-0.3, 0.6)
    msg1 = normp([1.0 + 0.2 * -0.3, 0.0 + 0.2 * 0.6])
    # delivered: 0.5 * load 1.6 < 1; carries the why: 0.1 < 0.3
    assert st.u[1] == pytest.approx(0.2 + 0.5 * (1.0 - 0.2) * (1 + 0.25), abs=TOL)  # 0.7
    w = 0.5 * 0.8 * (1 - 0.5) * (0.5 + 0.5 * 0.6)  # eta tau (1 - f) credibility = 0.16
    close(st.b[1], normp(add((1 - w, [0.0, 1.0]), (w, msg1))))
    assert st.m[1] == pytest.approx(0.3 + w * 1.0 * (1.0 - 0.3), abs=TOL)
    assert st.conf[1] == pytest.approx(0.5 + 0.1 * 0.5, abs=TOL)
    assert st.informed[1]


def test_cascade_dropped_by_an_overloaded_sender():
    st, before = cascade_case()
    # manager 2: 0.7 * load 1.6 >= 1: dropped, nothing changes, the chain is broken
    for k in ("b", "u", "m", "conf"):
        close(getattr(st, k)[2], before[k][2])
    assert not st.informed[2]
    # employee 4: 0.9 * manager 1's load 1.25 >= 1: dropped
    for k in ("b", "u", "m", "conf"):
        close(getattr(st, k)[4], before[k][4])
    assert not st.informed[4]


def test_cascade_goes_level_by_level_from_the_top():
    st, _ = cascade_case()
    # manager 1 passes on what it believes *after* hearing from the executive this week
    w1 = 0.16
    b1 = normp(add((1 - w1, [0.0, 1.0]), (w1, normp([0.94, 0.12]))))
    u1, m1 = 0.7, 0.3 + 0.16 * 0.7
    sigma1 = 0.5 * (1 - 0.5 * u1) * (1 + 1.0 * 0.25)  # capability, understanding, rushed by overload
    noise = [0.8 * 0.75 * 0.0 + 0.6 * 1.0, 0.8 * 0.75 * 1.0 + 0.6 * 0.0]  # zeta_3 (0, 1), xi_3 (1, 0)
    msg3 = normp([b1[0] + sigma1 * noise[0], b1[1] + sigma1 * noise[1]])
    w3 = 0.5 * 1.0 * 1.0 * (0.5 + 0.5 * 0.4)  # = 0.35
    close(st.b[3], normp(add((1 - w3, [0.0, 1.0]), (w3, msg3))))
    # no why (0.9 >= 0.3), but dialogue still passes some on: gamma_u gap * (0 + dialogue)
    assert st.u[3] == pytest.approx(0.1 + 0.5 * (u1 - 0.1) * 0.25, abs=TOL)
    assert st.m[3] == pytest.approx(0.3 + w3 * 1.0 * (m1 - 0.3), abs=TOL)
    assert st.informed[3]


def test_cascade_delivered_but_not_informed_below_a_broken_link():
    st, _ = cascade_case()
    # employee 5 hears manager 2 (0.1 * load 1.0 < 1) but manager 2 missed this week's message
    w5 = 0.5 * 1.0 * 1.0 * (0.5 + 0.5 * 0.2)
    close(st.b[5], normp(add((1 - w5, [1.0, 0.0]), (w5, [0.0, 1.0]))))  # noise-free message
    # manager 2 understands 0.2, employee 5 0.1: gap 0.1, no why, dialogue 0.25
    assert st.u[5] == pytest.approx(0.1 + 0.5 * 0.1 * 0.25, abs=TOL)
    assert not st.informed[5]


def test_cascade_switched_off_for_broadcast_only():
    org, st, p = tiny(**{**CASCADE, "communication": "broadcast"})
    st.informed[:] = True
    b = st.b.copy()
    cascade.apply(org, st, p, {"xi": np.zeros((7, 2)), "deliver_u": np.zeros(7), "why_u": np.zeros(7)})
    assert st.informed[0] and not st.informed[1:].any()
    close(st.b, b)


def test_cascade_message_never_makes_a_belief_zero():
    """Edge of the parameter space: full message weight (eta = 1, authority 1, trust 1, no
    fatigue) and translation noise that pushes every component of the message below zero.
    norm+ of an all-negative vector is the zero vector, and with weight 1 the receiver's belief
    becomes zero: not a unit vector (MODEL.md 2: a belief is a unit vector)."""
    org, st, p = tiny(translation_noise=3.0, strategy_clarity=0.0, translation_persistence=0.0,
                      dialogue=0.0, eta=1.0, authority_weight=1.0, gamma_u=0.1, eta_m=1.0,
                      conf_message=0.1, k_rush=0.0, communication="cascade")
    st.b[0], st.load[:] = [1.0, 0.0], 0.5
    st.tau[:], st.f[:] = 1.0, 0.0
    xi = np.zeros((7, 2))
    xi[1] = [-1.0, -1.0]  # message to manager 1: (1, 0) + 3 (-1, -1) = (-2, -3)
    cascade.apply(org, st, p, {"xi": xi, "deliver_u": np.zeros(7), "why_u": np.ones(7)})
    assert np.linalg.norm(st.b[1]) == pytest.approx(1.0, abs=1e-9)


# ------------------------------------------------------------------------------ 4.4 peers

PEERS = dict(beta=0.5, beta_m=0.4, phi_h=0.1, stubbornness_decay=0.1)


def peers_case(**overrides):
    org, st, p = small(**{**PEERS, **overrides})
    st.kappa[1:7] = [0.5, 0.5, 0.1, 0.2, 0.3, 0.4]
    st.peer_w = peer_weights(org, st.kappa)
    st.b[:] = [1.0, 0.0]
    st.b[[2, 4, 6]] = [0.0, 1.0]
    st.m[1:7] = [0.1, 0.9, 0.2, 0.4, 0.6, 0.8]
    st.h[:] = [0.6, 0.8]
    st.lam[:] = 0.0
    st.lam[6], st.m0[6] = 0.5, 0.0
    return org, st, p


def test_peer_weights_are_credibility_shares():
    org, st, p = peers_case()
    w = st.peer_w.toarray()
    close(w[3, [4, 5, 6]], [0.2 / 0.9, 0.3 / 0.9, 0.4 / 0.9])
    close(w[1, 2], 1.0)
    assert w[7:].sum() == 0 and w[0].sum() == 0  # only managers have peers


def test_degroot_habit_and_stubbornness():
    org, st, p = peers_case()
    st_b_exec, m_before = st.b[0].copy(), st.m.copy()
    peers.apply_degroot(org, st, p, {})
    h = [0.6, 0.8]

    def then_habit(b):
        return normp(add((0.9, b), (0.1, h)))

    # manager 3: peers 4, 5, 6 with weights 2/9, 3/9, 4/9
    wb = [0.3 / 0.9, 0.6 / 0.9]
    b3 = normp(add((1, [1.0, 0.0]), (0.5, wb), (-0.5, [1.0, 0.0])))
    close(st.b[3], then_habit(b3))
    wm = (0.2 * 0.4 + 0.3 * 0.6 + 0.4 * 0.8) / 0.9
    assert st.m[3] == pytest.approx(0.2 + 0.4 * (wm - 0.2), abs=TOL)
    # manager 1: a single peer (2)
    close(st.b[1], then_habit(normp([0.5, 0.5])))
    assert st.m[1] == pytest.approx(0.1 + 0.4 * (0.9 - 0.1), abs=TOL)
    # defender 6: peers 3, 4, 5 (weights 1/6, 2/6, 3/6) at the start of the phase, then habit,
    # then pulled back by lambda = 0.5 to the status quo; lambda decays by 10%
    wb6 = [(0.1 + 0.3) / 0.6, 0.2 / 0.6]
    b6 = then_habit(normp(add((1, [0.0, 1.0]), (0.5, wb6), (-0.5, [0.0, 1.0]))))
    close(st.b[6], normp(add((0.5, b6), (0.5, h))))
    wm6 = (0.1 * 0.2 + 0.2 * 0.4 + 0.3 * 0.6) / 0.6
    assert st.m[6] == pytest.approx(0.5 * (0.8 + 0.4 * (wm6 - 0.8)) + 0.5 * 0.0, abs=TOL)
    assert st.lam[6] == pytest.approx(0.45, abs=TOL)
    # employees: habit only; the executive: nothing
    close(st.b[7], then_habit([1.0, 0.0]))
    close(st.m[7:], m_before[7:])
    close(st.b[0], st_b_exec)


def test_peers_without_credibility_do_not_pull_commitment_to_zero():
    """Manager 1's only peer (2) has credibility 0 (newcomers, credibility around 0.25, often
    draw it). Weights kappa_k / sum kappa are then undefined: nobody to listen to, so belief and
    commitment stay. (Habit and stubbornness off.)"""
    org, st, p = peers_case(phi_h=0.0)
    st.kappa[2] = 0.0
    st.peer_w = peer_weights(org, st.kappa)
    st.lam[:] = 0.0
    m1, b1 = st.m[1], st.b[1].copy()
    peers.apply_degroot(org, st, p, {})
    assert st.m[1] == pytest.approx(m1, abs=TOL)
    close(st.b[1], b1)


# ------------------------------------------------------------------------------ 4.4 adoption

ADOPTION = dict(p_innov=0.1, q_imit=0.6, m_adopt=0.7, f_relapse=0.5, p_relapse=0.3)


def adoption_case(**overrides):
    org, st, p = small(**{**ADOPTION, **overrides})
    st.kappa[1:7] = [0.5, 0.5, 0.1, 0.2, 0.3, 0.4]
    st.peer_w = peer_weights(org, st.kappa)
    st.m[:] = 0.3
    st.m[0], st.m[3], st.m[6] = 1.0, 0.8, 0.55
    st.tau[:], st.tau[1] = 0.5, 1.0
    st.f[:] = 0.0
    st.f[3], st.f[6] = 0.4, 0.6
    adopt_u = np.zeros(15)
    adopt_u[1:7] = [0.05, 0.5, 0.0, 0.23, 0.27, 0.0]
    relapse_u = np.ones(15)
    relapse_u[3], relapse_u[6] = 0.0, 0.2
    return org, st, p, {"adopt_u": adopt_u, "relapse_u": relapse_u}


def test_bass_adoption_and_relapse():
    org, st, p, dr = adoption_case()
    peers.apply_adoption(org, st, p, dr)
    # manager 4: adopted peers 3 and 6 of 3, 5, 6: A = (0.1 + 0.4) / 0.8; chance (0.1 + 0.6 A) 0.5
    assert (0.1 + 0.6 * 0.5 / 0.8) * 0.5 == pytest.approx(0.2375)
    assert st.m[4] == 0.7  # 0.23 < 0.2375: adopts at m_adopt
    # manager 5: A = 0.5 / 0.7 from the start of the phase (not counting 4, who adopts this week)
    # chance (0.1 + 0.6 * 0.714) * 0.5 = 0.264 <= 0.27: does not adopt (it would at A = 1)
    assert st.m[5] == 0.3
    # manager 6: adopted, fatigue 0.6 > 0.5 and 0.2 < p_relapse: relapses to 1 - m_adopt
    assert st.m[6] == pytest.approx(0.3, abs=TOL)
    # manager 3: adopted, fatigue 0.4 not above f_relapse: keeps it
    assert st.m[3] == 0.8
    # manager 1: no adopted peer, chance p_innov * trust 1 = 0.1 > 0.05: adopts
    assert st.m[1] == 0.7 and st.m[2] == 0.3
    # employees never take part in adoption events
    assert np.all(st.m[7:] == 0.3) and st.m[0] == 1.0


def test_relapse_leaves_the_adopted_state_even_at_the_lowest_m_adopt():
    """At the lowest allowed m_adopt a relapse must still take the manager out of the adopted
    state (m < 0.5); at m_adopt = 0.5 the relapse to 1 - m_adopt would silently do nothing."""
    org, st, p, dr = adoption_case(m_adopt=BY_NAME["m_adopt"].low)
    peers.apply_adoption(org, st, p, dr)
    assert st.m[6] < 0.5


# ------------------------------------------------------------------------------ 4.5 feedback

FEEDBACK = dict(feedback=0.5, eta_fb=0.4, feedback_trust_gain=0.1, overload_alarm=0.2,
                understanding_alarm=0.5, rationale_step=0.05)


def feedback_case(u=0.3, o=(0.3, 0.2), initiatives_now=2):
    org, st, p = small(**FEEDBACK)
    st.b[:] = [1.0, 0.0]
    st.b[1] = [0.0, 1.0]
    st.tau[:] = 0.5
    st.tau[3] = 0.2
    st.u[:] = u
    st.o[:] = 0.0
    st.o[1], st.o[3] = o
    st.initiatives_now, st.rationale_now = initiatives_now, 0.3
    heard_u = np.full(15, 0.6)
    heard_u[[0, 7, 8]] = 0.0  # the executive and employees are never "heard" as managers
    heard_u[1], heard_u[3], heard_u[2] = 0.2, 0.1, 0.9
    return org, st, p, {"heard_u": heard_u}


def test_feedback_heard_managers_and_executive_responses():
    org, st, p, dr = feedback_case()
    feedback.apply(org, st, p, dr)
    assert list(np.flatnonzero(st.heard)) == [1, 3]
    close(st.b[1], normp(add((0.6, [0.0, 1.0]), (0.4, [1.0, 0.0]))))
    # manager 3 is pulled toward its boss's belief at the start of the phase, (0, 1)
    close(st.b[3], normp(add((0.6, [1.0, 0.0]), (0.4, [0.0, 1.0]))))
    close(st.tau[[1, 3]], [0.5 + 0.1 * 0.5, 0.2 + 0.1 * 0.8])
    close(st.tau[[2, 4, 7]], [0.5, 0.5, 0.5])
    close(st.b[2], [1.0, 0.0])
    # mean overload of the heard (0.3 + 0.2) / 2 = 0.25 > 0.2: one initiative fewer
    assert st.initiatives_now == 1
    # understanding 0.3 everywhere (the heard and their teams) < 0.5: more messages carry the why
    assert st.rationale_now == pytest.approx(0.35, abs=TOL)


def test_feedback_no_alarm_and_floor_of_one_initiative():
    org, st, p, dr = feedback_case(u=0.9, o=(0.1, 0.2), initiatives_now=1)
    feedback.apply(org, st, p, dr)
    assert st.initiatives_now == 1 and st.rationale_now == 0.3
    org, st, p, dr = feedback_case(u=0.9, o=(0.5, 0.5), initiatives_now=1)
    feedback.apply(org, st, p, dr)
    assert st.initiatives_now == 1  # never below one


def test_no_feedback_nobody_heard():
    org, st, p, dr = feedback_case()
    p = p.model_copy(update={"feedback": 0.0})
    b = st.b.copy()
    feedback.apply(org, st, p, dr)
    assert not st.heard.any() and st.initiatives_now == 2
    close(st.b, b)


# ------------------------------------------------------------------------------ 4.6 workload

WORKLOAD = dict(base_load=0.3, team_load=0.1, initiative_load=0.05, escalation_load=0.2,
                dialogue=0.5, dialogue_load=0.04, feedback=0.5, feedback_load=0.1, a_absorb=0.2)


def test_workload_overload_and_absorbed_fatigue():
    org, st, p = tiny(**WORKLOAD)
    st.initiatives_now = 3
    st.r[:3] = [0.0, 0.5, 1.0]
    st.f[:] = [0.1, 0.2, 0.0, 0.4, 0.6, 0.0, 0.2]
    workload.apply_workload(org, st, p, {})
    common = 0.3 + 2 * 0.1 + 3 * 0.05 + 0.5 * 0.04 * 2 + 0.5 * 0.1  # = 0.74
    close(st.load, [common + 1.0 * 2 * 0.2, common + 0.5 * 2 * 0.2, common, 0, 0, 0, 0])
    close(st.o, [common + 0.4 - 1.0, 0, 0, 0, 0, 0, 0])  # only the executive is above capacity
    # bosses absorb their team's mean fatigue (at the start of the phase)
    close(st.f, [0.1 + 0.2 * (0.2 + 0.0) / 2, 0.2 + 0.2 * 0.5, 0.0 + 0.2 * 0.1, 0.4, 0.6, 0.0, 0.2])


# ------------------------------------------------------------------------------ 4.7 fatigue

def test_fatigue_overload_and_recovery():
    org, st, p = tiny(a_over=0.5, recovery=0.2, change_rewards=0.5)
    st.o[:] = [0.0, 0.5, 2.0, 0.0, 0.0, 0.0, 1.0]
    st.f[:] = [0.4, 0.4, 0.4, 0.0, 1.0, 0.4, 0.4]
    workload.apply_fatigue(org, st, p, {})
    close(st.f, [
        0.4 - 0.2 * 0.4 * 1.0 * 1.5,  # no overload: recovery, improved by rewards
        0.4 + 0.5 * 0.5 * 0.6 - 0.2 * 0.4 * 0.5 * 1.5,
        1.0,  # 0.4 + 0.5 * 2 * 0.6 = 1.0
        0.0,
        1.0 - 0.2 * 1.0 * 1.5,
        0.4 - 0.2 * 0.4 * 1.5,
        0.4 + 0.5 * 1.0 * 0.6,  # o >= 1: no recovery at all
    ])


# ------------------------------------------------------------------------------ 4.7 turnover

def test_turnover_draw_picks_the_burnt_out_below_the_top():
    org, st, p = small(f_burnout=0.7, p_leave=1.0)
    st.f[:] = 0.2
    st.f[0], st.f[3], st.f[8], st.f[9] = 0.9, 0.7, 0.95, 0.69
    dr = workload.draw_turnover(org, st, p, np.random.default_rng(0))
    assert list(dr["leavers"]) == [3, 8]
    for key in ("habit_noise", "zeta"):
        assert dr[key].shape == (2, 2)
    for key in ("kappa", "c", "r"):
        assert dr[key].shape == (2,) and np.all((dr[key] >= 0) & (dr[key] <= 1))
    st.f[3] = 0.9
    p0 = p.model_copy(update={"p_leave": 0.0})
    assert len(workload.draw_turnover(org, st, p0, np.random.default_rng(0))["leavers"]) == 0


def test_turnover_newcomer_takes_the_seat():
    org, st, p = small(f_burnout=0.7, p_leave=1.0, leadership_consistency=0.6)
    st.s0 = np.array([0.6, 0.8])
    st.trust_offset[3], st.trust_offset[8] = 0.1, -0.7
    st.kappa[1:7] = 0.5
    st.peer_w = peer_weights(org, st.kappa)
    st.lam[3], st.stance[3], st.tenure[:], st.turnover = 0.3, 2, 5, 4
    b_before = st.b.copy()
    dr = {"leavers": np.array([3, 8]), "habit_noise": np.zeros((2, 2)),
          "zeta": np.array([[0.1, 0.2], [0.3, 0.4]]), "kappa": np.array([0.05, 0.15]),
          "c": np.array([0.2, 0.3]), "r": np.array([0.4, 0.5])}
    workload.apply_turnover(org, st, p, dr)
    for row, i in ((3, 0), (8, 1)):
        for vec in (st.h, st.b, st.x):
            close(vec[row], [0.6, 0.8])  # the status quo
        close(st.zeta[row], dr["zeta"][i])
        assert (st.u[row], st.m[row], st.m0[row], st.f[row], st.conf[row]) == (
            NEWCOMER_UNDERSTANDING, START_COMMITMENT, START_COMMITMENT, 0.0, NEWCOMER_CONFIDENCE)
        assert (st.kappa[row], st.c[row], st.r[row]) == (dr["kappa"][i], dr["c"][i], dr["r"][i])
        assert st.lam[row] == 0.0 and st.stance[row] == NEUTRAL and st.tenure[row] == 0
    close(st.tau[[3, 8]], [0.7, 0.0])  # clip(0.6 + offset)
    assert st.turnover == 6 and st.tenure[0] == 6 and st.tenure[4] == 6
    assert len(st.b) == 15
    others = np.setdiff1d(np.arange(15), [3, 8])
    close(st.b[others], b_before[others])
    # the newcomer's low credibility counts in its peers' weights at once
    close(st.peer_w[4, 3], 0.05 / (0.05 + 0.5 + 0.5))


# ------------------------------------------------------------------------------ 4.8 trust

def test_trust_drifts_to_leaders_deeds_and_the_boss():
    org, st, p = tiny(leadership_consistency=0.6, delta_tau=0.5, g_boss=1.0)
    st.f[1], st.c[1], st.f[2], st.c[2] = 0.2, 0.5, 0.0, 1.0  # boss quality 0.6 and 1.0, mean 0.8
    st.trust_offset[:] = [0.0, 0.0, 0.0, 0.05, 0.0, -0.1, 0.5]
    st.tau[:] = [0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9]
    development.apply_trust(org, st, p, {})
    close(st.tau, [
        0.9,  # executives: unchanged
        0.5 + 0.5 * (0.6 - 0.5), 0.5 + 0.5 * (0.6 - 0.5),  # managers: to leadership consistency
        0.5 + 0.5 * (0.6 + (0.6 - 0.8) + 0.05 - 0.5),
        0.5 + 0.5 * (0.6 + (0.6 - 0.8) - 0.5),
        0.5 + 0.5 * (0.6 + (1.0 - 0.8) - 0.1 - 0.5),
        1.0,  # 0.9 + 0.5 (1.3 - 0.9) = 1.1, clipped
    ])


# ------------------------------------------------------------------------------ 4.8 development

def test_rewards_and_coaching_develop_managers_only():
    org, st, p = tiny(change_rewards=0.5, delta_m=0.2, capability_investment=0.1)
    st.m[:], st.c[:] = 0.5, 0.4
    development.apply_development(org, st, p, {})
    close(st.m, [0.5, 0.55, 0.55, 0.5, 0.5, 0.5, 0.5])
    close(st.c, [0.4, 0.46, 0.46, 0.4, 0.4, 0.4, 0.4])


# ------------------------------------------------------------------------------ 4.8 reviews

REVIEWS = dict(kpi_drift=0.1, review_interval=13.0, review_strength=0.25)


def review_case(week, next_review, **overrides):
    org, st, p = tiny(**{**REVIEWS, **overrides})
    st.kpi_pull = np.array([0.5, 1.0])
    st.b[:] = [1.0, 0.0]
    st.b[1] = [0.0, 1.0]
    st.week, st.next_review = week, next_review
    return org, st, p


def test_review_cuts_kpi_pull_and_aligns_teams_synchronously():
    org, st, p = review_case(13, 13.0)
    development.apply_reviews(org, st, p, {})
    close(st.kpi_pull, [(0.5 + 0.1 * 0.5) * 0.75, 1.0 * 0.75])
    close(st.b[1], normp([0.25, 0.75]))  # toward the executive's (1, 0)
    # employee 3 is pulled toward manager 1's belief at the start of the phase, (0, 1)
    close(st.b[3], normp([0.75, 0.25]))
    close(st.b[5], [1.0, 0.0])
    close(st.b[0], [1.0, 0.0])
    assert st.next_review == 26.0


@pytest.mark.parametrize("week, next_review, interval, after", [
    (0, 0.0, 13.0, 13.0),  # week 0: schedule the first review, no review yet
    (5, 13.0, 13.0, 13.0),  # not due
    (13, 0.0, 0.0, 0.0),  # interval 0: never
])
def test_no_review_only_kpi_drift(week, next_review, interval, after):
    org, st, p = review_case(week, next_review, review_interval=interval)
    b = st.b.copy()
    development.apply_reviews(org, st, p, {})
    close(st.kpi_pull, [0.5 + 0.1 * 0.5, 1.0])
    close(st.b, b)
    assert st.next_review == after


# ------------------------------------------------------------------------------ 4.9 execution

EXECUTION = dict(kpi_alignment=0.5, lambda_kpi=0.4, k_silo=1.0, cross_silo_ties=0.5, theta=0.5,
                 a_split=0.5, initiative_effort=10.0)


def execution_case(**overrides):
    org, st, p = tiny(**{**EXECUTION, **overrides})
    st.s = np.array([0.6, 0.8])
    st.kpi_pull = np.array([1.0, 0.5])
    st.kpi_bias = np.array([[1.0, 0.0], [0.0, 1.0]])
    st.initiatives_now, st.progress, st.week, st.launched = 2, 0.1, 9, 1
    rows = {3: (1.0, [0.6, 0.8], [1.0, 0.0], 0.0, 1.0), 4: (0.0, [0.0, 1.0], [1.0, 0.0], 0.5, 0.6),
            5: (0.5, [0.6, 0.8], [0.8, 0.6], 0.2, 0.5), 6: (0.0, [0.0, 1.0], [1.0, 0.0], 0.0, 1.0)}
    for j, (m, b, h, f, tau) in rows.items():
        st.m[j], st.b[j], st.h[j], st.f[j], st.tau[j] = m, b, h, f, tau
    return org, st, p


def test_execution_work_direction_and_progress():
    org, st, p = execution_case()
    execution.apply(org, st, p, {})
    kpi = 0.5 * 0.4 * (1 + 1.0 * 0.5)  # (1 - kpi_alignment) lambda_kpi (1 + k_silo (1 - cross))
    x = {3: normp([0.6 + kpi, 0.8]), 4: normp([1.0 + kpi, 0.0]),
         5: normp([0.7, 0.7 + kpi * 0.5]), 6: normp([1.0, kpi * 0.5])}
    for j, v in x.items():
        close(st.x[j], v)
    e = {3: 1.0, 4: 0.5 * 0.8, 5: 0.8 * 0.75, 6: 1.0}  # (1 - f)(0.5 + 0.5 tau)
    m = {3: 1.0, 4: 0.0, 5: 0.5, 6: 0.0}  # effort = engagement x commitment
    # Two goals: alignment (the centred cosine) is the sign of (x_0 - x_1)(s_0 - s_1), s_1 > s_0.
    on = {j: max(0.0, (1.0 if v[1] > v[0] else -1.0) - 0.5) / 0.5 for j, v in x.items()}
    assert on == {3: 0.0, 4: 0.0, 5: 1.0, 6: 0.0}
    gain = sum(e[j] * m[j] * on[j] for j in x) / 4 / (1 + 0.5 * (2 - 1))
    assert st.progress == pytest.approx(0.1 + gain, abs=TOL)
    assert gain > 0 and st.succeeded == 0 and st.launched == 1


def test_execution_managers_work_too_but_only_employees_count():
    """Everyone below the executives works along x; the initiative counts the employees' work."""
    org, st, p = execution_case()
    _, plain, _ = execution_case()  # the same employees, the managers as they start
    st.m[1], st.b[1], st.h[1] = 0.25, [0.0, 1.0], [1.0, 0.0]  # manager 1 heads department 0
    st.m[2], st.b[2], st.h[2] = 1.0, [1.0, 0.0], [0.0, 1.0]  # manager 2 heads department 1
    exec_x = st.x[0].copy()
    execution.apply(org, st, p, {})
    execution.apply(org, plain, p, {})
    kpi = 0.5 * 0.4 * (1 + 1.0 * 0.5)
    close(st.x[1], normp([0.75 + kpi, 0.25]))
    close(st.x[2], normp([1.0, kpi * 0.5]))
    np.testing.assert_array_equal(st.x[0], exec_x)  # executives do not
    assert st.progress == plain.progress > 0.1  # the managers' work changed nothing


def test_execution_only_work_above_the_floor_counts():
    """With four goals, only work aligned above theta counts, in proportion to how far above."""
    org, st, p = tiny(**{**EXECUTION, "n_goals": 4, "theta": 0.9, "kpi_alignment": 1.0})
    st.s = np.array(normp([0.1, 0.2, 0.3, 0.4]))
    st.initiatives_now, st.progress = 1, 0.0
    st.f[:], st.tau[:], st.m[:] = 0.0, 1.0, 1.0
    works = {3: [0.1, 0.2, 0.3, 0.4], 4: [0.1, 0.2, 0.4, 0.3], 5: [0.1, 0.22, 0.3, 0.4], 6: [0.4, 0.3, 0.2, 0.1]}
    for j, w in works.items():
        st.b[j] = normp(w)
    execution.apply(org, st, p, {})
    a = {j: float(np.corrcoef(w, [0.1, 0.2, 0.3, 0.4])[0, 1]) for j, w in works.items()}
    assert a[3] == pytest.approx(1.0) and 0.9 < a[5] < 1.0 and a[4] < 0.9 and a[6] < 0
    gain = sum(max(0.0, a[j] - 0.9) / 0.1 for j in works) / 4
    assert st.progress == pytest.approx(gain, abs=TOL)


def test_initiative_succeeds_at_its_effort():
    org, st, p = execution_case(initiative_effort=0.1499)  # progress reaches 0.15 (to rounding)
    execution.apply(org, st, p, {})
    assert (st.succeeded, st.launched, st.progress, st.initiative_start) == (1, 2, 0.0, 9)
