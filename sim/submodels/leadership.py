"""Leadership (MODEL.md 4.1, 4.3): pivots, initiative bookkeeping, all-hands broadcasts."""

from __future__ import annotations

import numpy as np

from ..state import (exec_strategies, norm_plus, norm_plus_nonzero, random_direction,
                     set_executives, unit)


def draw_pivots(org, st, p, rng) -> dict:
    n_exec = int(org.level_start[1])
    return {
        "pivot_u": rng.random(),
        "z": random_direction(rng, 1, p.n_goals)[0],
        "z_exec": random_direction(rng, n_exec, p.n_goals),
    }


def pivot_due(st, p, pivot_u: float) -> bool:
    if st.force_pivot:
        return True
    if p.pivot_interval <= 0 or st.week == 0:
        return False
    if p.pivot_schedule == "fixed":
        return st.week % max(1, round(p.pivot_interval)) == 0
    return pivot_u < 1.0 / p.pivot_interval


def launch_initiative(st) -> None:
    st.launched += 1
    st.progress = 0.0
    st.initiative_start = st.week


def fail_initiative(org, st, p) -> None:
    """The current initiative ran to its deadline unfinished: it failed in everyone's sight, and
    everyone below the top loses ``k_fail`` of their commitment and trust (the results loop,
    MODEL.md 10.3, Repenning 2002); a new initiative starts."""
    if p.k_fail:
        lose_heart(st, org.staff, p.k_fail)
    abandon_initiative(st)


def abandon_initiative(st) -> None:
    """The current initiative ends unfinished (counted as failed) and a new one starts. A pivot that
    abandons one costs commitment and trust through the pivot's own shocks (``m_pivot_loss``,
    ``tau_pivot_loss``), not ``k_fail`` as well: the work was dropped, not seen to fail."""
    st.failed += 1
    launch_initiative(st)


def lose_heart(st, people, loss: float) -> None:
    """The results loop's losses (MODEL.md 10.3): ``people`` lose a share ``loss`` of their
    commitment and trust."""
    st.m[people] *= 1 - loss
    st.tau[people] *= 1 - loss


def apply_pivots(org, st, p, dr) -> None:
    if not pivot_due(st, p, dr["pivot_u"]):
        # An initiative whose deadline passed has failed; a new one with the same direction starts.
        if st.week - st.initiative_start >= p.initiative_deadline:
            fail_initiative(org, st, p)
        return
    st.force_pivot = False
    mu = p.pivot_magnitude
    unfinished = 1.0 - min(st.progress / p.initiative_effort, 1.0)
    abandon_initiative(st)
    st.pivots += 1
    st.n_repeat = 0
    st.initiatives_now = p.initiatives
    people = org.staff
    st.f[people] = np.minimum(st.f[people] + p.a_pivot * unfinished, 1.0)
    st.tau[people] = np.maximum(st.tau[people] - p.tau_pivot_loss, 0.0)
    st.m[people] *= 1.0 - mu * p.m_pivot_loss
    st.u[people] *= 1.0 - mu * p.u_pivot_loss
    st.conf[people] *= 1.0 - mu * p.conf_pivot_loss
    st.s = norm_plus((1 - mu) * st.s + mu * dr["z"])
    set_executives(org, st, exec_strategies(st.s, dr["z_exec"], p.leadership_alignment))


def apply_broadcast(org, st, p, dr) -> None:
    """All-hands: everyone reads the official strategy through their own frame.

    Moves belief and confidence, never understanding; each repeat of an unchanged strategy
    weighs less (noise fatigue) and tires people.
    """
    if p.communication == "cascade" or st.week < st.next_broadcast:
        return
    st.next_broadcast = st.week + p.broadcast_interval
    people = org.staff
    u, f = st.u[people], st.f[people]
    msg = np.multiply(st.zeta[people], (p.c_b * p.translation_noise * (1 - u))[:, None])
    msg += st.s
    carries = norm_plus_nonzero(msg)  # a reading clipped to nothing says nothing
    w = (p.eta_b * st.tau[people] * (1 - f) * p.nu**st.n_repeat * carries)[:, None]
    b = st.b[people]  # a view: updated in place
    b *= 1 - w
    msg *= w
    b += msg
    unit(b)
    st.conf[people] += p.conf_broadcast * (1 - st.conf[people])
    if st.n_repeat > 0:
        st.f[people] = np.minimum(f + p.a_repeat, 1.0)
    st.n_repeat += 1
