"""Upward feedback and the executives' responses (MODEL.md 4.5).

With probability ``feedback`` a week each manager is heard: it reports its team's understanding and
its overload and its team's alignment, its questions are answered (its belief is pulled toward its boss's) and it gains trust.
Executives who hear of overload cut a concurrent initiative (not below one); who hear of little
understanding make more messages carry the why. What executives hear (or, without feedback, how many
messages were delivered) forms their perceived alignment.
"""

from __future__ import annotations

import numpy as np

from ..geometry import alignment
from ..state import norm_plus, put_rows, take_rows, uniform_rows


def draw(org, st, p, rng) -> dict:
    return {"heard_u": uniform_rows(rng, org.n, org.managers)}  # (only managers are heard)


def team_mean(org, values: np.ndarray) -> np.ndarray:
    """Mean of a per-person value over each person's direct reports (0 for those without)."""
    out = np.zeros(org.n)
    out[org.leaders] = org.reports.sums(values[org.staff]) / org.reports.sizes
    return out


def perceive(org, st, p, heard: np.ndarray) -> None:
    """Executives' perceived alignment moves toward what they hear (MODEL.md 10.5). A heard manager
    reports its team's alignment, softened by candour times its own trust (``1 - candour tau (1 -
    team alignment)``: a distrustful or uncandid report says all is well); without reports,
    executives take the share of messages delivered for the share understood."""
    if len(heard):
        team = team_mean(org, alignment(st.b, st.s, unit=True))[heard]
        heard_says = 1 - p.candour * st.tau[heard] * (1 - team)
        target = float(heard_says.mean())
    else:
        target = st.delivered
    st.perceived += p.eta_p * (target - st.perceived)


def apply(org, st, p, dr) -> None:
    st.heard = org.is_manager & (dr["heard_u"] < p.feedback)
    heard = np.flatnonzero(st.heard)
    perceive(org, st, p, heard)
    if not len(heard):
        return
    put_rows(st.b, heard, norm_plus((1 - p.eta_fb) * take_rows(st.b, heard)
                                    + p.eta_fb * take_rows(st.b, org.boss[heard])))
    st.tau[heard] += p.feedback_trust_gain * (1 - st.tau[heard])
    if st.o[heard].mean() > p.overload_alarm:
        st.initiatives_now = max(1, st.initiatives_now - 1)
    if team_mean(org, st.u)[heard].mean() < p.understanding_alarm:
        st.rationale_now = min(1.0, st.rationale_now + p.rationale_step)
