"""One viewer's running model and what is drawn from it, with the rules for changing levers.

- A lever change is validated first (``sim.params.validate``, plus a size limit for a live view).
  A rejected combination keeps the last valid model running and leaves the reason in ``error``.
- Structural levers (``Param.structural``: layers, span, cross-silo ties...) rebuild the
  organisation at week 0; the others act on the running model from the next week, as a scenario's
  intervention would. ``reset`` restarts at week 0 with every lever as set, from the same seed.
- The organisation chart's layout is computed once per organisation (``OrgChart``), not per frame.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..geometry import alignment
from ..inputs import clean, quote
from ..model import OrgModel
from ..org import people
from ..params import BY_NAME, STRUCTURAL, ParameterError, validate
from ..state import CHAMPION, DEFENDER, NEUTRAL
from .address import AddressError, decode, encode
from .charts import CHARTS, FONT, level_names, readouts
from .lessons import BY_KEY as LESSONS
from .orgchart import OrgChart
from .telephone import goal_names, mix, rows

try:  # scenario presets, when sim.scenario is available
    from .. import scenario as _scenario
except ImportError:  # pragma: no cover - an install without scenario support
    _scenario = None

SCENARIO_ENV = "CASCADE_SCENARIO"  # the teacher's scenario files, set by `cascade app`
MAX_PEOPLE = 50_000  # beyond this the live view refuses (use `cascade run`)
PERSON_MEASURES = {"understanding": "u", "commitment": "m", "fatigue": "f", "trust": "tau",
                   "confidence": "conf", "credibility": "kappa", "capability": "c"}
STANCES = {NEUTRAL: "neutral", CHAMPION: "champion", DEFENDER: "defender"}
MESSAGE_EVERY = 13  # weeks: the telephone game follows a new message each quarter of the run
DEFAULT_SEED = 1


def offered() -> dict[str, Path]:
    """The scenarios this view offers, by name: the bundled ones and the files the teacher named when
    starting the server ($CASCADE_SCENARIO: paths separated by the system's path separator). The
    view loads nothing else: a name comes from the browser, a path never does."""
    out: dict[str, Path] = {}
    if _scenario is not None:
        try:
            out.update(_scenario.bundled())
        except Exception:  # noqa: BLE001 - a broken scenario folder must not break the view
            pass
    for path in teacher_files():
        out[path.stem] = path
    return out


def teacher_files() -> list[Path]:
    return [Path(p) for p in os.environ.get(SCENARIO_ENV, "").split(os.pathsep) if p]


def presets() -> list[str]:
    """Names of the offered scenarios ([] when sim.scenario is not available)."""
    return list(offered()) if _scenario is not None else []


def teacher_preset() -> str | None:
    """The scenario the server was started with (the first teacher file), by name."""
    files = teacher_files()
    return files[0].stem if files else None


class Session:
    def __init__(self, scenario: str | None = None, seed: int = DEFAULT_SEED, values=None):
        self.lock = threading.RLock()
        self.values: dict = dict(values or {})  # levers as set (a rejected value stays visible)
        self.valid: dict = {}  # the values the running model was built or last changed with
        self.extras: dict = {}  # strategy, kpi_bias, interventions from a preset
        self.seed = seed
        self.preset: str | None = None
        self.description = ""  # the preset's, from its scenario file's description
        self.lesson: str | None = None  # the key of the guided lesson under way
        self.goals: list[str] | None = None
        self.error: str | None = None
        self.model: OrgModel | None = None
        self.drawn = 0  # the last frame the page drew (see sim.app.wait_for_frame)
        self.reference = None  # run A: a frozen run's time series, drawn under the current one
        self.reference_label = ""
        self.reference_recipe: dict | None = None  # run A's recipe (for the page's address)
        # How this run came about, to replay it (sim.viz.address): the levers of the preset or lesson
        # it started from, those it was built with at week 0, and each later move (week, lever, value).
        self.origin: dict = {}
        self.base: dict = {}
        self.changes: list[tuple[int, str, object]] = []
        if scenario:
            self.load_preset(scenario)
        else:
            self.rebuild()
        if self.model is None:  # an unusable scenario or value: start from the defaults
            self.values, self.extras = {}, {}
            error, self.error = self.error, None
            self.rebuild()
            self.error = error

    # ------------------------------------------------------------------ levers
    def value(self, name: str):
        return self.values.get(name, getattr(self.model.p, name))

    def check(self, values: dict):
        """Validated parameters for ``values``, or raise ParameterError with the reason."""
        p = validate(**values)
        size = people(p)
        if size > MAX_PEOPLE:
            raise ParameterError(
                f"layers = {p.layers}, span = {p.span} gives {size:,} people: the live view takes at "
                f"most {MAX_PEOPLE:,} (run larger organisations with `cascade run`)")
        return p

    def set(self, name: str, value) -> bool:
        """Set one lever; True if the model took it (live or rebuilt)."""
        if name not in BY_NAME:
            raise KeyError(name)
        with self.lock:
            self.values = {**self.values, name: value}
            try:
                p = self.check(self.values)
            except ParameterError as exc:
                self.error = clean(exc, 300)  # a forged value is quoted in part only
                return False
            self.error = None
            changed = {k for k in STRUCTURAL if getattr(p, k) != getattr(self.model.p, k)}
            if changed:
                return self.rebuild()
            self.model.set_params(**{k: getattr(p, k) for k in BY_NAME if k not in STRUCTURAL})
            self.valid = dict(self.values)
            if self.changes and self.changes[-1][:2] == (self.week, name):
                self.changes.pop()  # a slider dragged within a week: its last value counts
            self.changes.append((self.week, name, value))
            return True

    def rebuild(self, values: dict | None = None) -> bool:
        values = self.values if values is None else values
        with self.lock:
            try:
                self.check(values)
                model = OrgModel(rng=self.seed, **self.extras, **values)
            except (ParameterError, ValueError) as exc:
                self.error = clean(exc, 300)  # a forged value is quoted in part only
                return False
            self.model, self.valid = model, dict(values)
            self.base, self.changes = dict(values), []
            self.orgchart = OrgChart(model)
            self.new_message()
            return True

    def reset(self) -> bool:
        """Back to week 0 with the levers as set (or, while they are rejected, as last accepted)."""
        if self.error is None:
            return self.rebuild()
        return self.rebuild(self.valid)

    def set_seed(self, seed: int) -> bool:
        self.seed = int(seed)
        return self.reset()

    def load_preset(self, name: str) -> bool:
        """Load an offered scenario by name. Anything else (a path, an unknown name) is refused
        without touching the file system, and a scenario's problems are not shown in the page
        (they may quote the file): the teacher checks a file with `cascade validate`."""
        if _scenario is None:
            self.error = "scenario presets need sim.scenario, which is not installed"
            return False
        choices = offered()
        if not isinstance(name, str) or name not in choices:
            self.error = f"preset {quote(name)} is not one of the offered scenarios"
            return False
        try:
            sc = _scenario.load_scenario(choices[name])
            kwargs = sc.model_kwargs()
        except Exception:  # noqa: BLE001 - any problem of the file: a short, content-free message
            self.error = f"scenario {quote(name)} could not be loaded (check it with `cascade validate`)"
            return False
        values = {k: v for k, v in kwargs.items() if k in BY_NAME}
        extras = {k: v for k, v in kwargs.items() if k not in BY_NAME and v is not None}
        if not self.start(values, extras, getattr(sc, "seed", None)):
            return False
        self.preset, self.description = name, getattr(sc, "description", "")
        self.goals = [g.name for g in getattr(sc, "goals", ())] or None
        return True

    def load_lesson(self, key: str) -> bool:
        """Set up a guided lesson (``sim.viz.lessons``) by key: its levers, every other at its default,
        from week 0 with the current seed."""
        if not isinstance(key, str) or key not in LESSONS:
            self.error = f"lesson {quote(key)} is not one of the offered lessons"
            return False
        if not self.start(LESSONS[key].settings):
            return False
        self.preset, self.description, self.goals, self.lesson = None, "", None, key
        return True

    def start(self, values: dict, extras: dict | None = None, seed: int | None = None) -> bool:
        """Start again at week 0 from ``values`` (every other lever at its default) and a preset's
        ``extras``; a rejected start keeps the running model and its levers. A preset's or a lesson's
        start ends the lesson under way."""
        old = (self.values, self.extras, self.seed)
        self.values, self.extras = dict(values), dict(extras or {})
        self.seed = seed if seed is not None else self.seed
        if not self.rebuild():
            self.values, self.extras, self.seed = old
            return False
        self.error, self.lesson, self.origin = None, None, dict(values)
        return True

    # ------------------------------------------------------------------ the run in the page's address
    def recipe(self) -> dict:
        """What replays this run (``replay``): its start, seed, levers at week 0 that differ from
        the start, the later lever moves, and the week reached."""
        with self.lock:
            base = {k: v for k, v in self.base.items() if v != self.origin.get(k, BY_NAME[k].default)}
            return {"preset": self.preset, "lesson": self.lesson, "seed": self.seed, "base": base,
                    "changes": list(self.changes), "week": self.week}

    def address(self) -> str:
        """The page's query string for this run and run A ("" when they do not fit in one)."""
        a = self.reference_recipe
        query = encode(self.recipe(), a)
        try:
            decode(query)  # what the page can read back: its size and number of fields
        except AddressError:
            return ""
        return query

    def replay(self, run: dict) -> bool:
        """Rebuild a run from its recipe (``decode``'s): every lever through the sliders' checks."""
        if run.get("preset"):
            ok = self.load_preset(run["preset"])
        elif run.get("lesson"):
            ok = self.load_lesson(run["lesson"])
        else:
            ok = self.start({})
            self.preset, self.description, self.goals = None, "", None
        if not ok:
            return False
        if run["seed"] is not None:
            self.seed = run["seed"]
        self.values = {**self.values, **run["base"]}
        if not self.rebuild():
            return False
        changes = list(run["changes"])
        while True:
            while changes and changes[0][0] == self.week:
                _, name, value = changes.pop(0)
                if not self.set(name, value):
                    return False
            if self.week >= run["week"]:
                return True
            self.step()

    @classmethod
    def restored(cls, query: str | None, scenario: str | None = None, values=None) -> "Session":
        """The session of a page whose address is ``query``: the run (and run A) it holds, replayed;
        otherwise the usual start, with the reason the address was not used as the error."""
        session = cls(scenario=scenario, values=values)
        try:
            run, a = decode(query or "")
        except AddressError as exc:
            session.error = f"this page's address: {exc}"
            return session
        if not run:
            return session
        ok = a is None or session.replay(a)
        if ok and a is not None:
            session.freeze()
        if not (ok and session.replay(run)):
            error = session.error
            session = cls(scenario=scenario, values=values)
            session.error = f"this page's address: {error}"
        return session

    # ------------------------------------------------------------------ running
    @property
    def week(self) -> int:
        return self.model.week

    def step(self, n: int = 1, only_if=None) -> int:
        """Take up to ``n`` whole weeks, stopping before a week when ``only_if()`` is false (Pause);
        returns the number taken. A week is never cut short. The telephone game's message is
        renewed each quarter (it has its own random stream: the run is not changed by it)."""
        with self.lock:
            taken = 0
            while taken < n and (only_if is None or only_if()):
                self.model.step()
                taken += 1
            if self.week - self.trace_week >= MESSAGE_EVERY:
                self.new_message()
            return taken

    def csv(self) -> str:
        """The run so far, one row per week (the outputs of MODEL.md section 6), as CSV text."""
        with self.lock:
            return self.model.timeseries().to_csv(index=False)

    def new_message(self, employee: int | None = None) -> None:
        with self.lock:
            self.trace = self.model.trace_message(employee)
            self.trace_week = self.model.week

    # ------------------------------------------------------------------ drawing
    def draw_orgchart(self, measure: str) -> tuple[bytes, str]:
        """The organisation chart's picture and its caption."""
        with self.lock:
            return self.orgchart.draw(self.model, measure), self.orgchart.caption(self.model)

    def chart_specs(self, keys=None, font: int = FONT) -> list[dict]:
        """The live charts (``keys`` of ``CHARTS``, default all) as Vega-Lite specifications."""
        with self.lock:
            return [CHARTS[key](self.model, self.reference, font) for key in keys or CHARTS]

    def readouts(self) -> list[dict]:
        with self.lock:
            return readouts(self.model, self.reference)

    def person_at(self, x: float, y: float) -> int:
        """The person drawn nearest a click on the organisation chart (see ``OrgChart.person_at``)."""
        with self.lock:
            return self.orgchart.person_at(x, y)

    def person(self, i: int) -> dict:
        """What the view shows of one person (``inspect``): place, measures and priority mix."""
        with self.lock:
            org, st = self.model.org, self.model.state
            names = level_names(org)
            return {
                "person": i, "level": names[min(int(org.depth[i]), len(names) - 1)],
                "boss": int(org.boss[i]), "stance": STANCES[int(st.stance[i])],
                "alignment": float(alignment(st.b[i], st.s)),
                **{label: float(getattr(st, field)[i]) for label, field in PERSON_MEASURES.items()},
                "priorities": dict(zip(self.goal_names(), mix(st.b[i]))),
                "strategy": dict(zip(self.goal_names(), mix(st.s))),
            }

    # ------------------------------------------------------------------ comparing two runs
    def freeze(self) -> None:
        """Keep the run so far as run A; change levers, Reset and run B from the same seed."""
        with self.lock:
            self.reference = self.model.timeseries()
            self.reference_recipe = self.recipe()
            self.reference_label = (f"seed {self.seed}, {self.week} weeks"
                                    + (f", preset {self.preset}" if self.preset else "")
                                    + "".join(f", {k} = {v}" for k, v in sorted(self.valid.items())
                                              if v != BY_NAME[k].default))  # what sets it apart

    def unfreeze(self) -> None:
        with self.lock:
            self.reference, self.reference_label, self.reference_recipe = None, "", None

    def telephone(self) -> list[dict]:
        with self.lock:
            return rows(self.model, self.trace, level_names(self.model.org))

    def goal_names(self) -> list[str]:
        return goal_names(len(self.model.state.s), self.goals)
