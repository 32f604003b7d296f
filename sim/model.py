"""OrgModel: the organisation, its state, and the submodels in MODEL.md's schedule order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import pandas as pd

from .agents import AGENT_TYPES
from .metrics import measure, summarise
from .org import Chart, build_org, regular_bosses
from .params import STRUCTURAL, ParameterError, validate
from .state import init_state
from .submodels import SCHEDULE, Submodel
from .submodels.workload import compute_load
from .trace import trace_message


@dataclass(frozen=True)
class Intervention:
    """At the start of ``week``: set parameters and/or force a pivot."""

    week: int
    changes: dict[str, Any] = field(default_factory=dict)
    pivot: bool = False


class OrgModel(mesa.Model):
    """Strategy diffusion through middle management (MODEL.md).

    ``OrgModel(rng=None, **params)``: ``params`` are any of ``sim.params.PARAMS`` by name;
    ``strategy`` gives the goals' weights (the new strategy), ``kpi_bias`` one KPI direction per
    department (cycled), ``org_chart`` a ``sim.org.Chart`` to run on instead of the regular tree
    of ``executives``, ``layers`` and ``span``, ``interventions`` a list of ``Intervention``,
    ``submodels`` replacements for named submodels of the schedule.
    """

    def __init__(self, rng=None, *, org_chart: Chart | None = None, strategy=None, kpi_bias=None,
                 interventions=(), submodels: dict[str, Submodel] | None = None, **params):
        self.p = validate(**params)
        self.interventions = _check_interventions(self.p, interventions)
        self.schedule = _schedule(submodels or {})
        super().__init__(rng=rng)
        # Separate streams for the strategy, the structure, the people and each submodel, so that
        # alternatives compared on one seed share whatever randomness they can.
        # (From a fresh SeedSequence: Generator.spawn would depend on how often the caller's
        # SeedSequence has already been spawned from.)
        root = np.random.SeedSequence(self.rng.integers(0, 2**32, size=4).tolist())
        strategy_rng, org_rng, people_rng, trace, *streams = (
            np.random.default_rng(s) for s in root.spawn(4 + len(SCHEDULE)))
        self.streams = {sm.name: g for sm, g in zip(SCHEDULE, streams)}
        self._trace_rng = trace

        p = self.p
        if org_chart is None:
            spans = p.span if isinstance(p.span, list) else [p.span] * (p.layers + 1)
            org_chart = Chart(regular_bosses(p.executives, spans))
        self.org = build_org(org_chart.bosses, p.peer_degree, p.cross_silo_ties, org_rng,
                             org_chart.departments)
        self.state = init_state(self.org, p, people_rng, strategy_rng, strategy=strategy,
                                kpi_bias=kpi_bias, traits=org_chart.traits)
        compute_load(self.org, self.state, p)  # the first week's cascade meets this week's load
        self._people = None  # the Mesa agents are made on first use (see ``people``)

        self.metrics = measure(self.org, self.state, p)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in self.metrics})
        self.datacollector.collect(self)

    def _intervene(self, iv: Intervention) -> None:
        self.set_params(**iv.changes)
        self.state.force_pivot |= iv.pivot

    def set_params(self, **changes) -> None:
        """Change parameters of the running model from the next step on (an intervention, a
        slider). The organisation's structure cannot change; the individual role clarity and
        capability of managers move with the organisation's level."""
        structural = STRUCTURAL & {k for k, v in changes.items() if v != getattr(self.p, k, v)}
        if structural:
            raise ParameterError(f"{', '.join(sorted(structural))} cannot change in a running model: "
                                 "the structure of the organisation is fixed (build a new model)")
        old, st = self.p, self.state
        self.p = validate(**{**old.model_dump(), **changes})
        managers = self.org.n_reports > 0
        for name, attr in (("role_clarity", "r"), ("capability", "c")):
            shift = getattr(self.p, name) - getattr(old, name)
            if shift:
                values = getattr(st, attr)
                values[managers] = np.clip(values[managers] + shift, 0, 1)
        if self.p.initiatives != old.initiatives:
            st.initiatives_now = self.p.initiatives
        if self.p.rationale != old.rationale:
            st.rationale_now = self.p.rationale

    @property
    def week(self) -> int:
        return self.state.week

    # The Mesa agents are views onto rows of the state and hold nothing of their own, so they are
    # made when first asked for: a model that is only run (a sweep, a 1,000,000-person benchmark)
    # never pays for them (about 80% of building a 100,000-person model, and 0.5 kB a person).
    @property
    def people(self) -> list:
        """The Mesa agents (Executive, MiddleManager, Employee), one per row of the state."""
        if self._people is None:
            self._people = []  # registering an agent may look at the model's agents
            self._people.extend(AGENT_TYPES[role](self, row) for row, role in enumerate(self.org.role.tolist()))
        return self._people

    @property
    def agents(self):
        self.people
        return super().agents

    @property
    def agents_by_type(self):
        self.people
        return super().agents_by_type

    @property
    def agent_types(self):
        self.people
        return super().agent_types

    def step(self) -> None:
        st = self.state
        for iv in self.interventions:
            if iv.week == st.week:
                self._intervene(iv)
        for sm in self.schedule:
            sm.apply(self.org, st, self.p, sm.draw(self.org, st, self.p, self.streams[sm.name]))
        st.week += 1
        self.metrics = measure(self.org, st, self.p)
        self.datacollector.collect(self)

    def run(self, weeks: int) -> pd.DataFrame:
        """Run ``weeks`` steps and return the time series."""
        for _ in range(weeks):
            self.step()
        return self.timeseries()

    def timeseries(self) -> pd.DataFrame:
        """Every output of MODEL.md section 6, one row per week (week 0 is the start)."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def summary(self) -> dict:
        """The per-run summary (MODEL.md section 6) as a plain dict."""
        return summarise(self.timeseries())

    def trace_message(self, employee: int | None = None, rng=None) -> pd.DataFrame:
        """Follow one strategy message from an executive down one chain of command.

        See ``sim.trace.trace_message``; the model's own random streams are not touched.
        """
        return trace_message(self, employee, self._trace_rng if rng is None else np.random.default_rng(rng))


def _reporter(name: str):
    return lambda model: model.metrics[name]


def _schedule(replacements: dict[str, Submodel]) -> list[Submodel]:
    names = [sm.name for sm in SCHEDULE]
    for name in replacements:
        if name not in names:
            raise ParameterError(f"unknown submodel {name!r}: expected one of {', '.join(names)}")
    return [replacements.get(sm.name, sm) for sm in SCHEDULE]


def _check_interventions(p, interventions) -> tuple[Intervention, ...]:
    out = []
    for iv in interventions:
        iv = iv if isinstance(iv, Intervention) else Intervention(**iv)
        structural = STRUCTURAL & set(iv.changes)
        if structural:
            raise ParameterError(
                f"intervention at week {iv.week} changes {', '.join(sorted(structural))}: "
                "the structure of the organisation cannot change during a run")
        if not isinstance(iv.week, int) or iv.week < 0:
            raise ParameterError(f"intervention week {iv.week!r} is not allowed: expected an integer >= 0")
        validate(**{**p.model_dump(), **iv.changes})
        out.append(iv)
    return tuple(out)
