"""Follow one strategy message down one chain of command (the telephone game).

At each hop the sender translates what they now believe for the receiver, with the model's own
translation noise (MODEL.md 4.2): the receiver's frame and a fresh draw. The message is dropped
with the sender's overload (delivery chance ``min(1, 1/load)``); if it arrives, the receiver
updates their belief as in the cascade and passes their updated belief on. Nothing in the model
changes; the draws come from a separate stream.

Every alignment reported is ``sim.geometry.alignment`` (the centred cosine with the strategy):
0 = a random or vague (equal weights) priority mix, 1 = the strategy, below 0 = a reversed ranking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .geometry import alignment
from .org import EMPLOYEE
from .state import norm_plus
from .submodels.cascade import message_weight, sender_noise


def chain_of_command(org, employee: int) -> list[int]:
    rows = [employee]
    while org.boss[rows[-1]] >= 0:
        rows.append(int(org.boss[rows[-1]]))
    return rows[::-1]


def trace_message(model, employee: int | None, rng: np.random.Generator) -> pd.DataFrame:
    org, st, p = model.org, model.state, model.p
    if employee is None:
        employee = int(rng.choice(np.flatnonzero(org.role == EMPLOYEE)))
    elif not 0 <= employee < org.n:
        raise ValueError(f"employee {employee!r} is not a person of this organisation (0..{org.n - 1})")
    chain = chain_of_command(org, employee)
    belief = st.b[chain[0]].copy()
    hops = []
    for sender, receiver in zip(chain[:-1], chain[1:]):
        sigma = float(sender_noise(org, st, p, np.array([sender]))[0])
        rho = p.translation_persistence
        noise = (np.sqrt(rho) * (1 - p.dialogue) * st.zeta[receiver]
                 + np.sqrt(1 - rho) * rng.standard_normal(len(st.s)))
        msg = norm_plus(belief + sigma * noise)
        sent_from, arrived = _align(belief, st.s), _align(msg, st.s)
        load = float(st.load[sender])
        chance = min(1.0, 1.0 / load) if load > 0 else 1.0
        delivered = bool(rng.random() < chance)
        why = bool(rng.random() < st.rationale_now)
        before = _align(st.b[receiver], st.s)
        w = message_weight(p, st.tau[receiver], st.f[receiver], st.m[receiver], st.kappa[sender])
        after_belief = norm_plus((1 - w) * st.b[receiver] + w * msg) if delivered else st.b[receiver]
        hop = {
            "hop": len(hops) + 1,
            "sender": sender,
            "receiver": receiver,
            "level": int(org.depth[receiver]),
            "sender_alignment": sent_from,
            "message_alignment": arrived,
            "noise": sigma,
            "delivery_chance": chance,
            "delivered": delivered,
            "carries_why": why and delivered,
            "weight": float(w) if delivered else 0.0,
            "receiver_alignment_before": before,
            "receiver_alignment_after": _align(after_belief, st.s),
            "what_happened": _explain(org, st, sender, sigma, load, chance, delivered,
                                      sent_from, arrived, attention_moved(belief, msg)),
        }
        hop.update({f"message_{g}": float(v) for g, v in enumerate(msg)})
        hop.update({f"after_{g}": float(v) for g, v in enumerate(after_belief)})
        hops.append(hop)
        if not delivered:
            break
        belief = after_belief
    return pd.DataFrame(hops)


def _align(v, s) -> float:
    return float(alignment(np.asarray(v, dtype=float), s))


CLOSE = 0.05  # a message within this much of its sender's alignment was passed on closely
RESHUFFLED = 0.15  # ... unless more than this share of its attention moved between goals


def attention_moved(before, after) -> float:
    """The share of attention that moved between goals from one priority mix to another (half the
    L1 distance between the mixes of positive parts: 0 = the same bar, 1 = nothing in common)."""
    a, b = (np.maximum(np.asarray(v, dtype=float), 0) for v in (before, after))
    a, b = (v / v.sum() if v.sum() > 0 else v for v in (a, b))
    return float(0.5 * np.abs(a - b).sum())


def _explain(org, st, sender, sigma, load, chance, delivered, sent_from, arrived, moved) -> str:
    """What happened to the message at this hop, in words that agree with its alignment and its
    bar: distorted (alignment fell by more than CLOSE), passed on closely (alignment within CLOSE
    and at most RESHUFFLED of the attention moved), reshuffled (alignment within CLOSE but the mix
    changed more), or moved closer (alignment rose)."""
    if not delivered:
        return f"dropped: the sender is overloaded (load {load:.2f}, delivery chance {chance:.0%})"
    change = arrived - sent_from
    if change < -CLOSE:
        if org.depth[sender] == 0:
            why = "an executive's unclear articulation"
        else:
            why = (f"capability {st.c[sender]:.2f}, understanding {st.u[sender]:.2f}, "
                   f"overload {st.o[sender]:.2f}")
        return (f"distorted (alignment {sent_from:.2f} -> {arrived:.2f}): translation noise {sigma:.2f} "
                f"({why}) moved it off the strategy")
    if change <= CLOSE and moved <= RESHUFFLED:
        return f"passed on closely (alignment {sent_from:.2f} -> {arrived:.2f})"
    if change <= CLOSE:
        return (f"reshuffled: {moved:.0%} of the attention moved between goals, its alignment about "
                f"the same ({sent_from:.2f} -> {arrived:.2f}; translation noise {sigma:.2f})")
    return (f"noise happened to move it closer to the strategy (alignment {sent_from:.2f} -> {arrived:.2f}; "
            f"translation noise {sigma:.2f})")
