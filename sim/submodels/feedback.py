"""Upward feedback and the executives' responses (MODEL.md 4.5).

With probability ``feedback`` a week each manager is heard: it reports its team's understanding and
its overload, its questions are answered (its belief is pulled toward its boss's) and it gains trust.
Executives who hear of overload cut a concurrent initiative (not below one); who hear of little
understanding make more messages carry the why.
"""

from __future__ import annotations

import numpy as np

from ..state import norm_plus, put_rows, take_rows


def draw(org, st, p, rng) -> dict:
    return {"heard_u": rng.random(org.n)}


def team_understanding(org, st) -> np.ndarray:
    """Mean understanding of each person's direct reports (0 for those without)."""
    out = np.zeros(org.n)
    out[org.leaders] = org.reports.sums(st.u[org.staff]) / org.reports.sizes
    return out


def apply(org, st, p, dr) -> None:
    st.heard = org.is_manager & (dr["heard_u"] < p.feedback)
    heard = np.flatnonzero(st.heard)
    if not len(heard):
        return
    put_rows(st.b, heard, norm_plus((1 - p.eta_fb) * take_rows(st.b, heard)
                                    + p.eta_fb * take_rows(st.b, org.boss[heard])))
    st.tau[heard] += p.feedback_trust_gain * (1 - st.tau[heard])
    if st.o[heard].mean() > p.overload_alarm:
        st.initiatives_now = max(1, st.initiatives_now - 1)
    if team_understanding(org, st)[heard].mean() < p.understanding_alarm:
        st.rationale_now = min(1.0, st.rationale_now + p.rationale_step)
