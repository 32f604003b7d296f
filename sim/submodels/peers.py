"""Peer influence among managers and adoption (MODEL.md 4.4).

DeGroot averaging on the credibility-weighted peer graph, habit, Friedkin-Johnsen stubbornness
of defenders, and Bass-form adoption events. ``BOUNDED_CONFIDENCE`` is a drop-in alternative
to the DeGroot step that only listens to peers who already think alike.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..geometry import alignment
from ..members import at_rows, strategies, uniform_per_row
from ..state import bound, norm_plus, put_rows, sparse_product, take_rows, unit


def habit_and_stubbornness(org, st, p) -> None:
    """Habit pulls everyone back a little; defenders are pulled back to their status quo."""
    b = st.b[org.staff]  # a view: updated in place
    b *= 1 - p.phi_h
    b += np.multiply(st.h[org.staff], p.phi_h)
    unit(b)
    stubborn = np.flatnonzero(st.lam > 0)
    if len(stubborn):
        lam = st.lam[stubborn]
        put_rows(st.b, stubborn, norm_plus((1 - lam)[:, None] * take_rows(st.b, stubborn)
                                           + lam[:, None] * take_rows(st.h, stubborn)))
        st.m[stubborn] = (1 - lam) * st.m[stubborn] + lam * st.m0[stubborn]
        st.lam[stubborn] = lam * (1 - p.stubbornness_decay)


def degroot_step(org, st, p, w) -> None:
    """b_i <- norm+(b_i + beta (W b - b)_i), m_i <- m_i + beta_m (W m - m)_i for managers with peers."""
    rows, w = st.with_peers(w)  # only the rows with peers: W b for the managers, not for everyone
    if not len(rows):
        return
    b, m = take_rows(st.b, rows), take_rows(st.m, rows)
    wb = sparse_product(w, st.b)
    wb -= b
    wb *= p.beta
    wb += b
    put_rows(st.b, rows, norm_plus(wb, out=wb))
    st.m[rows] = np.clip(m + p.beta_m * (w @ st.m - m), 0.0, 1.0)


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
    # (only managers adopt or relapse)
    return {"adopt_u": uniform_per_row(org, rng, managers), "relapse_u": uniform_per_row(org, rng, managers)}


def managers(org):
    return org.managers


def content(org, st, p, rows) -> np.ndarray:
    """How far the change makes sense to each person: ``1 - w_c + w_c u max(0, A(b, s))``
    (MODEL.md 10.2): people commit to what they understand and see as coherent with the strategy.
    1 for everyone when content has no weight (``w_c = 0``: the content-free Bass form of A4)."""
    if not p.w_c:
        return np.ones(len(take_rows(st.u, rows)))
    sense = alignment(take_rows(st.b, rows), strategies(org, st, rows), unit=True)
    np.maximum(sense, bound(0.0, len(sense)), out=sense)
    sense *= take_rows(st.u, rows)
    sense *= p.w_c
    sense += 1 - p.w_c
    return sense


def apply_adoption(org, st, p, dr) -> None:
    """Bass adoption: hazard (p_innov + q_imit A_i) tau_i times the content factor, A_i the
    credibility-weighted adopted share of peers; an exhausted adopter may relapse, the more likely
    the less the change makes sense to them."""
    adopted = st.m >= 0.5
    rows = org.managers
    with_peers, w = st.with_peers(st.peer_w)
    share = np.zeros(org.n)
    share[with_peers] = w @ adopted.astype(np.float64)
    share = take_rows(share, rows)
    sense = content(org, st, p, rows)
    chance = np.minimum((p.p_innov + p.q_imit * share) * take_rows(st.tau, rows) * sense, 1.0)
    m, adopted = take_rows(st.m, rows), take_rows(adopted, rows)
    adopt = np.flatnonzero(~adopted & (take_rows(dr["adopt_u"], rows) < chance))
    relapse = np.flatnonzero(adopted & (take_rows(st.f, rows) > p.f_relapse)
                             & (take_rows(dr["relapse_u"], rows) < p.p_relapse * (2 - sense)))
    new_m = m.copy()
    floor = np.broadcast_to(at_rows(org, p.m_adopt, rows), m.shape)  # (per member, where they differ)
    new_m[adopt] = np.maximum(m[adopt], floor[adopt])
    new_m[relapse] = np.minimum(m[relapse], 1 - floor[relapse])
    st.m[rows] = new_m
