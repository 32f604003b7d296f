"""The submodels of MODEL.md section 4, in the order of section 3.

Each submodel is a pair of functions:

- ``draw(org, state, params, rng) -> dict``: every random number the submodel needs this week,
  drawn up front as arrays indexed by person (so results never depend on agent order);
- ``apply(org, state, params, draws)``: the deterministic update, a whole level at a time.

The naive per-agent reference (``bench/naive.py``) consumes the same draws, so the two can be
compared draw for draw. Each submodel draws from its own random stream, so a change in one
(say, a different number of leavers) never shifts the numbers another one sees: alternatives
compared on the same seed share their randomness wherever they can (common random numbers).

To replace one submodel, pass ``OrgModel(submodels={"peers": my_submodel})``; see
``BOUNDED_CONFIDENCE`` for an example.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from . import cascade, development, execution, feedback, leadership, peers, workload


def no_draws(org, st, p, rng) -> dict:
    return {}


class Submodel(NamedTuple):
    name: str
    apply: Callable
    draw: Callable = no_draws


SCHEDULE: tuple[Submodel, ...] = (
    Submodel("pivots", leadership.apply_pivots, leadership.draw_pivots),  # 1. leadership
    Submodel("broadcast", leadership.apply_broadcast),
    Submodel("cascade", cascade.apply, cascade.draw),  # 2. downward cascade, with dialogue
    Submodel("peers", peers.apply_degroot),  # 3. peer influence, habit, stubbornness
    Submodel("adoption", peers.apply_adoption, peers.draw_adoption),
    Submodel("feedback", feedback.apply, feedback.draw),  # 4. upward feedback, responses
    Submodel("workload", workload.apply_workload),  # 5. workload ... turnover
    Submodel("fatigue", workload.apply_fatigue),
    Submodel("turnover", workload.apply_turnover, workload.draw_turnover),
    Submodel("trust", development.apply_trust),  # 6. trust, rewards, capability, reviews, KPIs
    Submodel("development", development.apply_development),
    Submodel("reviews", development.apply_reviews),
    Submodel("execution", execution.apply),  # initiatives and execution
)

# An alternative to DeGroot peer influence: bounded confidence (see peers.apply_bounded_confidence).
BOUNDED_CONFIDENCE = Submodel("peers", peers.apply_bounded_confidence)
