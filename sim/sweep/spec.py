"""Sweep specs (YAML, ``scenarios/sweeps/``) -> a validated ``SweepSpec``, with one-line errors.

A spec names a base scenario, the parameters to vary, a design and what to keep::

    name: pivot_vs_clarity
    description: ...
    base: baseline                  # a scenario file (next to the spec, or a path) or a bundled name
    set: {executives: 1}            # optional: fixed changes to the base, as with `--set`
    parameters:                     # any of sim.params, by name
      pivot_interval: [8, 13, 26, 52]             # a list of values
      role_clarity: {low: 0.2, high: 0.9, steps: 8}   # a range (steps: for grid designs)
    uncertainties: {...}            # optional, as parameters: what the client cannot control
    levers: {...}                   # optional, as parameters: what the client can set
    design: grid                    # or {method: random|lhs|sobol|morris, n: 64, ...}
    replications: 5                 # default: the base scenario's
    horizon: 104                    # default: the base scenario's
    seed: 1                         # optional: part of the sweep's identity
    metrics: [alignment_mean, fatigue_mean, failure_rate]   # what `cascade analyze` reports
    timeseries: {every: 4, columns: [alignment, fatigue]}   # optional: keep downsampled series

Every summary metric of every run is kept. ``uncertainties`` and ``levers`` are parameters like
the others (one design over all of them), marked for the analyses that tell them apart (scenario
discovery looks for the uncertainties under which an outcome fails); a parameter is in one
section. A sampling design (random, lhs, sobol, morris) draws points in the unit cube and maps each
coordinate onto its parameter: a range linearly (a whole-number range by equal slices, one per
value), a list by equal slices. The sweep's identity is the hash of everything that determines its
results (the resolved base scenario included, not its name, description or costs, nor the roles);
the seeds and the sampled design derive from it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pydantic
import yaml

from ..inputs import YAMLInputError, quote, read_yaml
from ..model import OrgModel
from ..params import BY_NAME, Params, suggest
from ..scenario import SCENARIO_DIR, Scenario, ScenarioError, find, find_file, load_scenario
from ..metrics import summarise

SWEEP_DIR = SCENARIO_DIR / "sweeps"
METHODS = ("grid", "random", "lhs", "sobol", "morris")
DEFAULT_METRICS = ("alignment_mean", "action_alignment_mean", "fatigue_mean", "failure_rate",
                   "adoption_final")
SEEDING = ("numpy.random.default_rng(numpy.random.SeedSequence(entropy, spawn_key=(rep,))): "
           "entropy from the sweep's identity; replication rep of every point shares its random "
           "streams (common random numbers), whatever the executor, workers or order")


SECTIONS = {"uncertainties": "uncertainty", "levers": "lever", "parameters": None}  # in design order
ROLE_SECTION = {role: section for section, role in SECTIONS.items()}


class SweepError(ValueError):
    """A sweep spec or store is invalid; the one-line message names file, field and value."""


_STRICT = pydantic.ConfigDict(extra="forbid", frozen=True, strict=True)
_Number = pydantic.StrictFloat | pydantic.StrictInt


class Range(pydantic.BaseModel):
    """A parameter's range: ``low`` to ``high``; ``steps`` evenly spaced values for a grid."""

    model_config = _STRICT
    low: _Number
    high: _Number
    steps: Annotated[int, pydantic.Field(ge=2, le=10_000)] | None = None


class Design(pydantic.BaseModel):
    """How the points are chosen. ``n``: points (random, lhs), base samples (sobol, a power of 2:
    n x (2D+2) points, or n x (D+2) without second order), trajectories (morris: n x (D+1))."""

    model_config = _STRICT
    method: Literal[METHODS]  # type: ignore[valid-type]
    n: Annotated[int, pydantic.Field(ge=1, le=1_000_000)] | None = None
    second_order: bool = True  # sobol
    levels: Annotated[int, pydantic.Field(ge=2, le=100)] = 4  # morris


class Timeseries(pydantic.BaseModel):
    """Keep each run's time series, every ``every`` weeks (and the last week); ``columns``
    default to every output."""

    model_config = _STRICT
    every: Annotated[int, pydantic.Field(ge=1)] = 1
    columns: list[str] | None = None


class SpecFile(pydantic.BaseModel):
    model_config = _STRICT
    name: Annotated[str, pydantic.StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]
    description: str = ""
    base: Annotated[str, pydantic.StringConstraints(min_length=1)]
    set: dict[str, Any] = {}
    parameters: dict[str, list[Any] | Range] = {}
    uncertainties: dict[str, list[Any] | Range] = {}
    levers: dict[str, list[Any] | Range] = {}
    design: Literal[METHODS] | Design = "grid"  # type: ignore[valid-type]
    replications: Annotated[int, pydantic.Field(ge=1, le=100_000)] | None = None
    horizon: Annotated[int, pydantic.Field(ge=1, le=5200)] | None = None
    seed: Annotated[int, pydantic.Field(ge=0)] | None = None
    metrics: list[str] | None = None
    timeseries: bool | Timeseries = False


class SweepSpec(pydantic.BaseModel):
    """A validated sweep: the base scenario resolved, each parameter's values or range."""

    model_config = pydantic.ConfigDict(frozen=True, arbitrary_types_allowed=True)
    name: str
    description: str
    scenario: Scenario  # the base with `set` and `horizon` applied
    parameters: dict[str, tuple | Range]  # values (a tuple) or a range: every section's, in order
    roles: dict[str, str] = {}  # parameter -> "uncertainty" or "lever" (the others: neither)
    design: Design
    replications: int
    seed: int | None
    metrics: tuple[str, ...]
    timeseries: Timeseries | None
    source: str | None = None
    text: str = ""  # the spec file as written (or, built from Python, the mapping as YAML)

    @property
    def horizon(self) -> int:
        return self.scenario.horizon

    @functools.cached_property
    def identity(self) -> str:
        """SHA-256 of everything that determines the results (not name, description, metrics, nor
        the base scenario's costs: they change no run)."""
        scenario = {k: v for k, v in self.scenario.to_dict(resolved=True).items() if k != "costs"}
        content = {"scenario": scenario | dict.fromkeys(("name", "description", "replications", "seed")),
                   "parameters": {k: list(v) if isinstance(v, tuple) else v.model_dump()
                                  for k, v in self.parameters.items()},
                   "design": self.design.model_dump(), "replications": self.replications,
                   "seed": self.seed, "timeseries": self.timeseries and self.timeseries.model_dump()}
        text = json.dumps(content, sort_keys=True, default=_jsonable, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def entropy(self) -> int:
        """The root of every seed of the sweep (128 bits of its identity)."""
        return int(self.identity[:32], 16)


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot hash {type(value).__name__}")


@functools.cache
def _outputs(depth: int, n_goals: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The summary metrics and time-series columns of a model ``depth`` levels below the top
    (the columns depend only on the levels and the goals: a small tree stands in, week 0 only)."""
    ts = OrgModel(np.random.default_rng(0), executives=1, layers=depth - 1, span=2,
                  n_goals=n_goals).timeseries()
    return tuple(summarise(ts)), tuple(c for c in ts.columns if c != "week")


def outputs(scenario: Scenario) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(summary metric names, time-series column names) of runs of ``scenario``: a regular tree
    (any span, one number or one per level) or a client's org chart (its own depth)."""
    chart = scenario.chart()
    depth = int(chart.depth.max()) if chart is not None else scenario.params.layers + 1
    return _outputs(depth, scenario.params.n_goals)


# --------------------------------------------------------------------------- loading


def find_spec(path_or_name: str | Path) -> Path:
    """A sweep spec by path, or a bundled one by name (``pivot_vs_clarity``)."""
    try:
        return find_file(path_or_name, bundled_specs(), "sweep spec")
    except ValueError as exc:
        raise SweepError(str(exc)) from None


def bundled_specs() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SWEEP_DIR.glob("*.yaml"))} if SWEEP_DIR.is_dir() else {}


def load_spec(path_or_name: str | Path) -> SweepSpec:
    """Read and validate a sweep spec file; raise ``SweepError`` naming file, field and value."""
    path = find_spec(path_or_name)
    try:
        data, text = read_yaml(path)
    except YAMLInputError as exc:
        raise SweepError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise SweepError(f"{path}: expected a mapping of fields ({', '.join(SpecFile.model_fields)}), "
                         f"got {type(data).__name__}")
    return spec_from_dict(data, path=path, text=text)


def spec_from_dict(data: dict, path: Path | None = None, text: str = "") -> SweepSpec:
    """Validate a spec given as a mapping (as in a YAML file); ``path`` anchors ``base``."""
    where = str(path) if path else "sweep spec"
    try:
        raw = SpecFile.model_validate(data)
    except pydantic.ValidationError as exc:
        # of a union's alternatives, the error that got furthest into the input says most
        raise SweepError(f"{where}: {_message(max(exc.errors(), key=lambda e: len(_loc(e))))}") from None

    def fail(message: str):
        raise SweepError(f"{where}: {message}")

    scenario = _base(raw, path, fail)
    design = raw.design if isinstance(raw.design, Design) else Design(method=raw.design)
    parameters, roles = {}, {}
    for section, role in SECTIONS.items():
        for name, values in getattr(raw, section).items():
            if name in parameters:
                fail(f"{section}.{name}: {name} is already in {ROLE_SECTION[roles.get(name)]}: "
                     "a parameter is varied in one section")
            parameters[name] = _parameter(name, values, design.method, fail, section)
            if role:
                roles[name] = role
    if not parameters:
        fail("parameters is missing: name what to vary in parameters, uncertainties or levers")
    _check_design(design, len(parameters), fail)
    metric_names, columns = outputs(scenario)
    metrics = tuple(raw.metrics) if raw.metrics is not None else DEFAULT_METRICS
    for m in metrics:
        if m not in metric_names:
            fail(f"metrics: {quote(m)} is not a summary metric{suggest(m, metric_names)}; "
                 f"allowed: {', '.join(metric_names)}")
    ts = raw.timeseries if isinstance(raw.timeseries, Timeseries) else (Timeseries() if raw.timeseries else None)
    for c in (ts.columns or []) if ts else []:
        if c not in columns:
            fail(f"timeseries.columns: {quote(c)} is not an output{suggest(c, columns)}; allowed: {', '.join(columns)}")
    return SweepSpec(name=raw.name, description=" ".join(raw.description.split()), scenario=scenario,
                     parameters=parameters, roles=roles, design=design,
                     replications=raw.replications or scenario.replications, seed=raw.seed,
                     metrics=metrics, timeseries=ts, source=str(path) if path else None,
                     text=text or yaml.safe_dump(raw.model_dump(mode="json", exclude_unset=True), sort_keys=False))


def _base(raw: SpecFile, path: Path | None, fail) -> Scenario:
    base = Path(raw.base)
    if path is not None and (path.parent / base).is_file():
        base = path.parent / base
    overrides = dict(raw.set)
    if raw.horizon is not None:
        overrides["horizon"] = raw.horizon
    try:
        path = find(base)
        load_scenario(path)
    except ScenarioError as exc:
        fail(f"base = {quote(raw.base)}: {exc}")
    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        fail(f"set: {exc}")


def _parameter(name: str, spec, method: str, fail, section: str = "parameters") -> tuple | Range:
    where = f"{section}.{name}"
    if name not in BY_NAME:
        fail(f"{where}: unknown parameter{suggest(name, BY_NAME)} (see `cascade params`)")
    p = BY_NAME[name]
    if isinstance(spec, Range):
        if p.choices:
            fail(f"{where}: {name} takes one of {', '.join(map(repr, p.choices))}: give a list, not a range")
        if not spec.low < spec.high:
            fail(f"{where}: low = {quote(spec.low)} must be below high = {quote(spec.high)}")
        if method == "grid" and spec.steps is None:
            fail(f"{where}: a grid needs values: give a list, or steps with the range")
        if method != "grid" and spec.steps is not None:
            fail(f"{where}: steps is for grid designs; a {method} design samples the range")
        values = [spec.low, spec.high]
    else:
        if not spec:
            fail(f"{where}: the list of values is empty")
        if len(set(map(repr, spec))) != len(spec):
            fail(f"{where}: {quote(spec)} repeats a value")
        values = spec
    field = Params.model_fields[name]
    check = pydantic.TypeAdapter(Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation)
    for v in values:  # each value in its range (constraints between parameters are the runs' to meet)
        try:
            check.validate_python(_typed(p, v))
        except pydantic.ValidationError:
            fail(f"{where}: parameter {quote(name)} = {quote(v)} is not allowed: expected {p.allowed}")
    if isinstance(spec, Range):
        return Range(low=_typed(p, spec.low), high=_typed(p, spec.high), steps=spec.steps)
    return tuple(_typed(p, v) for v in spec)


def _typed(p, value):
    """Values in a parameter's own type, so every run's columns have one type."""
    if p.kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _check_design(design: Design, d: int, fail) -> None:
    m = design.method
    if m == "grid":
        if design.n is not None:
            fail("design.n: a grid's size is set by the parameters' values; n is for random, lhs, sobol, morris")
        return
    if design.n is None:
        fail(f"design.n is missing: a {m} design needs n (see docs/SWEEPS.md)")
    if m == "sobol" and design.n & (design.n - 1):
        fail(f"design.n = {design.n} is not allowed: sobol needs a power of 2 (e.g. {2 ** round(math.log2(design.n))})")
    if m == "morris" and design.n < 2:
        fail(f"design.n = {design.n} is not allowed: morris needs at least 2 trajectories")
    if m in ("sobol", "morris") and d < 2:
        fail(f"design: {m} needs at least 2 parameters (got {d})")


_UNION_TAGS = ("list[any]", "Range", "Design", "Timeseries", "bool")


def _loc(err: dict) -> tuple:
    """The error's location in the file (without pydantic's names for a union's alternatives)."""
    return tuple(x for x in err["loc"] if not (isinstance(x, str) and (x in _UNION_TAGS or x.startswith("literal["))))


def _message(err: dict) -> str:
    path = _loc(err)
    loc = ".".join(map(str, path))
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = ".".join(str(x) for x in path[:-1])
        allowed = {"": SpecFile, "design": Design, "timeseries": Timeseries}.get(parent)
        if allowed is None and parent.split(".")[0] in SECTIONS:
            allowed = Range
        known = tuple(allowed.model_fields) if allowed else ()
        return (f"{loc}: unknown field{suggest(str(path[-1]), known)}"
                + (f"; allowed: {', '.join(known)}" if known else ""))
    if kind == "missing":
        return f"{loc} is missing"
    if path == ("design",):
        return f"design = {quote(err.get('input'))} is not allowed: expected one of {', '.join(METHODS)}, or {{method: ..., n: ...}}"
    if len(path) == 2 and path[0] in SECTIONS:
        return (f"{path[0]}.{path[1]} = {quote(err.get('input'))} is not allowed: expected a list of values "
                f"or a range {{low: ..., high: ..., steps: ...}}")
    return f"{loc} = {quote(err.get('input'))} is not allowed: {err['msg'].lower()}"


__all__ = ["SweepSpec", "SweepError", "Range", "Design", "Timeseries", "load_spec", "spec_from_dict",
           "find_spec", "bundled_specs", "outputs", "METHODS", "SEEDING"]
