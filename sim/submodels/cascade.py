"""The downward cascade (MODEL.md 4.2, with dialogue from 4.3), a level at a time from the top.

Sender i to report j: ``msg = norm+(b_i + sigma_i (sqrt(rho)(1 - dialogue) zeta_j + sqrt(1-rho) xi))``,
delivered with probability ``min(1, 1/load_i)``; with probability ``rationale`` it carries the why.
The receiver's weight grows with their commitment (the committed listen harder); commitment passes
from the boss only as far as the change makes sense to the receiver (``peers.content``, MODEL.md
10.2); confidence rises with each message received and falls with surprise (a message that
disagrees with what one believes, MODEL.md 10.5).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..geometry import agreement
from ..members import at_rows, column, normal_per_row, shares, uniform_per_row
from .peers import content
from ..org import Groups
from ..state import bound, norm_plus_nonzero, take_runs, unit


def draw(org, st, p, rng) -> dict:
    return {
        "xi": normal_per_row(org, rng, p.n_goals),  # this week's noise, per receiver
        "deliver_u": uniform_per_row(org, rng),
        "why_u": uniform_per_row(org, rng),
    }


def sender_noise(org, st, p, senders: np.ndarray | Groups) -> np.ndarray:
    """Translation noise sigma_i of each message's sender: executives by strategy clarity; managers
    by capability, understanding and overload (a rushed translation is a noisier one). ``senders``:
    their rows, or (the cascade) a level's receivers grouped by sender (``Org.level_reports``)."""
    rows = senders.key if isinstance(senders, Groups) else senders
    d = int(org.depth[rows[0]])  # the senders are the level above the receivers
    if d == 0:
        return np.full(len(rows), at_rows(org, p.translation_noise * (1 - p.strategy_clarity), rows))
    level = org.level(d)  # once per sender, then handed to each of its reports
    sigma = np.empty(level.stop)  # (by row: the rows above the level are never read)
    sigma[level] = at_rows(org, p.translation_noise, level) * (1 - st.c[level] * st.u[level]) * (1 + p.k_rush * st.o[level])
    return take_runs(sigma, senders) if isinstance(senders, Groups) else np.take(sigma, senders)


def message(org, st, p, senders: Groups, receivers: slice, xi) -> tuple[np.ndarray, np.ndarray]:
    """One level's messages (a level of employees is most of the people), and which of them say
    anything (noise can clip every priority away)."""
    sigma = sender_noise(org, st, p, senders)
    rho = p.translation_persistence
    msg = np.multiply(st.zeta[receivers], column(np.sqrt(rho) * (1 - at_rows(org, p.dialogue, receivers))))  # column-major, as zeta
    noise = np.empty_like(msg)
    noise[...] = xi  # into column-major order: a copy is faster than arithmetic across layouts
    noise *= np.sqrt(1 - rho)
    msg += noise
    msg *= sigma[:, None]
    msg += take_runs(st.b, senders)
    return msg, norm_plus_nonzero(msg)


def message_weight(p, tau, f, m, kappa_sender):
    """A delivered message's weight in its receiver's belief: eta, times the receiver's trust and
    freshness, the sender's authority and credibility, and how hard the receiver listens (the
    committed listen harder). Arrays (the cascade) or one pair (the telephone game)."""
    credibility = p.authority_weight + (1 - p.authority_weight) * kappa_sender
    listening = 1 - p.m_listen + p.m_listen * m
    return p.eta * tau * (1 - f) * credibility * listening


class Fixed(NamedTuple):
    """What stays fixed while the cascade runs, per person below the executives: computed for all
    of them at once (a level at a time, the calls would cost more than the arithmetic in a deep,
    narrow chart)."""

    delivered: np.ndarray  # the message gets through the sender's load
    learn: np.ndarray  # delivered * gamma_u
    why: np.ndarray  # it carries the why (0 or 1), plus dialogue
    weight: np.ndarray  # eta * trust * (1 - fatigue) * the sender's authority and credibility * listening
    commit: np.ndarray  # eta_m * the content factor: how far the receiver can take on the boss's commitment

    def rows(self, here: slice) -> Fixed:
        return Fixed(*(a[here] for a in self))


def receive(org, st, p, senders: Groups, receivers: slice, msg, carries, fixed: Fixed) -> np.ndarray:
    """The receivers' update from one level of messages (in place; ``msg`` is used up). Returns
    how far each message disagreed with its receiver's belief, (1 - agreement) / 2 in [0, 1] (0
    for a message not delivered): the surprise that costs confidence."""
    u = st.u[receivers]  # views (levels are contiguous rows), updated in place
    gap = np.subtract(take_runs(st.u, senders), u)
    np.maximum(bound(0.0, len(gap)), gap, out=gap)  # nobody passes on more than they have
    gap *= fixed.learn
    gap *= fixed.why
    gap += u
    np.minimum(gap, bound(1.0, len(gap)), out=u)
    heard = fixed.delivered & carries
    w = heard * fixed.weight
    b = st.b[receivers]
    surprise = None
    if p.conf_surprise:
        # (rounding can put a unit mix's agreement a hair above 1: no surprise is below none)
        surprise = np.subtract(1.0, agreement(msg, b, unit=True, rowwise=org.members is not None), out=gap)
        np.maximum(surprise, bound(0.0, len(surprise)), out=surprise)
        surprise *= heard
        surprise /= 2
    b *= (1 - w)[:, None]
    msg *= w[:, None]
    b += msg
    unit(b)
    m = st.m[receivers]
    pull = np.subtract(take_runs(st.m, senders), m)
    w *= fixed.commit
    pull *= w
    pull += m
    np.clip(pull, 0.0, 1.0, out=m)
    np.logical_and(fixed.delivered, take_runs(st.informed, senders), out=st.informed[receivers])
    return surprise


def apply(org, st, p, dr) -> None:
    staff = org.staff
    if p.communication == "broadcast":
        st.informed[staff] = False
        return
    bosses = org.reports  # everyone below the executives, by boss
    delivered = dr["deliver_u"][staff] * take_runs(st.load, bosses) < 1.0
    commit = content(org, st, p, staff)
    commit *= p.eta_m
    fixed = Fixed(delivered=delivered, learn=delivered * p.gamma_u,
                  why=(dr["why_u"][staff] < at_rows(org, st.rationale_now, staff)) + at_rows(org, p.dialogue, staff),
                  weight=message_weight(p, st.tau[staff], st.f[staff], st.m[staff], take_runs(st.kappa, bosses)),
                  commit=commit)
    surprise = np.zeros(len(delivered)) if p.conf_surprise else None
    for d in range(1, org.levels):
        receivers = org.level(d)
        here = slice(receivers.start - staff.start, receivers.stop - staff.start)  # rows among the staff
        senders = org.level_reports[d]
        msg, carries = message(org, st, p, senders, receivers, dr["xi"][receivers])
        level_surprise = receive(org, st, p, senders, receivers, msg, carries, fixed.rows(here))
        if surprise is not None:
            surprise[here] = level_surprise
    # A delivered message makes its receiver surer of the strategy, a surprising one less sure (the
    # cascade never reads confidence, so everyone's is changed once, after it).
    conf = st.conf[staff]
    conf += delivered * p.conf_message * (1 - conf)
    if surprise is not None:
        surprise *= p.conf_surprise
        surprise *= conf
        conf -= surprise
    st.conf[staff] = conf
    st.delivered = shares(org, delivered, staff, empty=1.0)
