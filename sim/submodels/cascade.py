"""The downward cascade (MODEL.md 4.2, with dialogue from 4.3), a level at a time from the top.

Sender i to report j: ``msg = norm+(b_i + sigma_i (sqrt(rho)(1 - dialogue) zeta_j + sqrt(1-rho) xi))``,
delivered with probability ``min(1, 1/load_i)``; with probability ``rationale`` it carries the why.
"""

from __future__ import annotations

import numpy as np

from ..state import norm_plus_nonzero, unit


def draw(org, st, p, rng) -> dict:
    return {
        "xi": rng.standard_normal((org.n, p.n_goals)),  # this week's noise, per receiver
        "deliver_u": rng.random(org.n),
        "why_u": rng.random(org.n),
    }


def sender_noise(org, st, p, senders: np.ndarray) -> np.ndarray:
    """Translation noise sigma_i: executives by strategy clarity; managers by capability,
    understanding and overload (a rushed translation is a noisier one)."""
    if org.depth[senders[0]] == 0:
        return np.full(len(senders), p.translation_noise * (1 - p.strategy_clarity))
    return p.translation_noise * (1 - st.c[senders] * st.u[senders]) * (1 + p.k_rush * st.o[senders])


def message(org, st, p, senders, receivers: slice, xi) -> tuple[np.ndarray, np.ndarray]:
    """One level's messages, built in one buffer (a level of employees is most of the people),
    and which of them say anything (noise can clip every priority away)."""
    sigma = sender_noise(org, st, p, senders)
    rho = p.translation_persistence
    msg = np.multiply(st.zeta[receivers], np.sqrt(rho) * (1 - p.dialogue))  # column-major, as zeta
    buf = np.multiply(xi, np.sqrt(1 - rho), out=np.empty_like(msg))
    msg += buf
    msg *= sigma[:, None]
    # The senders' beliefs, a column at a time, straight into buf (mode="clip": senders are rows, it
    # never clips; "raise" goes through a copy).
    msg += np.take(st.b.T, senders, axis=1, out=buf.T, mode="clip").T
    return msg, norm_plus_nonzero(msg)


def receive(org, st, p, senders, receivers: slice, msg, carries, delivered, why, credibility) -> None:
    """The receivers' update from one level of messages (in place; ``msg`` is used up)."""
    u = st.u[receivers]
    gap = np.maximum(0.0, st.u[senders] - u)  # nobody passes on more than they have
    st.u[receivers] = np.minimum(u + delivered * p.gamma_u * gap * (why + p.dialogue), 1.0)
    w = (delivered & carries) * p.eta * st.tau[receivers] * (1 - st.f[receivers]) * credibility
    b = st.b[receivers]  # a view: levels are contiguous rows
    b *= (1 - w)[:, None]
    msg *= w[:, None]
    b += msg
    unit(b)
    m = st.m[receivers]
    st.m[receivers] = np.clip(m + w * p.eta_m * (st.m[senders] - m), 0.0, 1.0)
    st.conf[receivers] += delivered * p.conf_message * (1 - st.conf[receivers])
    st.informed[receivers] = delivered & st.informed[senders]


def apply(org, st, p, dr) -> None:
    staff = org.staff
    if p.communication == "broadcast":
        st.informed[staff] = False
        return
    # What stays fixed while the cascade runs, for everyone below the executives at once (a level
    # at a time, the calls would cost more than the arithmetic in a deep, narrow chart).
    bosses = org.staff_boss
    delivered = dr["deliver_u"][staff] * st.load[bosses] < 1.0
    why = dr["why_u"][staff] < st.rationale_now
    credibility = p.authority_weight + (1 - p.authority_weight) * st.kappa[bosses]
    for d in range(1, org.levels):
        receivers = org.level(d)
        here = slice(receivers.start - staff.start, receivers.stop - staff.start)  # rows among the staff
        senders = org.level_bosses[d]
        msg, carries = message(org, st, p, senders, receivers, dr["xi"][receivers])
        receive(org, st, p, senders, receivers, msg, carries, delivered[here], why[here], credibility[here])
