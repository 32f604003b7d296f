"""Peer influence among managers and adoption (MODEL.md 4.4).

DeGroot averaging on the credibility-weighted peer graph, habit, Friedkin-Johnsen stubbornness
of defenders, and Bass-form adoption events. ``BOUNDED_CONFIDENCE`` is a drop-in alternative
to the DeGroot step that only listens to peers who already think alike.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..org import MANAGER
from ..state import norm_plus


def habit_and_stubbornness(org, st, p) -> None:
    """Habit pulls everyone back a little; defenders are pulled back to their status quo."""
    people = slice(int(org.level_start[1]), org.n)
    st.b[people] = norm_plus((1 - p.phi_h) * st.b[people] + p.phi_h * st.h[people])
    stubborn = np.flatnonzero(st.lam > 0)
    if len(stubborn):
        lam = st.lam[stubborn]
        st.b[stubborn] = norm_plus((1 - lam)[:, None] * st.b[stubborn] + lam[:, None] * st.h[stubborn])
        st.m[stubborn] = (1 - lam) * st.m[stubborn] + lam * st.m0[stubborn]
        st.lam[stubborn] = lam * (1 - p.stubbornness_decay)


def degroot_step(org, st, p, w) -> None:
    """b_i <- norm+(b_i + beta (W b - b)_i), m_i <- m_i + beta_m (W m - m)_i for managers with peers."""
    has_peers = np.diff(w.indptr) > 0
    if not has_peers.any():
        return
    rows = np.flatnonzero(has_peers)
    wb, wm = w @ st.b, w @ st.m
    st.b[rows] = norm_plus(st.b[rows] + p.beta * (wb[rows] - st.b[rows]))
    st.m[rows] = np.clip(st.m[rows] + p.beta_m * (wm[rows] - st.m[rows]), 0.0, 1.0)


def apply_degroot(org, st, p, dr) -> None:
    degroot_step(org, st, p, st.peer_w)
    habit_and_stubbornness(org, st, p)


BOUNDED_COSINE = 0.9  # peers further apart than this cosine are not listened to


def apply_bounded_confidence(org, st, p, dr) -> None:
    """Hegselmann-Krause-style: only peers whose belief is within ``BOUNDED_COSINE`` count."""
    w = st.peer_w.tocoo()
    row, col = w.row, w.col
    close = np.einsum("ik,ik->i", st.b[row], st.b[col]) >= BOUNDED_COSINE
    kept = sp.csr_matrix((w.data * close, (row, col)), shape=w.shape)
    sums = np.asarray(kept.sum(axis=1)).ravel()
    kept = sp.diags(np.where(sums > 0, 1 / np.where(sums > 0, sums, 1), 0)) @ kept
    kept.eliminate_zeros()
    degroot_step(org, st, p, kept.tocsr())
    habit_and_stubbornness(org, st, p)


def draw_adoption(org, st, p, rng) -> dict:
    return {"adopt_u": rng.random(org.n), "relapse_u": rng.random(org.n)}


def apply_adoption(org, st, p, dr) -> None:
    """Bass adoption: hazard (p_innov + q_imit A_i) tau_i, A_i the credibility-weighted adopted
    share of peers; an exhausted adopter may relapse."""
    managers = org.role == MANAGER
    adopted = st.m >= 0.5
    share = st.peer_w @ adopted.astype(np.float64)
    chance = np.minimum((p.p_innov + p.q_imit * share) * st.tau, 1.0)
    adopt = managers & ~adopted & (dr["adopt_u"] < chance)
    relapse = managers & adopted & (st.f > p.f_relapse) & (dr["relapse_u"] < p.p_relapse)
    st.m[adopt] = np.maximum(st.m[adopt], p.m_adopt)
    st.m[relapse] = np.minimum(st.m[relapse], 1 - p.m_adopt)
