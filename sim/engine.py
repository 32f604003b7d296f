"""The engine under ``OrgModel`` and the runners: one organisation, or an ensemble of several
advanced together as one array program (``sim.members``).

An ensemble's members share the parameters (but those of ``VARYING``, which may differ) and the
interventions; each has its own seed and may have its own org chart. Every member draws from
exactly the random streams it would use alone, so its time series equals the same run done alone
(to rounding, about 1e-15). A small organisation's week is mostly the fixed cost of a few hundred
numpy calls; an ensemble of R pays that cost once for all R (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .members import at_rows
from .metrics import LEVEL_METRICS, measure
from .org import Chart, build_org, regular_bosses, stack_orgs
from .params import STRUCTURAL, ParameterError, validate
from .state import init_state, member_state, stack_states
from .submodels import SCHEDULE, Submodel
from .submodels.workload import compute_load


@dataclass(frozen=True)
class Intervention:
    """At the start of ``week``: set parameters and/or force a pivot."""

    week: int
    changes: dict[str, Any] = field(default_factory=dict)
    pivot: bool = False


# Parameters whose values may differ between the members of one ensemble (every use of them in
# the submodels takes one value per member); members that differ in any other parameter run in
# separate ensembles.
VARYING = ("pivot_interval", "role_clarity", "capability", "p_quit", "translation_noise", "rationale",
           "leadership_consistency", "base_load", "conf_broadcast", "m_adopt", "initiative_effort", "feedback",
           "dialogue", "change_rewards", "capability_investment", "leadership_alignment", "champion_share",
           "kpi_alignment")


def combine(params: Sequence) -> Any:
    """One set of parameters for an ensemble's members (validated ``Params``, one per member): each
    value shared by all, or, for a parameter of ``VARYING`` whose values differ, an array with one
    value per member."""
    first, dumps = params[0], [q.model_dump() for q in params]
    update = {}
    for name, value in dumps[0].items():
        values = [d[name] for d in dumps]
        if any(v != value for v in values):
            if name not in VARYING:
                raise ValueError(f"the members of an ensemble differ in {name}: they may differ only in "
                                 f"{', '.join(VARYING)}")
            update[name] = np.array(values, dtype=float)
    return first.model_copy(update=update) if update else first


def can_share(a: dict, b: dict) -> bool:
    """Whether runs with parameter values ``a`` and ``b`` (dicts by name) can share an ensemble."""
    return all(a.get(k) == b.get(k) for k in a.keys() | b.keys() if k not in VARYING)


def ensembles(values: Sequence[dict], size: int) -> list[list[int]]:
    """The runs of ``values`` (each run's parameter values, a dict by name), by index, in ensembles
    of at most ``size`` runs that may share one (equal in every parameter outside ``VARYING``):
    the runs of each such group in their order, the groups in the order of their first run."""
    groups: dict[tuple, list[int]] = {}
    for i, point in enumerate(values):
        groups.setdefault(tuple(sorted((k, repr(v)) for k, v in point.items() if k not in VARYING)), []).append(i)
    return [runs[i:i + size] for runs in groups.values() for i in range(0, len(runs), size)]


def member_kwargs(values: Sequence[dict]) -> dict:
    """``run_ensemble``'s parameters for members with parameter values ``values`` (dicts by name,
    differing only in ``VARYING``): the values they share, and ``varying``, each member's own."""
    shared = {k: v for k, v in values[0].items() if k not in VARYING}
    return {**shared, "varying": [{k: v for k, v in x.items() if k in VARYING} for x in values]}


class Engine:
    """``Engine(p, rngs, charts=None, ...)``: ``len(rngs)`` organisations with the validated
    parameters ``p`` (one ``Params`` for all, or a list with one per member, differing only in
    ``VARYING``), member ``i`` seeded by the generator ``rngs[i]`` and built on ``charts[i]``
    (a ``sim.org.Chart``, or None for the regular tree of the parameters). ``strategy``,
    ``kpi_bias``, ``interventions`` and ``submodels`` as for ``OrgModel``.

    ``metrics``: the latest outputs (one value per output for one organisation; an array with one
    value per member for an ensemble). ``run(weeks)``: one time series per member.

    ``stacked`` (default: more than one member): run as an ensemble even with one member, so that
    a run's results do not depend on how many others share its ensemble (an ensemble's sums over a
    member's rows are added in another order than a lone organisation's: results agree to about
    1e-15, not bit for bit).
    """

    def __init__(self, p, rngs: Sequence[np.random.Generator], charts: Sequence[Chart | None] | None = None,
                 *, strategy=None, kpi_bias=None, interventions=(), submodels: dict[str, Submodel] | None = None,
                 stacked: bool | None = None):
        self.member_params = list(p) if isinstance(p, (list, tuple)) else [p] * len(rngs)
        charts = list(charts) if charts is not None else [None] * len(rngs)
        if not rngs or len(charts) != len(rngs) or len(self.member_params) != len(rngs):
            raise ValueError(f"an ensemble needs one chart and one set of parameters per member: {len(rngs)} "
                             f"seeds, {len(charts)} charts, {len(self.member_params)} sets of parameters")
        self.p = p = combine(self.member_params)
        for q in {id(q): q for q in self.member_params}.values():
            self.interventions = check_interventions(q, interventions)
        self.schedule = schedule(submodels or {})
        built = [_member(q, rng, chart, strategy, kpi_bias) for q, rng, chart in zip(self.member_params, rngs, charts)]
        self.trace_rngs = [b[1] for b in built]
        if len(built) == 1 and not stacked:
            (streams, _, self.org, self.state), = built
            self.streams = streams
        else:
            self.org = stack_orgs([b[2] for b in built])
            self.state = stack_states(self.org, [b[3] for b in built])
            self.streams = {name: [b[0][name] for b in built] for name in built[0][0]}
        compute_load(self.org, self.state, p)  # the first week's cascade meets this week's load
        self.metrics = measure(self.org, self.state, p)
        self.history = [self.metrics]

    @property
    def size(self) -> int:
        """How many organisations (members)."""
        return 1 if self.org.members is None else self.org.members.count

    def set_params(self, **changes) -> None:
        """Change parameters from the next step on, for every member (see ``OrgModel.set_params``)."""
        structural = STRUCTURAL & {k for k, v in changes.items() if k not in VARYING and v != getattr(self.p, k, v)}
        if structural:
            raise ParameterError(f"{', '.join(sorted(structural))} cannot change in a running model: "
                                 "the structure of the organisation is fixed (build a new model)")
        old, st = self.p, self.state
        self.member_params = [validate(**{**q.model_dump(), **changes}) for q in self.member_params]
        self.p = combine(self.member_params)
        managers = self.org.n_reports > 0
        for name, attr in (("role_clarity", "r"), ("capability", "c")):
            shift = np.subtract(getattr(self.p, name), getattr(old, name))
            if np.any(shift):  # (one shift per member where the members' values differ)
                values = getattr(st, attr)
                values[managers] = np.clip(values[managers] + at_rows(self.org, shift, np.flatnonzero(managers)), 0, 1)
        one = self.org.members is None
        for name, now in (("initiatives", "initiatives_now"), ("rationale", "rationale_now")):
            changed = np.not_equal(getattr(self.p, name), getattr(old, name))  # (per member, if they differ)
            if np.any(changed):
                setattr(st, now, getattr(self.p, name) if one else np.where(changed, getattr(self.p, name),
                                                                            getattr(st, now)))

    def step(self) -> None:
        for _ in self.stages():
            pass

    def stages(self):
        """One step, pausing after each submodel (yields its name): to look at the state between
        submodels (the ensemble tests compare every submodel's update with the runs done alone)."""
        st = self.state
        for iv in self.interventions:
            if iv.week == st.week:
                self.set_params(**iv.changes)
                st.force_pivot |= iv.pivot
        for sm in self.schedule:
            sm.apply(self.org, st, self.p, sm.draw(self.org, st, self.p, self.streams[sm.name]))
            yield sm.name
        st.week += 1
        self.metrics = measure(self.org, st, self.p)
        self.history.append(self.metrics)

    def run(self, weeks: int) -> list[pd.DataFrame]:
        """Run ``weeks`` steps; each member's time series (week 0 is the start)."""
        for _ in range(weeks):
            self.step()
        return self.timeseries()

    def timeseries(self) -> list[pd.DataFrame]:
        """Each member's time series so far: the outputs of MODEL.md section 6, a row per week."""
        if self.org.members is None:
            return [pd.DataFrame(self.history)]
        columns = {name: np.stack([row[name] for row in self.history]) for name in self.history[0]}
        out = []
        for j, org in enumerate(self.org.members.orgs):
            deeper = {f"{name}_{d}" for name in LEVEL_METRICS for d in range(org.levels, self.org.levels)}
            out.append(pd.DataFrame({name: v[:, j] for name, v in columns.items() if name not in deeper}))
        return out

    def members(self) -> list["Member"]:
        """Each member as it would be alone: its organisation, its state (its own rows, in its own
        order: ``sim.state.member_state``) and its time series so far."""
        series = self.timeseries()
        if self.org.members is None:
            return [Member(self.org, self.state, series[0])]
        return [Member(org, member_state(self.org, self.state, j), ts)
                for j, (org, ts) in enumerate(zip(self.org.members.orgs, series))]


@dataclass(frozen=True)
class Member:
    """One organisation of an ensemble, read as ``OrgModel`` reads it (``org``, ``state``,
    ``timeseries()``): what is measured on a run (a survey's answers) is measured on a member."""

    org: Any
    state: Any
    series: pd.DataFrame

    def timeseries(self) -> pd.DataFrame:
        return self.series


def _member(p, rng: np.random.Generator, chart: Chart | None, strategy, kpi_bias):
    """One organisation's random streams, structure and starting state, as it would be alone."""
    # Separate streams for the strategy, the structure, the people and each submodel, so that
    # alternatives compared on one seed share whatever randomness they can.
    # (From a fresh SeedSequence: Generator.spawn would depend on how often the caller's
    # SeedSequence has already been spawned from.)
    root = np.random.SeedSequence(rng.integers(0, 2**32, size=4).tolist())
    strategy_rng, org_rng, people_rng, trace, *streams = (
        np.random.default_rng(s) for s in root.spawn(4 + len(SCHEDULE)))
    if chart is None:
        spans = p.span if isinstance(p.span, list) else [p.span] * (p.layers + 1)
        chart = Chart(regular_bosses(p.executives, spans))
    org = build_org(chart.bosses, p.peer_degree, p.cross_silo_ties, org_rng, chart.departments)
    state = init_state(org, p, people_rng, strategy_rng, strategy=strategy, kpi_bias=kpi_bias,
                       traits=chart.traits)
    return {sm.name: g for sm, g in zip(SCHEDULE, streams)}, trace, org, state


def schedule(replacements: dict[str, Submodel]) -> list[Submodel]:
    names = [sm.name for sm in SCHEDULE]
    for name in replacements:
        if name not in names:
            raise ParameterError(f"unknown submodel {name!r}: expected one of {', '.join(names)}")
    return [replacements.get(sm.name, sm) for sm in SCHEDULE]


def check_interventions(p, interventions) -> tuple[Intervention, ...]:
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


def model_rng(rng) -> np.random.Generator:
    """The generator ``OrgModel(rng=rng)`` builds its streams from: Mesa's ``Model`` makes
    ``default_rng(rng)`` and, unless ``rng`` is an integer, draws a seed for its stdlib ``random``
    from it first. Members of an ensemble seeded with ``model_rng(r)`` run as ``OrgModel(rng=r)``."""
    out = np.random.default_rng(rng)
    if not isinstance(rng, (int, np.integer)):
        out.integers(np.iinfo(np.int32).max)
    return out


BATCH_PEOPLE = 40_000  # people per ensemble by default: the fixed cost of a week is then a small share


def batch_size(people: int, batch: int | None = None) -> int:
    """Organisations per ensemble: ``batch`` if given (1: each alone, as ``OrgModel`` runs), else
    as many of ``people`` as make about ``BATCH_PEOPLE`` (at least 1)."""
    if batch is not None:
        if int(batch) < 1:
            raise ValueError(f"batch = {batch} is not allowed: expected at least 1 organisation per ensemble")
        return int(batch)
    return max(1, BATCH_PEOPLE // max(int(people), 1))


def ensemble(rngs: Sequence[np.random.Generator], charts=None, stacked: bool | None = None, **kwargs) -> Engine:
    """len(rngs) organisations of the same parameters (``kwargs``: as for ``OrgModel``, an
    ``org_chart`` shared by all unless ``charts`` gives one per member) as one ensemble, member
    ``i`` as ``OrgModel(rngs[i], ...)`` builds it (``rngs``: seeds or generators, as OrgModel's
    ``rng``). ``stacked``: as for ``Engine`` (False with one member: exactly ``OrgModel``'s run).
    ``varying``: a dict of parameter values per member, on top of ``kwargs`` (only parameters of
    ``VARYING`` may differ). Raises ``ParameterError`` if any member's values are refused."""
    chart = kwargs.pop("org_chart", None)
    engine_kw = {k: kwargs.pop(k) for k in ("strategy", "kpi_bias", "interventions", "submodels") if k in kwargs}
    varying = kwargs.pop("varying", None)
    p = validate(**kwargs) if varying is None else [validate(**{**kwargs, **v}) for v in varying]
    charts = charts if charts is not None else [chart] * len(rngs)
    return Engine(p, [model_rng(r) for r in rngs], charts, stacked=stacked, **engine_kw)


def run_ensemble(rngs: Sequence[np.random.Generator], weeks: int, charts=None, stacked: bool | None = None,
                 **kwargs) -> list[pd.DataFrame]:
    """Run ``ensemble(rngs, charts, stacked, **kwargs)`` for ``weeks`` weeks; each member's time
    series, as ``OrgModel(rngs[i], ...).run(weeks)`` gives it (to rounding)."""
    return ensemble(rngs, charts, stacked, **kwargs).run(weeks)
