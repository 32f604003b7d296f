"""Cascade as an EMA Workbench model, for analysts who work in EMA's own workflow::

    from ema_workbench import perform_experiments
    from sim.explore import ema

    model = ema.model("programme_failure")                 # a sweep spec: its uncertainties, levers, metrics
    experiments, outcomes = perform_experiments(model, scenarios=100, policies=4)

``model(source)`` takes a sweep spec (a ``SweepSpec``, a spec file or a bundled sweep's name): its
uncertainties and levers become EMA's (a parameter the spec does not mark is an uncertainty), a range
a ``RealParameter`` (``IntegerParameter`` for whole numbers), a list a ``CategoricalParameter``; its
metrics the ``ScalarOutcome``s; its base scenario, horizon and replications the model's. Or a scenario
(a ``Scenario``, a file or a bundled name) with ``uncertainties`` and ``levers`` given as
``{name: (low, high)}``, ``{name: [values]}`` or a list of names (each over its whole allowed range).

An experiment runs the replications exactly as a sweep runs a point (the same seeds: replication
``rep`` of every experiment shares its random numbers, common random numbers) and returns each
outcome's mean over them; a run that fails gives NaN. EMA Workbench is the optional extra ``explore``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..params import BY_NAME
from ..scenario import Scenario, load_scenario
from ..sweep.engine import run_batch
from .discover import _ema
from ..sweep.spec import DEFAULT_METRICS, Range, SweepError, SweepSpec, find_spec, load_spec, outputs


class Experiment:
    """EMA's model function: the mean of each outcome over the replications of one experiment
    (a picklable object, so EMA's multiprocessing evaluator can ship it to its workers)."""

    def __init__(self, kwargs: dict, horizon: int, replications: int, entropy: int, outcomes: tuple[str, ...]):
        self.kwargs, self.horizon, self.replications = kwargs, horizon, replications
        self.entropy, self.outcomes = entropy, outcomes

    def __call__(self, **values) -> dict[str, float]:
        values = {k: _plain(v) for k, v in values.items()}
        # the replications as one ensemble, as `cascade sweep` runs them (the same results)
        records = run_batch((self.entropy, self.kwargs, self.horizon, None,
                             [(rep, 0, rep, values) for rep in range(self.replications)], True))
        out = {}
        for name in self.outcomes:
            got = [r.get(name, math.nan) if r["status"] == "ok" else math.nan for r, _ in records]
            out[name] = float(np.mean(got))
        return out


def _plain(value):
    """EMA hands numpy scalars; the model's parameters take Python numbers."""
    return value.item() if isinstance(value, np.generic) else value


def model(source, uncertainties=None, levers=None, outcomes=None, replications: int | None = None,
          seed: int = 0, name: str | None = None):
    """An EMA Workbench ``Model`` of Cascade: from a sweep spec, or from a scenario with
    ``uncertainties`` and ``levers`` (see the module's doc). ``seed`` is used with a scenario
    (a spec's seeds come from its identity, as in `cascade sweep`)."""
    _ema()  # imported quietly, or a one-line error naming the extra
    from ema_workbench import Model, ScalarOutcome
    spec = _spec(source)
    if spec is not None:
        scenario, entropy = spec.scenario, spec.entropy
        roles = spec.roles
        uncertainties = uncertainties or {n: v for n, v in spec.parameters.items() if roles.get(n) != "lever"}
        levers = levers or {n: v for n, v in spec.parameters.items() if roles.get(n) == "lever"}
        outcomes = outcomes or spec.metrics
        replications = replications or spec.replications
    else:
        scenario = source if isinstance(source, Scenario) else load_scenario(source)
        if not uncertainties and not levers:
            raise SweepError("ema.model(scenario): give the uncertainties and/or levers to explore "
                             "(or a sweep spec that names them)")
        entropy = seed
        outcomes = outcomes or DEFAULT_METRICS
        replications = replications or scenario.replications
    metrics, _ = outputs(scenario)
    for o in outcomes:
        if o not in metrics:
            raise SweepError(f"outcome {o[:60]!r} is not a summary metric; allowed: {', '.join(metrics)}")
    function = Experiment(scenario.model_kwargs(), scenario.horizon, int(replications), entropy, tuple(outcomes))
    ema_model = Model(name or _identifier(spec.name if spec is not None else scenario.name), function=function)
    ema_model.uncertainties = [_parameter(n, v) for n, v in _ranges(uncertainties).items()]
    ema_model.levers = [_parameter(n, v) for n, v in _ranges(levers).items()]
    ema_model.outcomes = [ScalarOutcome(o) for o in outcomes]
    return ema_model


def _spec(source) -> SweepSpec | None:
    if isinstance(source, SweepSpec):
        return source
    if isinstance(source, Scenario):
        return None
    try:
        find_spec(source)
    except SweepError:
        return None  # not a spec: a scenario
    return load_spec(source)


def _ranges(given) -> dict:
    """``{name: (low, high) | [values] | Range | tuple of values}`` or a list of names (each over
    its allowed range), checked against the parameters."""
    if not given:
        return {}
    if not isinstance(given, dict):
        given = {n: None for n in given}
    out = {}
    for n, v in given.items():
        if n not in BY_NAME:
            raise SweepError(f"{n[:60]!r} is not a parameter (see `cascade params`)")
        p = BY_NAME[n]
        if v is None:
            v = list(p.choices) if p.choices else Range(low=p.low, high=p.high)
        elif isinstance(v, tuple) and len(v) == 2 and not p.choices and all(isinstance(x, (int, float)) for x in v):
            v = Range(low=v[0], high=v[1])
        out[n] = v
    return out


def _parameter(name: str, values):
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if isinstance(values, Range):
        if BY_NAME[name].kind is int:
            return IntegerParameter(name, int(values.low), int(values.high))
        return RealParameter(name, float(values.low), float(values.high))
    return CategoricalParameter(name, list(values))


def _identifier(text: str) -> str:
    """EMA wants a model name that is a Python identifier."""
    cleaned = "".join(c if c.isalnum() else "_" for c in Path(str(text)).stem)
    return cleaned if cleaned[:1].isalpha() else f"cascade_{cleaned}"


__all__ = ["model", "Experiment"]
