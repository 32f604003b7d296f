"""What the levers of a scenario cost, from its ``costs`` section (any one currency)::

    costs:
      capability_investment: {per_point_per_manager_per_week: 2000}  # coaching, by its intensity
      feedback: {per_manager_per_week: 15, fixed: 20000}              # forums, plus setting them up
      communication: {per_broadcast: 5000}                            # each all-hands broadcast
      fixed: 100000                                                   # the programme itself

A lever is a model parameter; it is *on* in the weeks its value differs from the model's default
(set in ``parameters``, or from the week an intervention sets it). Its cost over the horizon is
``per_manager_per_week`` x managers x weeks on, plus ``per_point_per_manager_per_week`` x
managers x the sum over the weeks of how far the value is above the default, plus ``fixed`` once
if it is ever on; ``per_broadcast`` x the broadcasts sent (``communication`` including
broadcast, every ``broadcast_interval`` weeks). The cost is deterministic: it depends on the
scenario, not on the replication.
"""

from __future__ import annotations

import math

from .inputs import quote
from .params import BY_NAME, STRUCTURAL

KINDS = ("per_manager_per_week", "per_point_per_manager_per_week", "per_broadcast", "fixed")


def _amount(where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} = {quote(value)} is not allowed: expected a number >= 0")
    return float(value)


def check_costs(costs: dict) -> dict:
    """The ``costs`` section, checked: lever names, cost kinds and amounts (errors name the field)."""
    if not isinstance(costs, dict):
        raise ValueError(f"costs = {quote(costs)} is not allowed: expected a mapping of levers to costs")
    out = {}
    for lever, spec in costs.items():
        where = f"costs.{lever}"
        if lever == "fixed":
            out[lever] = _amount(where, spec)
            continue
        if lever not in BY_NAME or lever in STRUCTURAL:
            raise ValueError(f"{where}: not a lever: expected a non-structural parameter (see `cascade params`) or fixed")
        if not isinstance(spec, dict) or not spec:
            raise ValueError(f"{where} = {quote(spec)} is not allowed: expected a mapping of "
                             f"{', '.join(KINDS)} to amounts")
        for kind, amount in spec.items():
            if kind not in KINDS:
                raise ValueError(f"{where}.{kind}: unknown cost kind; allowed: {', '.join(KINDS)}")
        out[lever] = {kind: _amount(f"{where}.{kind}", amount) for kind, amount in spec.items()}
    return out


def managers(scenario) -> int:
    """Middle managers (people with reports, below the executives)."""
    chart = scenario.chart()
    if chart is not None:
        return int(((chart.n_reports > 0) & (chart.depth > 0)).sum())
    p = scenario.params
    spans = p.span if isinstance(p.span, list) else [p.span] * (p.layers + 1)
    return int(p.executives * sum(math.prod(spans[:d]) for d in range(1, p.layers + 1)))


def _weekly(scenario, lever: str) -> list:
    """The lever's value in each week of the horizon (interventions act from their week on)."""
    value, changes = getattr(scenario.params, lever), {iv.week: iv.changes for iv in scenario.interventions}
    out = []
    for week in range(scenario.horizon):
        value = changes.get(week, {}).get(lever, value)
        out.append(value)
    return out


def costs(scenario) -> dict[str, float]:
    """The cost of each lever over the horizon, and ``total``."""
    n = managers(scenario)
    out = {}
    for lever, spec in scenario.costs.items():
        if lever == "fixed":
            out[lever] = spec
            continue
        default = BY_NAME[lever].default
        values = _weekly(scenario, lever)
        on = [v != default for v in values]
        cost = spec.get("per_manager_per_week", 0.0) * n * sum(on)
        if "per_point_per_manager_per_week" in spec:
            points = sum(max(0.0, float(v) - float(default)) for v in values if isinstance(v, (int, float)))
            cost += spec["per_point_per_manager_per_week"] * n * points
        if "per_broadcast" in spec:
            p = scenario.params
            sends = p.communication in ("broadcast", "both") and p.broadcast_interval > 0
            cost += spec["per_broadcast"] * (math.floor((scenario.horizon - 1) / p.broadcast_interval) + 1 if sends else 0)
        if any(on):
            cost += spec.get("fixed", 0.0)
        out[lever] = cost
    out["total"] = float(sum(out.values()))
    return out


__all__ = ["KINDS", "check_costs", "costs", "managers"]
