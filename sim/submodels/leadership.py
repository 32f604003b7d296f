"""Leadership (MODEL.md 4.1, 4.3): pivots, initiative bookkeeping, all-hands broadcasts."""

from __future__ import annotations

import numpy as np

from ..members import any_of, at_rows, column, flags, per_member, per_selected, pick, rows_of
from ..state import exec_strategies, norm_plus, norm_plus_nonzero, set_executives, unit


def draw_pivots(org, st, p, rng) -> dict:
    k = p.n_goals
    pivot_u = per_member(org, rng, lambda g, o: g.random())
    z = per_member(org, rng, lambda g, o: g.standard_normal((1, k))[0])
    z_exec = per_selected(org, rng, np.arange(org.level_start[1]), lambda g, n: g.standard_normal((n, k)))
    # random directions (``random_direction``), made from every member's normals at once
    return {"pivot_u": pivot_u, "z": norm_plus(np.abs(np.reshape(z, (-1, k)))).reshape(z.shape),
            "z_exec": norm_plus(np.abs(z_exec))}


def pivot_due(st, p, pivot_u):
    """Whether the strategy pivots this week (per member of an ensemble: ``pivot_u`` is then one
    number per member, and so is the answer; so may ``pivot_interval`` be)."""
    if np.ndim(pivot_u):
        interval = p.pivot_interval
        if st.force_pivot:
            return np.ones(len(pivot_u), dtype=bool)
        never = (np.asarray(interval) <= 0) | (st.week == 0)
        if p.pivot_schedule == "fixed":
            due = st.week % np.maximum(1, np.round(interval)) == 0
        else:
            due = pivot_u < 1.0 / np.where(never, 1.0, interval)
        return np.broadcast_to(~never & due, np.shape(pivot_u)).copy()  # (one per member, always)
    if st.force_pivot:
        return True
    if p.pivot_interval <= 0 or st.week == 0:
        return False
    if p.pivot_schedule == "fixed":
        return st.week % max(1, round(p.pivot_interval)) == 0
    return pivot_u < 1.0 / p.pivot_interval


def launch_initiative(st, which=True) -> None:
    """A new initiative starts (in the members ``which``, for an ensemble)."""
    st.launched += which
    st.progress = pick(which, 0.0, st.progress)
    st.initiative_start = pick(which, st.week, st.initiative_start)


def fail_initiative(org, st, p, which=True) -> None:
    """The current initiative ran to its deadline unfinished: it failed in everyone's sight, and
    everyone below the top loses ``k_fail`` of their commitment and trust (the results loop,
    MODEL.md 10.3, Repenning 2002); a new initiative starts. ``which``: the members where it
    failed (an ensemble's)."""
    if p.k_fail:
        lose_heart(st, rows_of(org, org.staff, which), p.k_fail)
    abandon_initiative(st, which)


def abandon_initiative(st, which=True) -> None:
    """The current initiative ends unfinished (counted as failed) and a new one starts. A pivot that
    abandons one costs commitment and trust through the pivot's own shocks (``m_pivot_loss``,
    ``tau_pivot_loss``), not ``k_fail`` as well: the work was dropped, not seen to fail.
    ``which``: the members where it ends (an ensemble's)."""
    st.failed += which
    launch_initiative(st, which)


def lose_heart(st, people, loss) -> None:
    """The results loop's losses (MODEL.md 10.3): ``people`` lose a share ``loss`` (one, or one
    each) of their commitment and trust."""
    st.m[people] *= 1 - loss
    st.tau[people] *= 1 - loss


def apply_pivots(org, st, p, dr) -> None:
    due = flags(pivot_due(st, p, dr["pivot_u"]))
    # An initiative whose deadline passed has failed; a new one with the same direction starts.
    late = flags(st.week - st.initiative_start >= p.initiative_deadline)
    expired = late & ~due if np.ndim(due) else late and not due
    if any_of(expired):
        fail_initiative(org, st, p, expired)
    if not any_of(due):
        return
    st.force_pivot = False
    mu = p.pivot_magnitude
    unfinished = 1.0 - np.minimum(st.progress / p.initiative_effort, 1.0)
    abandon_initiative(st, due)
    st.pivots += due
    st.n_repeat = pick(due, 0, st.n_repeat)
    st.initiatives_now = pick(due, p.initiatives, st.initiatives_now)
    people = rows_of(org, org.staff, due)
    st.f[people] = np.minimum(st.f[people] + p.a_pivot * at_rows(org, unfinished, people), 1.0)
    st.tau[people] = np.maximum(st.tau[people] - p.tau_pivot_loss, 0.0)
    st.m[people] *= 1.0 - mu * p.m_pivot_loss
    st.u[people] *= 1.0 - mu * p.u_pivot_loss
    st.conf[people] *= 1.0 - mu * p.conf_pivot_loss
    st.s = pick(np.reshape(due, (-1, 1)) if np.ndim(due) else due,
                norm_plus((1 - mu) * st.s + mu * dr["z"]), st.s)
    execs = rows_of(org, org.level(0), due)
    set_executives(org, st, exec_strategies(at_rows(org, st.s, execs), dr["z_exec"][execs],
                                             column(at_rows(org, p.leadership_alignment, execs))), execs)


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
    msg = np.multiply(st.zeta[people], (p.c_b * at_rows(org, p.translation_noise, people) * (1 - u))[:, None])
    msg += at_rows(org, st.s, people)
    carries = norm_plus_nonzero(msg)  # a reading clipped to nothing says nothing
    w = (p.eta_b * st.tau[people] * (1 - f) * p.nu**at_rows(org, st.n_repeat, people) * carries)[:, None]
    b = st.b[people]  # a view: updated in place
    b *= 1 - w
    msg *= w
    b += msg
    unit(b)
    st.conf[people] += at_rows(org, p.conf_broadcast, people) * (1 - st.conf[people])
    tired = rows_of(org, people, st.n_repeat > 0)  # a repeat tires people
    st.f[tired] = np.minimum(st.f[tired] + p.a_repeat, 1.0)
    st.n_repeat += 1
