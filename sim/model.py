"""OrgModel: the organisation, its state, and the submodels in MODEL.md's schedule order."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from .agents import AGENT_TYPES
from .engine import Engine, Intervention, check_interventions, schedule
from .metrics import summarise
from .org import Chart
from .params import validate
from .submodels import Submodel
from .trace import trace_message

__all__ = ["OrgModel", "Intervention"]


class OrgModel(mesa.Model):
    """Strategy diffusion through middle management (MODEL.md).

    ``OrgModel(rng=None, **params)``: ``params`` are any of ``sim.params.PARAMS`` by name;
    ``strategy`` gives the goals' weights (the new strategy), ``kpi_bias`` one KPI direction per
    department (cycled), ``org_chart`` a ``sim.org.Chart`` to run on instead of the regular tree
    of ``executives``, ``layers`` and ``span``, ``interventions`` a list of ``Intervention``,
    ``submodels`` replacements for named submodels of the schedule.

    The model runs on ``sim.engine.Engine`` (an ensemble of one): the runners advance many
    organisations at once on the same engine.
    """

    def __init__(self, rng=None, *, org_chart: Chart | None = None, strategy=None, kpi_bias=None,
                 interventions=(), submodels: dict[str, Submodel] | None = None, **params):
        p = validate(**params)
        check_interventions(p, interventions)
        schedule(submodels or {})
        super().__init__(rng=rng)
        self.engine = Engine(p, [self.rng], [org_chart], strategy=strategy, kpi_bias=kpi_bias,
                             interventions=interventions, submodels=submodels)
        self._trace_rng = self.engine.trace_rngs[0]
        self._people = None  # the Mesa agents are made on first use (see ``people``)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in self.metrics})
        self.datacollector.collect(self)

    # The organisation, its state, parameters and random streams are the engine's.
    p = property(lambda self: self.engine.p)
    org = property(lambda self: self.engine.org)
    state = property(lambda self: self.engine.state)
    streams = property(lambda self: self.engine.streams)
    schedule = property(lambda self: self.engine.schedule)
    interventions = property(lambda self: self.engine.interventions)
    metrics = property(lambda self: self.engine.metrics, lambda self, row: setattr(self.engine, "metrics", row))

    def set_params(self, **changes) -> None:
        """Change parameters of the running model from the next step on (an intervention, a
        slider). The organisation's structure cannot change; the individual role clarity and
        capability of managers move with the organisation's level."""
        self.engine.set_params(**changes)

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
        self.engine.step()
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
