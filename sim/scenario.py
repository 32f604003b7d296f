"""Scenario files (YAML) -> a validated ``Scenario``, with errors that name file, field and value.

A scenario describes a client's organisation and the interventions to weigh::

    extends: baseline.yaml        # optional: state only what differs
    name: enabled
    description: ...
    goals:                        # the strategy: one weight per goal
      - {name: Grow revenue, perspective: financial, weight: 0.4}
    departments:                  # what each department can measure easily (its KPI bias)
      - {name: Sales, kpi_bias: Grow revenue}           # one goal, or {goal: weight, ...}
    structure: {executives: 2, layers: 3, span: 5}
    # or, instead of structure, the client's own chart (path relative to this file; see
    # sim.orgchart): org_chart: client.csv, or {file: client.csv, executives: [E1, E2]}
    parameters: {role_clarity: 0.8}                     # any of sim.params, by name
    interventions:                # week -> parameter changes, or a forced pivot
      26: {capability_investment: 0.02}
      52: pivot
    horizon: 104
    replications: 20
    seed: 20240601
    survey_facts:                 # beside a pulse survey (docs/SURVEYS.md; `cascade calibrate`)
      {annual_turnover: 0.14, initiatives_launched: 4, initiatives_failed: 2}
    priors: {translation_noise: [0.2, 1.5]}             # calibration's narrower prior ranges

``extends`` merges mappings key by key (interventions week by week) and replaces lists (goals,
departments) whole. Only safe YAML loading is used. Every error is a ``ScenarioError`` with a
one-line message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pydantic
import yaml

from .inputs import YAMLInputError, clean, memory_problem, quote, read_yaml
from .model import Intervention
from .org import people as headcount
from .orgchart import ChartError, OrgChart, read_chart
from .params import BY_NAME, STRUCTURAL, Params, ParameterError, coerce, suggest, validate

PERSPECTIVES = ("financial", "customer", "internal_process", "learning_and_growth")
STRUCTURE_KEYS = ("executives", "layers", "span")
# Scenario-level fields that --set may change besides the parameters.
TOP_LEVEL_SETTABLE = {"horizon": int, "replications": int, "seed": int}


def _scenario_dir() -> Path:
    """The bundled scenarios: scenarios/ beside the package (a checkout, an editable install), or
    the copy a wheel installs under <prefix>/share/cascade/scenarios (pyproject's data-files)."""
    beside = Path(__file__).resolve().parent.parent / "scenarios"
    return beside if beside.is_dir() else Path(sys.prefix) / "share" / "cascade" / "scenarios"


SCENARIO_DIR = _scenario_dir()
MAX_EXTENDS = 32  # files in one extends chain
MAX_REPLICATIONS = 10_000


class ScenarioError(ValueError):
    """A scenario file or override is invalid; the one-line message names file, field and value."""


# --------------------------------------------------------------------------- the schema

_Weight = Annotated[pydantic.StrictFloat | pydantic.StrictInt, pydantic.Field(ge=0, allow_inf_nan=False)]
# Names reach terminals, file names and pages: printable, bounded; a scenario's name names a folder.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_Name = Annotated[str, pydantic.StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                                  pattern=rf"^[^{_CONTROL}]*$")]
_ScenarioName = Annotated[str, pydantic.StringConstraints(
    strip_whitespace=True, min_length=1, max_length=80, pattern=rf"^[^{_CONTROL}/\\.][^{_CONTROL}/\\]*$")]
_Description = Annotated[str, pydantic.StringConstraints(max_length=20_000,
                                                         pattern=r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$")]
_STRICT = pydantic.ConfigDict(extra="forbid", frozen=True, strict=True)


class Goal(pydantic.BaseModel):
    """A strategic goal: its name, balanced-scorecard perspective and weight in the strategy."""

    model_config = _STRICT
    name: _Name
    perspective: Literal[PERSPECTIVES]  # type: ignore[valid-type]
    weight: _Weight


class Department(pydantic.BaseModel):
    """A department and its KPI bias: the goal (or mix of goals) it can measure easily."""

    model_config = _STRICT
    name: _Name
    kpi_bias: _Name | dict[str, _Weight]


class OrgChartRef(pydantic.BaseModel):
    """An org chart file and, when it has several tops and no role column, its executives."""

    model_config = _STRICT
    file: _Name
    executives: list[_Name | pydantic.StrictInt] = []


class ScenarioFile(pydantic.BaseModel):
    """One YAML file as written (every field optional: a file may extend another)."""

    model_config = _STRICT
    extends: _Name | None = None
    name: _ScenarioName | None = None
    description: _Description | None = None
    goals: list[Goal] | None = None
    departments: list[Department] | None = None
    structure: dict[str, Any] | None = None
    org_chart: _Name | OrgChartRef | None = None
    parameters: dict[str, Any] | None = None
    interventions: dict[int, Any] | None = None
    costs: dict[str, Any] | None = None
    survey_facts: dict[str, Any] | None = None
    priors: dict[str, Any] | None = None
    objectives: list[_Name] | None = None
    horizon: Annotated[int, pydantic.Field(ge=1, le=5200)] | None = None
    replications: Annotated[int, pydantic.Field(ge=1, le=MAX_REPLICATIONS)] | None = None
    seed: Annotated[int, pydantic.Field(ge=0)] | None = None


FIELDS = tuple(ScenarioFile.model_fields)


class InterventionSpec(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    week: int
    changes: dict[str, Any] = {}
    pivot: bool = False


class Scenario(pydantic.BaseModel):
    """A validated scenario: everything one needs to build and run ``OrgModel`` replications."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str = ""
    goals: tuple[Goal, ...] = ()
    departments: tuple[Department, ...] = ()
    structure: dict[str, Any] = {}  # as given (executives, layers, span)
    org_chart: OrgChartRef | None = None  # instead of structure (file: an absolute path)
    parameters: dict[str, Any] = {}  # as given (any other parameters)
    interventions: tuple[InterventionSpec, ...] = ()
    costs: dict[str, Any] = {}  # lever -> {cost kind: amount}, or fixed: amount (sim.costs)
    survey_facts: dict[str, Any] = {}  # the organisation's facts beside its survey (sim.calibrate.survey)
    priors: dict[str, Any] = {}  # parameter -> [low, high]: calibration's narrower prior ranges
    objectives: tuple[str, ...] = ()  # the outcomes comparisons rank on (default: the report's)
    horizon: int = 104
    replications: int = 10
    seed: int | None = None
    source: str | None = None  # the file it came from (for messages and reports)
    overrides: dict[str, Any] = {}  # the --set values applied on top of the file

    @property
    def params(self):
        """All model parameters, validated (explicit values plus the current defaults)."""
        values = {**self.structure, **self.parameters}
        if self.goals:
            values["n_goals"] = len(self.goals)
        return validate(**values)

    def chart(self) -> OrgChart | None:
        """The org chart, read and checked (None for a regular tree built from ``structure``)."""
        if self.org_chart is None:
            return None
        try:
            return read_chart(self.org_chart.file, self.org_chart.executives,
                              [d.name for d in self.departments])
        except ChartError as exc:
            raise ScenarioError(f"{_display(Path(self.source or ''))}: org_chart: {exc}") from None

    @property
    def people(self) -> int:
        if self.org_chart is not None:
            return self.chart().n
        return headcount(self.params)

    @property
    def n_departments(self) -> int:
        if self.org_chart is not None:
            return len(self.chart().department_names)
        p = self.params
        return p.executives * (p.span[0] if isinstance(p.span, list) else p.span)

    def department_names(self) -> list[str]:
        """The name of each of the model's departments, by number: the org chart's, or the listed
        departments' in turn (as the model cycles their KPI biases); empty if nothing names them."""
        chart = self.chart()
        if chart is not None:
            return list(chart.department_names)
        names = [d.name for d in self.departments]
        return [names[d % len(names)] for d in range(self.n_departments)] if names else []

    def strategy(self) -> np.ndarray | None:
        """The goals' weights (the new strategy), or None to let the model draw one."""
        return np.array([g.weight for g in self.goals], dtype=float) if self.goals else None

    def kpi_bias(self) -> np.ndarray | None:
        """One KPI direction per listed department (the model cycles them over its departments)."""
        if not self.departments:
            return None
        index = {g.name: k for k, g in enumerate(self.goals)}
        rows = np.zeros((len(self.departments), len(self.goals)))
        for d, dept in enumerate(self.departments):
            bias = {dept.kpi_bias: 1.0} if isinstance(dept.kpi_bias, str) else dept.kpi_bias
            for goal, w in bias.items():
                rows[d, index[goal]] = w
        return rows

    def model_kwargs(self) -> dict:
        """Keyword arguments for ``OrgModel`` (all but ``rng``)."""
        kwargs = {
            **self.params.model_dump(),
            "strategy": self.strategy(),
            "kpi_bias": self.kpi_bias(),
            "interventions": [Intervention(iv.week, dict(iv.changes), iv.pivot)
                              for iv in self.interventions],
        }
        chart = self.chart()
        if chart is not None:
            kwargs["org_chart"] = chart.chart
            if self.departments:  # by name; the chart's other departments take the list in turn
                index = {d.name: i for i, d in enumerate(self.departments)}
                rows = [index.get(name, j % len(index)) for j, name in enumerate(chart.department_names)]
                kwargs["kpi_bias"] = kwargs["kpi_bias"][rows]
        return kwargs

    def notes(self) -> list[str]:
        """Things worth knowing that are not errors (for the CLI to print as warnings)."""
        out = []
        late = [iv.week for iv in self.interventions if iv.week >= self.horizon]
        if late:
            out.append(f"interventions at week {', '.join(map(str, late))} fall after the horizon "
                       f"({self.horizon} weeks) and will not happen")
        chart = self.chart()
        if chart is not None:
            out += [f"org chart: {note}" for note in chart.notes]
            if self.structure:
                out.append(f"structure ({', '.join(self.structure)}) is ignored: the org chart "
                           f"gives the organisation")
            unmatched = [d.name for d in self.departments if d.name not in chart.department_names]
            if unmatched:
                out.append(f"departments not in the org chart: {', '.join(unmatched)} (the chart's "
                           f"departments without a listed name take the listed KPI biases in turn)")
            return out
        n_listed, n_model = len(self.departments), self.n_departments
        if n_listed > n_model:
            out.append(f"{n_listed} departments are listed but the structure has only {n_model} "
                       f"(executives x span of the first level): the last {n_listed - n_model} are unused")
        return out

    def label(self, omit: dict | None = None) -> str:
        """The name plus any --set overrides (but those in ``omit``), to tell variants apart."""
        shown = {k: v for k, v in self.overrides.items() if not omit or omit.get(k, object()) != v}
        if not shown:
            return self.name
        return f"{self.name} [{' '.join(f'{k}={_fmt(v)}' for k, v in shown.items())}]"

    def to_dict(self, resolved: bool = True) -> dict:
        """The scenario as a scenario file's mapping. ``resolved`` writes every parameter's value
        (defaults included), so the file reproduces the run even after the defaults change."""
        p = self.params.model_dump() if resolved else {**self.structure, **self.parameters}
        structure = {k: p[k] for k in STRUCTURE_KEYS if k in p}
        parameters = {k: v for k, v in p.items() if k not in STRUCTURE_KEYS}
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.goals:
            out["goals"] = [g.model_dump() for g in self.goals]
            parameters.pop("n_goals", None)
        if self.departments:
            out["departments"] = [d.model_dump() for d in self.departments]
        if self.org_chart is not None:
            out["org_chart"] = self.org_chart.model_dump() if self.org_chart.executives else self.org_chart.file
        else:
            out["structure"] = structure
        out["parameters"] = parameters
        if self.interventions:
            out["interventions"] = {
                iv.week: ("pivot" if iv.pivot and not iv.changes
                          else {**iv.changes, **({"pivot": True} if iv.pivot else {})})
                for iv in self.interventions}
        if self.costs:
            out["costs"] = dict(self.costs)
        if self.survey_facts:
            out["survey_facts"] = dict(self.survey_facts)
        if self.priors:
            out["priors"] = {k: list(v) for k, v in self.priors.items()}
        if self.objectives:
            out["objectives"] = list(self.objectives)
        out.update(horizon=self.horizon, replications=self.replications)
        if self.seed is not None:
            out["seed"] = self.seed
        return out

    def to_yaml(self, resolved: bool = True) -> str:
        return yaml.safe_dump(self.to_dict(resolved), sort_keys=False, allow_unicode=True, width=100)


def _fmt(v) -> str:
    return ",".join(map(str, v)) if isinstance(v, list) else f"{v:g}" if isinstance(v, float) else str(v)


# --------------------------------------------------------------------------- loading


def bundled() -> dict[str, Path]:
    """The bundled scenarios by name (``scenarios/*.yaml``)."""
    if not SCENARIO_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


def find_file(path_or_name: str | Path, names: dict[str, Path], what: str) -> Path:
    """A file by path, or a bundled one by name (``baseline``); ``what`` names the kind for errors.
    Raises ValueError with one line (callers turn it into their own error type)."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    if path.parent == Path(".") and stem in names:
        return names[stem]
    if path.exists():
        raise ValueError(f"{path}: not a file")
    raise ValueError(f"no {what} file or bundled {what} named {quote(str(path_or_name))}{suggest(stem, names)}; "
                     f"bundled: {', '.join(names) or 'none'}")


def find(path_or_name: str | Path) -> Path:
    """A scenario file by path, or a bundled scenario by name (``baseline``)."""
    try:
        return find_file(path_or_name, bundled(), "scenario")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None


def load_scenario(path_or_name: str | Path, overrides: dict | None = None) -> Scenario:
    """Load, merge (``extends``) and validate a scenario; apply ``overrides`` (``--set``).

    ``overrides`` maps parameter names (or ``horizon``, ``replications``, ``seed``) to values;
    strings are converted to the parameter's type, as on the command line.
    """
    path = find(path_or_name)
    merged = _load_chain(path, ())
    return _build(merged, path, dict(overrides or {}))


def _display(path: Path) -> str:
    """A path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read(path: Path) -> dict:
    try:
        data, _ = read_yaml(path)
    except YAMLInputError as exc:
        raise ScenarioError(f"{_display(path)}: {exc}") from None
    if data is None or data == {}:
        raise ScenarioError(f"{_display(path)}: the file is empty: a scenario names at least one of "
                            f"{', '.join(FIELDS)} (extends: baseline gives the defaults)")
    if not isinstance(data, dict):
        raise ScenarioError(f"{_display(path)}: expected a mapping of fields ({', '.join(FIELDS)}), "
                            f"got {type(data).__name__}")
    _check_file(path, data)
    return data


def _check_file(path: Path, data: dict) -> None:
    """Schema of one file as written, and the parameter values it sets (each on its own)."""
    try:
        ScenarioFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ScenarioError(f"{_display(path)}: {_pydantic_message(exc.errors()[0], data)}") from None
    for section in ("structure", "parameters"):
        for name, value in (data.get(section) or {}).items():
            _check_param(_display(path), section, name, value)
    for week, change in (data.get("interventions") or {}).items():
        if change is not None:  # null: no intervention that week (removes an inherited one)
            _intervention(_display(path), week, change)


def _load_chain(path: Path, seen: tuple[Path, ...]) -> dict:
    real = path.resolve()
    if real in seen:
        chain = " -> ".join(clean(p.name, 40) for p in (*seen, real)[-6:])
        raise ScenarioError(f"{_display(path)}: extends itself ({chain})")
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError(f"{_display(path)}: extends: a chain of more than {MAX_EXTENDS} files is not "
                            f"allowed (starting at {clean(seen[0].name, 40)})")
    data = _read(path)
    if data.get("org_chart") is not None:  # relative to the file that names it
        ref = data["org_chart"]
        ref = dict(ref) if isinstance(ref, dict) else {"file": ref}
        data["org_chart"] = {**ref, "file": str((path.parent / ref["file"].strip()).resolve()),
                             "executives": [str(e).strip() for e in ref.get("executives", [])]}
    parent = data.pop("extends", None)
    if parent is None:
        return data
    base = path.parent / parent
    if not base.is_file():
        names = bundled()
        stem = Path(parent).name.removesuffix(".yaml").removesuffix(".yml")
        if stem not in names:
            raise ScenarioError(f"{_display(path)}: extends = {quote(parent)}: no such file next to it and no bundled "
                                f"scenario of that name{suggest(stem, names)}")
        base = names[stem]
    merged = _merge(_load_chain(base, (*seen, real)), data)
    if "name" not in data:  # a what-if is named after its own file, not its parent
        merged["name"] = path.stem
    return merged


def _merge(base: dict, top: dict) -> dict:
    """A child file over its parent. Interventions merge week by week as in JSON Merge Patch
    (RFC 7396): ``26: null`` removes the parent's week 26, ``interventions: null`` removes them all."""
    out = dict(base)
    for key, value in top.items():
        if key == "interventions":
            merged = {**(out.get(key) or {}), **(value or {})} if value is not None else {}
            out[key] = {week: change for week, change in merged.items() if change is not None}
        elif key in ("structure", "parameters", "costs", "survey_facts", "priors") and isinstance(out.get(key), dict):
            out[key] = {**out[key], **(value or {})}
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------- validation


def _pydantic_message(err: dict, data: Any = None) -> str:
    loc = err["loc"]
    path = _path(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_at(loc[:-1])
        path = ".".join(filter(None, (_path(loc[:-1]), clean(loc[-1]))))
        return f"{path}: unknown field{suggest(str(loc[-1]), known)}; allowed: {', '.join(known)}"
    if kind == "missing":
        return f"{path} is missing"
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if "kpi_bias" in loc:
        what = "a goal's name, or a mapping of goal names to weights >= 0"
        path = _path(loc[:loc.index("kpi_bias") + 1])
        value = _lookup(data, loc[:loc.index("kpi_bias") + 1], value)
    elif kind == "literal_error":
        what = "one of " + ctx["expected"]
    elif kind in ("greater_than_equal", "less_than_equal"):
        what = (f"{'an integer' if isinstance(value, int) else 'a number'} "
                f"{'>=' if kind.startswith('greater') else '<='} {ctx.get('ge', ctx.get('le'))}")
    elif kind.startswith("int_"):
        what = "an integer"
    elif kind.startswith("float_") or kind == "finite_number":
        what = "a number"
    elif kind == "string_too_short":
        what = "non-empty text"
    elif kind == "string_too_long":
        what = f"text of at most {ctx.get('max_length')} characters"
    elif kind == "string_pattern_mismatch":
        what = ("printable text" + (r" without / or \ and not starting with ." if loc == ("name",) else "")
                if loc != ("description",) else "text without control characters (but newlines and tabs)")
    elif kind.startswith("string_"):
        what = "text"
    elif kind.startswith("dict_"):
        what = "a mapping"
    elif kind.startswith("list_"):
        what = "a list"
    else:
        msg = err["msg"]
        what = msg[0].lower() + msg[1:]
    return f"{path} = {quote(value)} is not allowed: expected {what}"


def _lookup(data, loc, default):
    try:
        for part in loc:
            data = data[part]
        return data
    except (KeyError, IndexError, TypeError):
        return default


def _known_at(loc: tuple) -> list[str]:
    if loc and loc[0] in ("goals",):
        return list(Goal.model_fields)
    if loc and loc[0] in ("departments",):
        return list(Department.model_fields)
    return list(FIELDS)


def _path(loc) -> str:
    """A user's field path (goals[0].weight) from pydantic's loc, which also names union branches."""
    known = {*FIELDS, *Goal.model_fields, *Department.model_fields, *OrgChartRef.model_fields}
    out, prev = "", None
    for part in loc:
        if isinstance(part, int) and prev not in ("interventions",):
            out += f"[{part}]"
        elif part in known or prev == "interventions":
            out += ("." if out else "") + str(part)
        prev = part
    return out


def _check_param(where, section: str, name: str, value: Any) -> None:
    """One parameter on its own: known name, right section, type and range."""
    path = f"{section}.{clean(name)}" if section != "--set" else f"--set {clean(name)}"
    if name not in BY_NAME:
        raise ScenarioError(f"{where}: {path}: unknown parameter{suggest(str(name), BY_NAME)}"
                            f" (see `cascade params`)")
    if section == "structure" and name not in STRUCTURE_KEYS:
        raise ScenarioError(f"{where}: {path}: structure holds only {', '.join(STRUCTURE_KEYS)}; "
                            f"put {quote(name)} under parameters")
    if section == "parameters" and name in STRUCTURE_KEYS:
        raise ScenarioError(f"{where}: {path}: {quote(name)} belongs under structure")
    try:
        Params.model_validate({name: value})
    except pydantic.ValidationError:
        raise ScenarioError(f"{where}: {path} = {quote(value)} is not allowed: expected "
                            f"{BY_NAME[name].allowed}") from None


def _intervention(where, week, change) -> InterventionSpec:
    path = f"interventions.{clean(week)}"
    if not isinstance(week, int) or isinstance(week, bool) or week < 0:
        raise ScenarioError(f"{where}: interventions: week {quote(week)} is not allowed: expected an integer >= 0")
    if change == "pivot":
        return InterventionSpec(week=week, pivot=True)
    if not isinstance(change, dict) or not change:
        raise ScenarioError(f"{where}: {path} = {quote(change)} is not allowed: expected 'pivot' or a "
                            f"mapping of parameter changes (optionally with pivot: true)")
    changes = dict(change)
    pivot = changes.pop("pivot", False)
    if not isinstance(pivot, bool):
        raise ScenarioError(f"{where}: {path}.pivot = {quote(pivot)} is not allowed: expected true or false")
    for name, value in changes.items():
        if name in STRUCTURAL:
            raise ScenarioError(f"{where}: {path}.{clean(name)}: the structure of the organisation cannot "
                                f"change during a run (only non-structural parameters can)")
        if name not in BY_NAME:
            raise ScenarioError(f"{where}: {path}.{clean(name)}: unknown parameter{suggest(str(name), BY_NAME)}"
                                f" (see `cascade params`)")
        try:
            Params.model_validate({name: value})
        except pydantic.ValidationError:
            raise ScenarioError(f"{where}: {path}.{clean(name)} = {quote(value)} is not allowed: expected "
                                f"{BY_NAME[name].allowed}") from None
    return InterventionSpec(week=week, changes=changes, pivot=pivot)


def _apply_overrides(where, data: dict, overrides: dict) -> dict:
    data = {**data, "structure": dict(data.get("structure") or {}),
            "parameters": dict(data.get("parameters") or {})}
    applied = {}
    for name, value in overrides.items():
        name = str(name).strip()
        if name in TOP_LEVEL_SETTABLE:
            if isinstance(value, str):
                try:
                    value = int(value)
                except ValueError:
                    raise ScenarioError(f"{where}: --set {clean(name)} = {quote(value)} is not allowed: "
                                        f"expected an integer") from None
            try:
                ScenarioFile.model_validate({name: value})
            except pydantic.ValidationError as exc:
                raise ScenarioError(f"{where}: --set {_pydantic_message(exc.errors()[0])}") from None
            data[name] = value
        else:
            if name not in BY_NAME:
                known = [*BY_NAME, *TOP_LEVEL_SETTABLE]
                raise ScenarioError(f"{where}: --set {clean(name)}: unknown parameter{suggest(str(name), known)}"
                                    f" (see `cascade params`)")
            if isinstance(value, str):
                try:
                    value = coerce(name, value)
                except ParameterError:
                    raise ScenarioError(f"{where}: --set {clean(name)} = {quote(value)} is not allowed: expected "
                                        f"{BY_NAME[name].allowed}") from None
            _check_param(where, "--set", name, value)
            section = "structure" if name in STRUCTURE_KEYS else "parameters"
            data[section][name] = value
        applied[name] = value
    data["_overrides"] = applied
    return data


def _build(data: dict, path: Path, overrides: dict) -> Scenario:
    where = _display(path)
    data = _apply_overrides(where, data, overrides)
    applied = data.pop("_overrides")
    goals = list(data.get("goals") or [])
    goal_models = [Goal.model_validate(g) for g in goals]
    names = [g.name for g in goal_models]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(f"{where}: goals[{i}].name = {quote(name)} is not allowed: goal names must be unique")
    if goal_models and sum(g.weight for g in goal_models) <= 0:
        raise ScenarioError(f"{where}: goals: every weight is 0: at least one goal needs a positive weight")
    params = {**data["structure"], **data["parameters"]}
    if goal_models:
        if "n_goals" in params and params["n_goals"] != len(goal_models):
            raise ScenarioError(f"{where}: parameters.n_goals = {quote(params['n_goals'])} is not allowed: "
                                f"the scenario lists {len(goal_models)} goals")
        data["parameters"].pop("n_goals", None)
        params.pop("n_goals", None)
        params["n_goals"] = len(goal_models)
    if not 2 <= len(goal_models) <= BY_NAME["n_goals"].high and goal_models:
        raise ScenarioError(f"{where}: goals: {len(goal_models)} goals are not allowed: expected "
                            f"{BY_NAME['n_goals'].allowed.replace('an integer in', 'between')}")
    departments = [Department.model_validate(d) for d in data.get("departments") or []]
    if departments and not goal_models:
        raise ScenarioError(f"{where}: departments: a department's KPI bias refers to goals, "
                            f"but the scenario lists no goals")
    for i, dept in enumerate(departments):
        bias = {dept.kpi_bias: 1.0} if isinstance(dept.kpi_bias, str) else dept.kpi_bias
        for goal in bias:
            if goal not in names:
                raise ScenarioError(f"{where}: departments[{i}].kpi_bias: {quote(goal)} is not one of the "
                                    f"goals{suggest(goal, names)}; goals: {', '.join(names)}")
        if sum(bias.values()) <= 0:
            raise ScenarioError(f"{where}: departments[{i}].kpi_bias: every weight is 0: "
                                f"at least one goal needs a positive weight")
    try:
        current = validate(**params)
    except ParameterError as exc:
        raise ScenarioError(f"{where}: {clean(exc, 300)}") from None
    interventions = sorted((_intervention(where, w, c) for w, c in (data.get("interventions") or {}).items()
                            if c is not None), key=lambda iv: iv.week)
    for iv in interventions:  # changes accumulate in week order, as in the model
        try:
            current = validate(**{**current.model_dump(), **iv.changes})
        except ParameterError as exc:
            raise ScenarioError(f"{where}: interventions.{iv.week}: {clean(exc, 300)}") from None
    fields = {k: data[k] for k in ("horizon", "replications", "seed") if data.get(k) is not None}
    if data.get("objectives"):
        from .metrics import BETTER

        for name in data["objectives"]:
            if name not in BETTER:
                raise ScenarioError(f"{where}: objectives: {quote(name)} is not an outcome with a better "
                                    f"direction{suggest(str(name), BETTER)}; allowed: {', '.join(BETTER)}")
        fields["objectives"] = tuple(dict.fromkeys(data["objectives"]))
    if data.get("costs"):
        from .costs import check_costs

        try:
            fields["costs"] = check_costs(data["costs"])
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    if data.get("survey_facts") or data.get("priors"):
        from .calibrate.survey import check_facts, check_priors

        try:
            if data.get("survey_facts"):
                fields["survey_facts"] = check_facts(data["survey_facts"])
            if data.get("priors"):
                fields["priors"] = check_priors(data["priors"])
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    if data.get("org_chart") is not None:
        fields["org_chart"] = OrgChartRef.model_validate(data["org_chart"])
    scenario = Scenario(
        name=data.get("name") or clean(path.stem, 80),  # a file's name is not checked like a field
        description=(data.get("description") or "").strip(),
        goals=tuple(goal_models), departments=tuple(departments),
        structure=data["structure"], parameters=data["parameters"],
        interventions=tuple(interventions), source=str(path), overrides=applied, **fields)
    scenario.chart()  # nothing runs on a broken chart: check it now
    if scenario.org_chart is None:  # each setting may be in range and the total still impossible
        problem = memory_problem(scenario.people)
        if problem:
            raise ScenarioError(f"{where}: structure: {', '.join(f'{k} = {_fmt(getattr(current, k))}' for k in STRUCTURE_KEYS)}"
                                f" gives {problem}")
    return scenario


__all__ = ["Scenario", "ScenarioError", "Goal", "Department", "load_scenario", "bundled", "find",
           "PERSPECTIVES"]
