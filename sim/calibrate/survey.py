"""A client's pulse survey and the observation model that lets the simulation answer it.

The survey is a CSV file (docs/SURVEYS.md): one row per respondent, or per group of respondents
who gave the same answers with a ``count``; a ``level`` (a number, 0 = executives, or a name:
``executives``, ``managers``, ``employees``, ``layer 1`` ...); an optional ``department``; and one
column per item of ``ITEMS``, each holding a Likert answer 1-5, yes/no, or nothing (not asked or not
answered). What the survey says is, per item and level (and per department, if asked for), the
share who agree (4 or 5, or yes), and for Likert answers the share answering at least 2, 3 and 5
as well (the full ordinal answer), each with the binomial sampling error of that share from the
number who answered.

Each item measures one per-person value of the model's state (its latent value), and a person's
Likert answer is set by ordered thresholds on that value (``Item.likert``: the answer is at least
``k`` when the value passes the k-th threshold; agreeing is answering at least 4): the simulated
organisation answers the survey as everyone in it would (the model's share over the whole level,
or over the level's people in a department of that name), and the survey's share is a sample of
that. The organisation's facts (``survey_facts`` in the scenario: annual turnover,
initiatives launched and failed in the last year) are compared the same way, each with its own
sampling error. Every error is a ``SurveyError`` whose one line names the file, row and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..geometry import CAN_STATE, CLEAR, alignment
from ..inputs import clean, quote
from ..params import BY_NAME, suggest

MAX_BYTES = 20_000_000  # a survey of 100,000 respondents with ten items is about 3 MB
MAX_ROWS = 500_000
MAX_COUNT = 10_000_000  # respondents one row may stand for
MIN_RESPONDENTS = 5  # answers an item needs in a level for its share to mean anything
WEEKS_PER_YEAR = 52


AGREE_CUT = 4  # a Likert answer of at least 4 (agree, strongly agree) is agreement
CUTS = (2, 3, 4, 5)  # the Likert answers "at least k" a survey's shares are of


@dataclass(frozen=True)
class Item:
    """A survey item: what the model's state says about it, and the ordered thresholds on that
    value that set a person's Likert answer."""

    name: str
    statement: str
    latent: str  # the per-person value it measures (a State field, or "alignment")
    output: str  # the model output (time series column, by level) it corresponds to
    likert: tuple[float, float, float, float]  # the value at which the answer is at least 2, 3, 4, 5
    below: bool = False  # the answer rises as the latent value falls (thresholds decreasing)

    @property
    def threshold(self) -> float:
        """The agreement threshold (an answer of at least 4)."""
        return self.cut(AGREE_CUT)

    def cut(self, k: int) -> float:
        return self.likert[CUTS.index(k)]

    def at_least(self, values: np.ndarray, k: int) -> np.ndarray:
        """Who answers at least ``k`` (2-5) on the Likert scale."""
        t = self.cut(k)
        return values < t if self.below else values >= t

    def agrees(self, values: np.ndarray) -> np.ndarray:
        return self.at_least(values, AGREE_CUT)

    def answers(self, values: np.ndarray) -> np.ndarray:
        """Each person's Likert answer, 1-5."""
        return 1 + sum(self.at_least(values, k).astype(np.int64) for k in CUTS)

    @property
    def rule(self) -> str:
        """When a person agrees."""
        return f"{self.latent} {'<' if self.below else '>='} {self.threshold:g}"


# The [0, 1] scales: 0.5 (the neutral point, the model's own support threshold) is agreement; a
# strong answer either way is beyond 0.8 or 0.2. Alignment: 'can state' (E1) is agreement, the
# 'clear' of the clarity gap a neutral answer, a 60-degree miss or worse strong disagreement.
SCALE = (0.2, 0.35, 0.5, 0.8)
ITEMS: dict[str, Item] = {i.name: i for i in (
    Item("can_name_priorities", "I can name our top strategic priorities", "alignment", "can_state_<d>",
         (0.5, CLEAR, CAN_STATE, 0.995)),
    Item("clear_on_strategy", "I am clear about what our strategy is", "conf", "confidence_<d>", SCALE),
    Item("understand_why", "I understand why we are changing", "u", "understanding_<d>", SCALE),
    Item("support_change", "I support this change", "m", "commitment_<d> (support)", SCALE),
    Item("trust_leadership", "I trust leadership to do what it says", "tau", "trust", SCALE),
    Item("workload_manageable", "My workload is manageable", "f", "fatigue_<d>", (0.8, 0.65, 0.5, 0.2),
         below=True),
)}

LEVEL_NAMES = ("executives", "managers", "employees")
_LEVEL_ALIASES = {"executive": "executives", "exec": "executives", "execs": "executives",
                  "manager": "managers", "middle": "managers", "middle_managers": "managers",
                  "middle_management": "managers", "employee": "employees", "staff": "employees"}
LIKERT = {"1", "2", "3", "4", "5"}
AGREE = {"4", "5", "yes", "y", "true", "agree"}
DISAGREE = {"1", "2", "3", "no", "n", "false", "disagree"}
BLANK = {"", "na", "n/a", "-"}
COLUMNS = ("level", "department", "count")


class SurveyError(ValueError):
    """A survey file or survey_facts section that cannot be used; the message is one line."""


# --------------------------------------------------------------------------- organisation facts

FACTS = {
    "annual_turnover": "share of the organisation that left in the last 52 weeks (0.15 = 15%)",
    "initiatives_launched": "initiatives launched in the last 52 weeks",
    "initiatives_failed": "initiatives that failed or were abandoned in the last 52 weeks",
}


def check_facts(facts) -> dict:
    """The scenario's ``survey_facts`` section, checked (errors name the field)."""
    if not isinstance(facts, dict):
        raise ValueError(f"survey_facts = {quote(facts)} is not allowed: expected a mapping of "
                         f"{', '.join(FACTS)} to values")
    out = {}
    for name, value in facts.items():
        if name not in FACTS:
            raise ValueError(f"survey_facts.{clean(name)}: unknown fact{suggest(str(name), FACTS)}; "
                             f"allowed: {', '.join(FACTS)}")
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if name == "annual_turnover":
            if not number or not 0 <= value <= 1:
                raise ValueError(f"survey_facts.{name} = {quote(value)} is not allowed: expected a share "
                                 f"in [0, 1] ({FACTS[name]})")
            out[name] = float(value)
        else:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
                raise ValueError(f"survey_facts.{name} = {quote(value)} is not allowed: expected a whole "
                                 f"number in [0, 10000] ({FACTS[name]})")
            out[name] = value
    if out.get("initiatives_failed", 0) > out.get("initiatives_launched", math.inf):
        raise ValueError(f"survey_facts.initiatives_failed = {out['initiatives_failed']} is not allowed: "
                         f"more than initiatives_launched ({out['initiatives_launched']})")
    return out


def calibratable(name: str) -> bool:
    """A parameter ABC can search: a number on a continuous range."""
    p = BY_NAME.get(name)
    return p is not None and p.kind is float and not p.choices and p.low is not None


def calibratable_param(name, where: str):
    """The parameter ``name`` if ABC can search it; a ValueError naming ``where`` if not."""
    if name not in BY_NAME:
        raise ValueError(f"{where}: {clean(str(name))!r} is not a parameter{suggest(str(name), BY_NAME)} "
                         f"(see `cascade params`)")
    if not calibratable(name):
        raise ValueError(f"{where}: {name} cannot be calibrated: expected a parameter with a "
                         f"continuous range (not a whole number or a choice)")
    return BY_NAME[name]


def check_priors(priors) -> dict:
    """The scenario's ``priors`` section (``name: [low, high]``, narrowing the parameter's range)."""
    if not isinstance(priors, dict):
        raise ValueError(f"priors = {quote(priors)} is not allowed: expected a mapping of parameter "
                         f"names to [low, high]")
    out = {}
    for name, bounds in priors.items():
        where = f"priors.{clean(name)}"
        p = calibratable_param(name, where)
        ok = (isinstance(bounds, list) and len(bounds) == 2
              and all(isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b) for b in bounds))
        if not ok or not p.low <= bounds[0] < bounds[1] <= p.high:
            raise ValueError(f"{where} = {quote(bounds)} is not allowed: expected [low, high] with "
                             f"{p.low:g} <= low < high <= {p.high:g} (the parameter's range)")
        out[name] = [float(bounds[0]), float(bounds[1])]
    return out


# --------------------------------------------------------------------------- the survey file


@dataclass(frozen=True)
class Cell:
    """One statistic of the survey: the share answering at least ``cut`` (4: agreeing) to ``item``
    in ``group`` (a level name or number) and, if by department, ``department``, from ``n`` answers
    of which ``agree`` did."""

    item: str
    group: str
    n: int
    agree: int
    department: str = ""
    cut: int = AGREE_CUT

    @property
    def key(self) -> str:
        key = f"{self.item}|{self.group}" + (f"|{self.department}" if self.department else "")
        return key if self.cut == AGREE_CUT else f"{key}|>={self.cut}"

    @property
    def share(self) -> float:
        return self.agree / self.n

    @property
    def sd(self) -> float:
        """Binomial sampling sd of the share, with the share shrunk to (agree + 1) / (n + 2) so
        that a unanimous answer still has an error (Laplace's rule of succession)."""
        p = (self.agree + 1) / (self.n + 2)
        return math.sqrt(p * (1 - p) / self.n)


@dataclass(frozen=True)
class Survey:
    """A checked survey: its cells (item x level group [x department] x Likert cut) and, if given,
    the organisation's facts."""

    cells: tuple[Cell, ...]
    source: str = ""
    respondents: int = 0
    departments: tuple[str, ...] = ()
    facts: dict = field(default_factory=dict)
    by_department: bool = False

    def with_facts(self, facts: dict) -> "Survey":
        return replace(self, facts=dict(facts))

    @property
    def items(self) -> list[str]:
        return list(dict.fromkeys(c.item for c in self.cells))

    def only(self, items) -> "Survey":
        """The survey restricted to some items (the facts are kept)."""
        unknown = [i for i in items if i not in self.items]
        if unknown:
            raise SurveyError(f"{self.source}: no answers to {', '.join(unknown)}; the survey asks "
                              f"{', '.join(self.items)}")
        return replace(self, cells=tuple(c for c in self.cells if c.item in items))

    def observed(self) -> dict[str, float]:
        """Every statistic of the survey by key (the cells' shares, then the facts)."""
        return {**{c.key: c.share for c in self.cells}, **self.facts}

    def scales(self, people: int) -> dict[str, float]:
        """Each statistic's sampling sd: the cells' binomial sd; for turnover, the binomial sd
        of a share of ``people``; for counts of initiatives, the Poisson sd sqrt(count + 1)."""
        out = {c.key: c.sd for c in self.cells}
        for name, value in self.facts.items():
            if name == "annual_turnover":
                k = value * people
                p = (k + 1) / (people + 2)
                out[name] = math.sqrt(p * (1 - p) / people)
            else:
                out[name] = math.sqrt(value + 1)
        return out

    def table(self) -> pd.DataFrame:
        """The survey's statistics: item, level, department (if by department), the Likert answer
        the share is of (``answer``, if Likert levels are used: >=4 is agreeing), respondents, the
        share and its sd."""
        ordinal = any(c.cut != AGREE_CUT for c in self.cells)
        return pd.DataFrame([{"item": c.item, "level": c.group,
                              **({"department": c.department} if self.by_department else {}),
                              **({"answer": f">={c.cut}"} if ordinal else {}), "respondents": c.n,
                              "agree": c.agree, "share": c.share, "sd": c.sd} for c in self.cells])


def _header(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _level(text: str) -> str | None:
    """A level cell as its canonical name: executives, managers (every middle layer), employees,
    or a level number ('0' executives, 'layer 1' and '1' the first middle layer, ...); None if it
    is none of these."""
    key = _header(text)
    key = _LEVEL_ALIASES.get(key, key)
    if key in LEVEL_NAMES:
        return key
    m = re.fullmatch(r"(?:layer|level)_?(\d{1,2})|(\d{1,2})", key)
    if m:
        return str(int(m.group(1) or m.group(2)))
    return None


def read_survey(path: str | Path, likert: bool = True, by_department: bool = False) -> Survey:
    """Read and check a survey CSV (docs/SURVEYS.md); raise ``SurveyError`` naming row and column.

    ``likert``: use the full Likert answer (the shares answering at least 2, 3, 4 and 5) where an
    item has enough Likert answers in a level; False keeps agreement only (4-5 or yes).
    ``by_department``: a statistic per level and department (every respondent needs a department,
    and every department enough answers), instead of per level pooled over departments."""
    path = Path(path)
    name = clean(path.name, 80)
    if not path.is_file():
        raise SurveyError(f"{clean(str(path), 120)}: no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SurveyError(f"{name}: {size:,} bytes is too large for a survey: at most {MAX_BYTES:,}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        raise SurveyError(f"{name}: row {row} is not UTF-8 text; save the file as CSV UTF-8") from None
    try:
        sep = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise SurveyError(f"{name}: the file is empty: expected a header row (level, count, items)")
        columns = [_header(h) for h in header]
        for j, col in enumerate(columns):
            if col not in COLUMNS and col not in ITEMS:
                known = [*COLUMNS, *ITEMS]
                raise SurveyError(f"{name}: column {quote(header[j].strip())}: unknown column"
                                  f"{suggest(col, known)}; allowed: level, department, count and the items "
                                  f"{', '.join(ITEMS)} (docs/SURVEYS.md)")
            if col in columns[:j]:
                raise SurveyError(f"{name}: column {quote(header[j].strip())} appears twice")
        if "level" not in columns:
            raise SurveyError(f"{name}: no level column: every row needs the respondent's level")
        items = [c for c in columns if c in ITEMS]
        if not items:
            raise SurveyError(f"{name}: no item columns: expected at least one of {', '.join(ITEMS)}")
        if by_department and "department" not in columns:
            raise SurveyError(f"{name}: no department column: statistics by department need each "
                              f"respondent's department")
        # (item, level, department) -> [answers, agreeing, Likert answers, at least 2, 3, 4, 5]
        counts: dict[tuple[str, str, str], list[int]] = {}
        rows_of: dict[tuple[str, str], list[int]] = {}
        departments: dict[str, None] = {}
        respondents = 0
        for i, cells in enumerate(reader):
            row = i + 2  # spreadsheet numbering: the header is row 1
            if i >= MAX_ROWS:
                raise SurveyError(f"{name}: more than {MAX_ROWS:,} rows: group respondents with a count column")
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                raise SurveyError(f"{name}: row {row}: {len(cells)} cells, but the header has {len(columns)} columns")
            values = dict(zip(columns, (c.strip() for c in cells)))
            level = _level(values["level"])
            if level is None:
                raise SurveyError(f"{name}: row {row}, column level: {quote(values['level'])} is not a level: "
                                  f"expected a number (0 = executives) or one of executives, managers, "
                                  f"employees, layer N")
            count = 1
            if "count" in values:
                text_count = values["count"]
                if not re.fullmatch(r"\d{1,8}", text_count) or not 1 <= int(text_count) <= MAX_COUNT:
                    raise SurveyError(f"{name}: row {row}, column count: {quote(text_count)} is not allowed: "
                                      f"expected a whole number of respondents in [1, {MAX_COUNT:,}]")
                count = int(text_count)
            department = clean(values.get("department", ""), 200)
            if department:
                departments[department] = None
            elif by_department:
                raise SurveyError(f"{name}: row {row}, column department: empty, but the statistics are by "
                                  f"department: give every respondent's department, or pool the departments")
            if by_department and "|" in department:  # '|' separates the parts of a statistic's key
                raise SurveyError(f"{name}: row {row}, column department: {quote(department)} is not allowed: "
                                  f"a department name without '|'")
            group = department if by_department else ""
            respondents += count
            rows_of.setdefault((level, group), []).append(row)
            for item in items:
                answer = values[item].lower()
                if answer in BLANK:
                    continue
                if answer in LIKERT:
                    level_of_answer = int(answer)
                elif answer in AGREE or answer in DISAGREE:
                    level_of_answer = 0  # yes or no: agreement only
                else:
                    outside = " (outside the Likert scale)" if re.fullmatch(r"[-+]?\d+(\.\d*)?", answer) else ""
                    raise SurveyError(f"{name}: row {row}, column {item}: {quote(values[item])} is not allowed"
                                      f"{outside}: expected a Likert answer 1-5, yes or no, or nothing")
                tally = counts.setdefault((item, level, group), [0] * 7)
                tally[0] += count
                tally[1] += count * (answer in AGREE)
                if level_of_answer and likert:
                    tally[2] += count
                    for j, k in enumerate(CUTS):
                        tally[3 + j] += count * (level_of_answer >= k)
    except csv.Error as exc:
        raise SurveyError(f"{name}: not valid CSV: {clean(exc, 120)}") from None
    if respondents == 0:
        raise SurveyError(f"{name}: no respondents: the file has a header but no rows")
    for (item, level, group), tally in counts.items():
        n = tally[0]
        if n < MIN_RESPONDENTS:
            rows = rows_of[(level, group)]
            shown = ", ".join(map(str, rows[:8])) + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")
            where = f"department {quote(group)}, level {level}" if group else f"level {level}"
            fix = ("merge the department with another in the file, or pool the departments"
                   if group else "pool levels or leave the item out")
            raise SurveyError(f"{name}: {where}, column {item}: {n} answer{'s' if n != 1 else ''} "
                              f"(row{'s' if len(rows) > 1 else ''} {shown}) are too few: at least "
                              f"{MIN_RESPONDENTS} are needed for the share's sampling error; {fix}")
    order = {lv: k for k, lv in enumerate(sorted({lv for lv, _ in rows_of}, key=_level_order))}
    depts = list(departments)
    out = []
    for (item, level, group), tally in sorted(counts.items(), key=lambda kv: (
            items.index(kv[0][0]), order[kv[0][1]], depts.index(kv[0][2]) if kv[0][2] else -1)):
        n, agree, n_likert, *at_least = tally
        # The full ordinal answer where there are enough Likert answers for its shares' errors.
        ordinal = n_likert >= MIN_RESPONDENTS
        for j, k in enumerate(CUTS):
            if k == AGREE_CUT:
                out.append(Cell(item, level, n, agree, group))
            elif ordinal:
                out.append(Cell(item, level, n_likert, at_least[j], group, k))
    return Survey(tuple(out), name, respondents, tuple(depts), by_department=by_department)


def _level_order(level: str) -> tuple:
    if level == "executives":
        return (0, 0)
    if level.isdigit():
        return (1, int(level))
    return (2, 0) if level == "managers" else (3, 0)


def levels_of(group: str, deepest: int) -> list[int]:
    """The model's levels a survey level stands for (``deepest`` is the employees' level)."""
    if group == "executives":
        return [0]
    if group == "employees":
        return [deepest]
    if group == "managers":
        return list(range(1, deepest))
    return [int(group)]


def check_levels(survey: Survey, deepest: int, what: str) -> None:
    """Every level of the survey exists in the organisation (levels 0 to ``deepest``)."""
    for c in survey.cells:
        levels = levels_of(c.group, deepest)
        if not levels or not all(0 <= d <= deepest for d in levels):
            layers = deepest - 1
            raise SurveyError(f"{survey.source}: level {c.group}: {what} has levels 0 (executives) to {deepest} "
                              f"(employees), with {layers} middle-management layer{'s' if layers != 1 else ''}")


# --------------------------------------------------------------------------- the model's answers


def latent(model, item: Item) -> np.ndarray:
    """The per-person latent value an item measures, read off the model's state (rows by level)."""
    st = model.state
    if item.latent == "alignment":
        return alignment(st.b, st.s, unit=True)
    return getattr(st, item.latent)


def group_rows(org, group: str, department: str = "", names=()) -> np.ndarray:
    """The model's people a survey group stands for: the rows of the level(s) of ``group`` and, if
    ``department`` is given, of those the ones in a department of that name (``names``: the name of
    each of the model's departments, by number; ``Scenario.department_names``)."""
    starts = org.level_start
    rows = np.concatenate([np.arange(starts[d], starts[d + 1]) for d in levels_of(group, len(starts) - 2)])
    if department:
        codes = [d for d, n in enumerate(names) if n == department]
        rows = rows[np.isin(org.dept[rows], codes)]
    return rows


def check_departments(survey: Survey, org, names, what: str) -> None:
    """A survey by department matches the organisation's departments by name, and each of its
    groups (a level in a department) has people in the organisation ``org``."""
    if not survey.by_department:
        return
    if not names:
        raise SurveyError(f"{survey.source}: the statistics are by department ({', '.join(survey.departments[:4])}"
                          f"{' ...' if len(survey.departments) > 4 else ''}), but {what} names no departments: "
                          f"list them in the scenario's departments (or use an org chart with a department "
                          f"column), or pool the departments")
    known = list(dict.fromkeys(names))
    for dept in survey.departments:
        if dept not in known:
            raise SurveyError(f"{survey.source}: department {quote(dept)} is not one of the departments of "
                              f"{what}{suggest(dept, known)}: {', '.join(known)}")
    for c in survey.cells:
        if len(group_rows(org, c.group, c.department, names)) == 0:
            raise SurveyError(f"{survey.source}: level {c.group}, department {quote(c.department)}: {what} has "
                              f"nobody there (executives belong to no department)")


def answer(model, survey: Survey, names=()) -> dict[str, float]:
    """The survey as the organisation of a model that has run to the survey's week would answer
    it: every statistic of ``Survey.observed``, by key (``names``: the model's department names,
    for a survey by department)."""
    org = model.org
    out = {}
    values: dict[str, np.ndarray] = {}
    rows: dict[tuple[str, str], np.ndarray] = {}
    for c in survey.cells:
        item = ITEMS[c.item]
        if c.item not in values:
            values[c.item] = latent(model, item)
        if (c.group, c.department) not in rows:
            rows[c.group, c.department] = group_rows(org, c.group, c.department, names)
        out[c.key] = float(item.at_least(values[c.item][rows[c.group, c.department]], c.cut).mean())
    if survey.facts:
        out.update(facts(model.timeseries(), int(org.level_start[-1])))
    return {k: out[k] for k in survey.observed()}


def facts(ts: pd.DataFrame, people: int) -> dict[str, float]:
    """The organisation's facts over the last 52 weeks of a run's time series."""
    last = ts.iloc[-1]
    week = int(last["week"])
    before = ts.loc[ts["week"] == week - WEEKS_PER_YEAR]
    start = before.iloc[0] if len(before) else None

    def over_year(col: str) -> float:
        return float(last[col] - (start[col] if start is not None else 0))

    return {"annual_turnover": over_year("turnover") / people,
            "initiatives_launched": over_year("initiatives_launched"),
            "initiatives_failed": over_year("initiatives_failed")}


def sample_survey(model, respondents: dict[str, int], rng, likert: bool = False, names=()) -> pd.DataFrame:
    """A synthetic survey: ``respondents[level]`` people drawn at random from each level of a model
    that has run to the survey's week, each answering every item as the observation model says: yes
    or no, or with ``likert`` an answer 1-5 (one row per respondent, with the department's name
    from ``names`` or else its number). For examples and recovery tests."""
    rng = np.random.default_rng(rng)
    org = model.org
    answers = {}
    for name, item in ITEMS.items():
        v = latent(model, item)
        answers[name] = item.answers(v).astype(str) if likert else np.where(item.agrees(v), "yes", "no")
    rows = []
    for group, n in respondents.items():
        people = group_rows(org, group)
        for person in np.sort(rng.choice(people, size=min(n, len(people)), replace=False)):
            dept = int(org.dept[person])
            rows.append({"level": group, "department": names[dept] if len(names) and dept >= 0 else dept,
                         **{name: answers[name][person] for name in ITEMS}})
    return pd.DataFrame(rows)


__all__ = ["sample_survey", "ITEMS", "FACTS", "Item", "Cell", "Survey", "SurveyError", "read_survey", "answer",
           "check_facts", "check_priors", "check_levels", "check_departments", "group_rows", "levels_of", "calibratable", "calibratable_param", "MIN_RESPONDENTS"]
