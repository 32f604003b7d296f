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
from ..members import at_rows, means, pick, strategies, uniform_per_row
from ..state import norm_plus, put_rows, take_rows
from .peers import managers


def draw(org, st, p, rng) -> dict:
    # (only managers are heard)
    return {"heard_u": uniform_per_row(org, rng, managers)}


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
    target = st.delivered
    if len(heard):
        team = team_mean(org, alignment(st.b, strategies(org, st), unit=True))[heard]
        heard_says = 1 - p.candour * st.tau[heard] * (1 - team)
        said = means(org, heard_says, heard)  # (a member without reports: NaN, and what was delivered)
        target = float(said) if np.ndim(said) == 0 else np.where(np.isnan(said), st.delivered, said)
    st.perceived += p.eta_p * (target - st.perceived)


def apply(org, st, p, dr) -> None:
    st.heard = org.is_manager & (dr["heard_u"] < at_rows(org, p.feedback, slice(0, org.n)))
    heard = np.flatnonzero(st.heard)
    perceive(org, st, p, heard)
    if not len(heard):
        return
    put_rows(st.b, heard, norm_plus((1 - p.eta_fb) * take_rows(st.b, heard)
                                    + p.eta_fb * take_rows(st.b, org.boss[heard])))
    st.tau[heard] += p.feedback_trust_gain * (1 - st.tau[heard])
    # (per member of an ensemble; a member where nobody was heard hears no alarm: NaN compares false)
    overloaded = means(org, st.o[heard], heard) > p.overload_alarm
    st.initiatives_now = pick(overloaded, np.maximum(st.initiatives_now - 1, 1)
                              if np.ndim(overloaded) else max(1, st.initiatives_now - 1), st.initiatives_now)
    unclear = means(org, team_mean(org, st.u)[heard], heard) < p.understanding_alarm
    st.rationale_now = pick(unclear, np.minimum(st.rationale_now + p.rationale_step, 1.0)
                            if np.ndim(unclear) else min(1.0, st.rationale_now + p.rationale_step), st.rationale_now)
