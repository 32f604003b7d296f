"""A client's own org chart: read (CSV, Parquet, .xlsx), check, map to model rows, summarise, draw.

A chart is a table with one row per person::

    person_id, manager_id, department, role, credibility, capability, role_clarity, tenure
    E1,        ,           ,           executive
    E2,        E1,         Sales,      manager, 0.7
    E3,        E2,         Sales,      employee

Only ``person_id`` and ``manager_id`` (empty for the top; a person's own id, as Workday and SAP
exports write it, or a placeholder such as ``N/A`` are read as the top too, and the summary says
so) are required. ``department`` defaults to
the subtree of a level-1 person (an empty cell inherits the manager's department); ``role``
(executive / manager / employee) defaults to the position; the traits replace the model's drawn
values where given (credibility, capability and role clarity in [0, 1], tenure in whole weeks).
Other columns are ignored, with a note. Headers are matched loosely (``Manager ID`` is
``manager_id``; ``id``, ``reports_to`` and a few other common names are understood).

``read_chart`` returns an ``OrgChart``: the ``sim.org.Chart`` the model runs on (rows sorted by
depth, then department, then manager, so that departments are contiguous), the person id of each
row, and the department names. Every check fails with a ``ChartError`` whose one-line message
names the file and the rows, numbered as a spreadsheet shows them (the header is row 1). Only ids
and department names leave this module: no other column of the chart is kept.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .inputs import quote
from .org import TRAIT_COLUMNS, Chart

ROLES = ("executive", "manager", "employee")
TRAITS = tuple(TRAIT_COLUMNS)  # credibility, capability, role_clarity, tenure
COLUMNS = ("person_id", "manager_id", "department", "role", *TRAITS)
ALIASES = {  # header (normalised) -> column
    "id": "person_id", "person": "person_id", "employee_id": "person_id",
    "manager": "manager_id", "boss_id": "manager_id", "boss": "manager_id",
    "reports_to": "manager_id", "supervisor_id": "manager_id",
    "dept": "department", "tenure_weeks": "tenure",
}
FORMATS = {".csv": "CSV", ".txt": "CSV", ".parquet": "Parquet", ".pq": "Parquet", ".xlsx": "Excel"}
SHOWN = 8  # rows named in one message; the rest are counted
MAX_LEVELS = 30  # levels of a chart, executives included (real organisations have fewer than 15)
DRAWN_LEVELS = 16  # the picture's height grows with the levels up to this many, then stays


class ChartError(ValueError):
    """A broken org chart; the one-line message names the file and the rows."""


@dataclass(frozen=True)
class OrgChart:
    """A checked org chart, rows sorted for the model (see the module's docstring)."""

    chart: Chart  # what OrgModel(org_chart=...) takes
    ids: np.ndarray  # (n,) person id of each row
    depth: np.ndarray  # (n,) 0 = executives
    department_names: tuple[str, ...]  # name of each department code
    notes: tuple[str, ...] = ()  # worth knowing, not errors (ignored columns, role mismatches)
    source: str = ""
    tops: str = ""  # HR-export habits read as "no manager" (own id, N/A), for the summary

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def bosses(self) -> np.ndarray:
        return self.chart.bosses

    @property
    def n_reports(self) -> np.ndarray:
        b = self.bosses
        return np.bincount(b[b >= 0], minlength=self.n)

    def table(self, bosses: np.ndarray | None = None) -> pd.DataFrame:
        """person_id and manager_id of every row (of ``bosses``, e.g. a model's ``org.boss``)."""
        b = self.bosses if bosses is None else np.asarray(bosses)
        return pd.DataFrame({"person_id": self.ids,
                             "manager_id": np.where(b >= 0, self.ids[np.maximum(b, 0)], "")})


# --------------------------------------------------------------------------- reading


def read_chart(path: str | Path, executives=(), departments=()) -> OrgChart:
    """Read and check an org chart file (.csv, .parquet or .xlsx).

    ``executives``: ids of the executive team, when it has several members and the file has no
    role column saying so. ``departments``: names to number first, in this order (the rest
    follow alphabetically).
    """
    path = Path(path)
    return chart_from_table(read_table(path), path.name, executives, departments)


def read_table(path: Path) -> pd.DataFrame:
    """The file as a table of text cells ('' where empty)."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ChartError(f"{path.name}: not a chart file: expected one of "
                         f"{', '.join(sorted(FORMATS))}")
    if not path.is_file():
        raise ChartError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ChartError(f"{path.name}: the file is empty")
    try:
        if kind == "CSV":
            return _read_csv(path)
        table = pd.read_parquet(path) if kind == "Parquet" else pd.read_excel(path, dtype=object)
    except ChartError:
        raise
    except Exception as exc:  # noqa: BLE001 (any reader failure: one line for the user)
        raise ChartError(f"{path.name}: cannot read it as {kind}: {str(exc).splitlines()[0]}") from None
    return pd.DataFrame({str(c): _text(table[c]) for c in table.columns})


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ChartError(f"{path.name}: wrong encoding: the file is UTF-16; save it as CSV UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ChartError(f"{path.name}: wrong encoding: row {line} is not UTF-8 (byte "
                         f"0x{raw[exc.start]:02x}); save the file as CSV UTF-8") from None
    first = text.split("\n", 1)[0]
    try:
        sep = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ChartError(f"{path.name}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise ChartError(f"{path.name}: not valid CSV: {str(exc).splitlines()[0]}") from None
    return table.apply(lambda col: col.str.strip())


def _text(col: pd.Series) -> np.ndarray:
    """Cells as text: whole numbers without '.0' (ids read from Excel or Parquet), '' for empty."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()
    return np.array([one(v) for v in col.tolist()], dtype=object)


def _normalise(header: str) -> str:
    key = re.sub(r"[^0-9a-z]+", "_", str(header).strip().lower()).strip("_")
    return ALIASES.get(key, key)


def _rows(index, labels=None) -> str:
    """'row 5' / 'rows 5, 9 and 12' (spreadsheet numbering), with a label each if given."""
    index = np.asarray(index)
    parts = [f"{i + 2}" + (f" ({labels[k]})" if labels is not None else "")
             for k, i in enumerate(index[:SHOWN])]
    more = f" and {len(index) - SHOWN} more" if len(index) > SHOWN else ""
    if len(parts) == 1:
        return f"row {parts[0]}"
    if more:
        return f"rows {', '.join(parts)}{more}"
    return f"rows {', '.join(parts[:-1])} and {parts[-1]}"


def _ids(values) -> list[str]:
    return [f"id {quote(v)}" for v in values]


def chart_from_table(table: pd.DataFrame, source: str = "chart", executives=(),
                     departments=()) -> OrgChart:
    """Check a table of text cells (as ``read_table`` gives) and map it to model rows."""
    cols, notes = _columns(table, source)
    n = len(table)
    if n == 0:
        raise ChartError(f"{source}: the chart has no people (only a header)")
    ids = table[cols["person_id"]].to_numpy(dtype=object)
    managers = table[cols["manager_id"]].to_numpy(dtype=object)

    empty = np.flatnonzero(ids == "")
    if len(empty):
        raise ChartError(f"{source}: missing person id at {_rows(empty)}")
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        groups = pd.Series(np.flatnonzero(dup)).groupby(ids[dup], sort=False).agg(list)
        shown = "; ".join(f"{quote(pid)} at {_rows(rows)}" for pid, rows in list(groups.items())[:SHOWN])
        more = f"; and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
        raise ChartError(f"{source}: duplicate person ids: {shown}{more}")
    index = pd.Index(ids)
    managers, tops = _hr_tops(ids, managers, index)
    boss = np.where(managers == "", -1, index.get_indexer(managers)).astype(np.int64)
    unknown = np.flatnonzero((managers != "") & (boss < 0))
    if len(unknown):
        raise ChartError(f"{source}: manager id not found among the person ids at "
                         f"{_rows(unknown, [f'manager_id {quote(m)}' for m in managers[unknown]])}")
    depth = _depth(boss, ids, source)
    if depth.max() >= MAX_LEVELS:  # refused before anything that works level by level
        deepest = int(np.argmax(depth))
        raise ChartError(f"{source}: the chart is {int(depth.max()) + 1} levels deep ({_rows(np.array([deepest]))}, "
                         f"{quote(ids[deepest])}, is at level {int(depth.max())}): at most {MAX_LEVELS} levels "
                         f"(executives included) are allowed")

    role = _roles(table, cols, source)
    roots = np.flatnonzero(boss < 0)
    named = np.array([str(e).strip() for e in executives], dtype=object)
    missing = [e for e in named if e not in index]
    if missing:
        raise ChartError(f"{source}: executives {', '.join(map(quote, missing[:SHOWN]))}"
                         f"{f' and {len(missing) - SHOWN} more' if len(missing) > SHOWN else ''}: no person has that id")
    listed = np.isin(ids, named) if len(named) else role == "executive"
    led = np.flatnonzero(listed & (boss >= 0))
    if len(led):
        raise ChartError(f"{source}: executives must be at the top of the chart (no manager), but "
                         f"{_rows(led, _ids(ids[led]))} have a manager: clear their manager_id, or "
                         f"do not mark them executive")
    if len(roots) > 1 and not listed[roots].all():
        loose = roots[~listed[roots]]
        raise ChartError(f"{source}: {len(roots)} people have no manager ({_rows(loose, _ids(ids[loose]))}"
                         f"{' among them' if len(loose) < len(roots) else ''}): a chart has one top, "
                         f"or an executive team marked executive in the role column (or listed as "
                         f"the scenario's executives); give the others a manager"
                         + (f" ({tops})" if tops else ""))
    if len(roots) == n:
        raise ChartError(f"{source}: nobody has a manager: the chart needs people below the executives")

    dept_code, names = _departments(table, cols, boss, depth, ids, departments)
    order = _sort(boss, depth, dept_code)
    new = np.empty(n, dtype=np.int64)
    new[order] = np.arange(n)
    bosses = np.where(boss[order] >= 0, new[np.maximum(boss[order], 0)], -1)
    traits = {name: values[order] for name, values in _traits(table, cols, source).items()}
    notes += _role_notes(role, np.bincount(boss[boss >= 0], minlength=n), depth, ids)
    notes += [tops] if tops else []
    return OrgChart(Chart(bosses, dept_code[order], traits), ids[order].astype(str),
                    depth[order], tuple(names), tuple(notes), source, tops)


# What HR systems write for "no manager" at the top (unless it is someone's id).
NO_MANAGER = ("n/a", "na", "#n/a", "none", "null", "nil", "-", "--", "top", "self")


def _hr_tops(ids, managers, index) -> tuple[np.ndarray, str]:
    """Read two HR-export habits as the top of the chart (no manager): a person who is their
    own manager (Workday, SAP) and a placeholder such as ``N/A``; say what was read so."""
    own = np.flatnonzero(managers == ids)
    placeholder = np.flatnonzero(np.isin(np.char.lower(managers.astype(str)), NO_MANAGER)
                                 & (index.get_indexer(managers) < 0))
    if not len(own) and not len(placeholder):
        return managers, ""
    managers = managers.copy()
    managers[own] = ""
    words = sorted({str(m) for m in managers[placeholder]})
    managers[placeholder] = ""
    parts = []
    if len(own):
        parts.append(f"{_rows(own, _ids(ids[own]))}: manager id is their own id")
    if len(placeholder):
        parts.append(f"{_rows(placeholder, _ids(ids[placeholder]))}: manager id "
                     f"{' / '.join(map(repr, words))}")
    return managers, "read as the top of the chart (no manager): " + "; ".join(parts)


def _columns(table: pd.DataFrame, source: str) -> tuple[dict[str, str], list[str]]:
    cols, extra = {}, []
    for header in table.columns:
        key = _normalise(header)
        if key in COLUMNS:
            if key in cols:
                raise ChartError(f"{source}: columns {quote(cols[key])} and {quote(header)} both give {key}")
            cols[key] = header
        else:
            extra.append(str(header))
    for need in ("person_id", "manager_id"):
        if need not in cols:
            raise ChartError(f"{source}: no {need} column (found: {', '.join(map(str, table.columns)) or 'none'}); "
                             f"expected columns: {', '.join(COLUMNS)}")
    notes = [f"columns ignored (not used by the model): {', '.join(extra)}"] if extra else []
    return cols, notes


def _depth(boss: np.ndarray, ids: np.ndarray, source: str) -> np.ndarray:
    """Depth of everyone by pointer jumping (log of the depth passes); cycles are errors."""
    n = len(boss)
    up, dist = boss.copy(), (boss >= 0).astype(np.int64)
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        on = up >= 0
        if not on.any():
            return dist
        dist[on] += dist[up[on]]
        up[on] = up[up[on]]
    # Still pointing somewhere: on a cycle or below one. Name one cycle, count the rest.
    start = int(np.flatnonzero(up >= 0)[0])
    seen, node = {}, start
    while node not in seen:
        seen[node] = len(seen)
        node = int(boss[node])
    cycle = list(seen)[seen[node]:]
    stuck = int((up >= 0).sum())
    shown = [*cycle, cycle[0]] if len(cycle) <= SHOWN else [*cycle[:SHOWN], None, cycle[0]]
    chain = " -> ".join("..." if i is None else quote(ids[i]) for i in shown)
    rest = f"; {stuck - len(cycle)} more people are on or below cycles" if stuck > len(cycle) else ""
    raise ChartError(f"{source}: the management chain goes round in a cycle: {chain} "
                     f"({_rows(np.array(cycle))}){rest}")


def _roles(table, cols, source) -> np.ndarray:
    if "role" not in cols:
        return np.full(len(table), "", dtype=object)
    role = np.array([r.lower() for r in table[cols["role"]].to_numpy(dtype=object)], dtype=object)
    bad = np.flatnonzero(~np.isin(role, [*ROLES, ""]))
    if len(bad):
        raise ChartError(f"{source}: role not allowed at {_rows(bad, [quote(v) for v in role[bad]])}: "
                         f"expected {', '.join(ROLES)} (or empty)")
    return role


def _traits(table, cols, source) -> dict[str, np.ndarray]:
    out = {}
    for name in TRAITS:
        if name not in cols:
            continue
        text = table[cols[name]].to_numpy(dtype=object)
        values = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=float)
        if name == "tenure":
            bad = (values < 0) | (np.isfinite(values) & (values != np.round(values)))
            allowed = "a whole number of weeks >= 0"
        else:
            bad = (values < 0) | (values > 1)
            allowed = "a number in [0, 1]"
        bad = np.flatnonzero(bad | ((text != "") & ~np.isfinite(values)))
        if len(bad):
            raise ChartError(f"{source}: {name} not allowed at {_rows(bad, [quote(v) for v in text[bad]])}: "
                             f"expected {allowed} (or empty: drawn by the model)")
        out[name] = values
    return out


def _departments(table, cols, boss, depth, ids, first) -> tuple[np.ndarray, list[str]]:
    """Department code of every person (-1 for executives) and the name of each code.

    Given names: an empty cell inherits the manager's department (a level-1 person's own id if
    that is empty too). Without the column: the subtree of each level-1 person, numbered in
    model row order, as ``sim.org.build_org`` numbers them.
    """
    n = len(boss)
    given = "department" in cols
    name = table[cols["department"]].to_numpy(dtype=object).copy() if given else np.full(n, "", dtype=object)
    for d in range(1, int(depth.max()) + 1):
        rows = np.flatnonzero(depth == d)
        inherit = rows[name[rows] == ""]
        name[inherit] = ids[inherit] if d == 1 else name[boss[inherit]]
    if given:
        present = set(name[depth > 0])
        names = [x for x in first if x in present]
        names += sorted(present - set(names))
    else:
        lvl1 = np.flatnonzero(depth == 1)
        names = list(ids[lvl1[np.argsort(boss[lvl1], kind="stable")]])  # model row order
    code = pd.Index(names).get_indexer(name)
    code[depth == 0] = -1
    return code, names


def _sort(boss, depth, dept) -> np.ndarray:
    """File rows in model order: by depth, then department, then manager (its new row), then file
    order. Bosses come first, so each level can be keyed on its bosses' new rows."""
    n = len(boss)
    new = np.empty(n, dtype=np.int64)
    order, start = [], 0
    for d in range(int(depth.max()) + 1):
        rows = np.flatnonzero(depth == d)
        b = new[boss[rows]] if d else np.zeros(len(rows), dtype=np.int64)
        rows = rows[np.lexsort((rows, b, dept[rows]))]
        new[rows] = start + np.arange(len(rows))
        order.append(rows)
        start += len(rows)
    return np.concatenate(order)


def _role_notes(role, n_reports, depth, ids) -> list[str]:
    notes = []
    for given, wrong, what in (("manager", n_reports == 0, "have no reports: the model treats them as employees"),
                               ("employee", n_reports > 0, "have reports: the model treats them as managers")):
        rows = np.flatnonzero((role == given) & wrong & (depth > 0))
        if len(rows):
            notes.append(f"{len(rows)} people marked {given} {what} ({_rows(rows, _ids(ids[rows]))})")
    return notes


# --------------------------------------------------------------------------- summary and picture


def summary(oc: OrgChart) -> dict:
    """People by level, span distribution, depth and department sizes (plain values)."""
    reports = oc.n_reports
    leads = reports > 0
    below = oc.bosses >= 0

    def count(mask):  # per person: how many of their reports satisfy mask
        return np.bincount(oc.bosses[below & mask], minlength=oc.n)

    spans = reports[leads]
    dept = oc.chart.departments
    sizes = np.bincount(dept[dept >= 0], minlength=len(oc.department_names))
    return {
        "people": oc.n, "executives": int((oc.depth == 0).sum()), "depth": int(oc.depth.max()),
        "levels": [{"level": d, "people": int((oc.depth == d).sum()),
                    "managers": int((leads & (oc.depth == d)).sum()) if d else 0,
                    "employees": int((~leads & (oc.depth == d)).sum()) if d else 0}
                   for d in range(int(oc.depth.max()) + 1)],
        "span": {"managers": int(leads.sum()), "min": int(spans.min()), "median": float(np.median(spans)),
                 "mean": float(spans.mean()), "max": int(spans.max()),
                 "mixed": int(((count(leads) > 0) & (count(~leads) > 0)).sum())},
        "span_counts": _counts(spans),
        "employee_depths": _counts(oc.depth[~leads]),
        "departments": sorted(((name, int(k)) for name, k in zip(oc.department_names, sizes)),
                              key=lambda t: (-t[1], t[0])),
    }


def _counts(values) -> dict[int, int]:
    v, k = np.unique(values, return_counts=True)
    return dict(zip(v.tolist(), k.tolist()))


SPAN_BINS = (1, 2, 3, 5, 8, 13, 21, 34, 55)


def describe(oc: OrgChart, top_departments: int = 12) -> str:
    """The summary as text, for the terminal."""
    s = summary(oc)
    sp = s["span"]
    lines = [f"{oc.source}: {s['people']:,} people, {s['executives']} executive"
             f"{'s' if s['executives'] != 1 else ''}, depth {s['depth']} "
             f"(levels 0..{s['depth']}), {len(s['departments'])} departments",
             *([f"  {oc.tops}"] if oc.tops else []), "",
             "  level  people  managers  employees"]
    for lv in s["levels"]:
        what = "executives" if lv["level"] == 0 else f"{lv['managers']:>8,}  {lv['employees']:>9,}"
        lines.append(f"  {lv['level']:>5}  {lv['people']:>6,}  {what}")
    lines += ["", f"  spans of control ({sp['managers']:,} managers): min {sp['min']}, median "
              f"{sp['median']:g}, mean {sp['mean']:.1f}, max {sp['max']}; {sp['mixed']:,} lead "
              f"managers and employees at once"]
    spans = np.repeat(list(s["span_counts"]), list(s["span_counts"].values()))
    edges = [*SPAN_BINS, max(SPAN_BINS[-1], int(spans.max())) + 1]
    hist, _ = np.histogram(spans, bins=edges)
    width = max(hist.max(), 1)
    used = np.flatnonzero(hist)
    shown = slice(used[0], used[-1] + 1)
    for lo, hi, k in zip(edges[:-1][shown], edges[1:][shown], hist[shown]):
        label = f"{lo}" if hi - lo == 1 else f"{lo}-{hi - 1}"
        lines.append(f"  {label:>7}  {k:>6,}  {'#' * int(round(40 * k / width))}")
    depths = ", ".join(f"{k:,} at level {d}" for d, k in s["employee_depths"].items())
    lines += ["", f"  employees (no reports) by level: {depths}", "",
              "  departments (people, largest first):"]
    shown = s["departments"][:top_departments]
    w = max(len(name) for name, _ in shown)
    lines += [f"  {name:<{w}}  {k:>6,}" for name, k in shown]
    if len(s["departments"]) > top_departments:
        rest = s["departments"][top_departments:]
        lines.append(f"  ... and {len(rest)} more ({sum(k for _, k in rest):,} people)")
    return "\n".join(lines)


def icicle(oc: OrgChart) -> tuple[np.ndarray, np.ndarray]:
    """(x, width) of each person in an icicle: a person's width is the number of people without
    reports in their subtree, and each manager's reports share its extent, in row order."""
    n, b = oc.n, oc.bosses
    width = (oc.n_reports == 0).astype(float)
    for d in range(int(oc.depth.max()), 0, -1):  # bottom-up: a manager spans its reports
        rows = np.flatnonzero(oc.depth == d)
        np.add.at(width, b[rows], width[rows])
    x = np.zeros(n)
    roots = np.flatnonzero(oc.depth == 0)
    x[roots] = np.cumsum(width[roots]) - width[roots]
    for d in range(1, int(oc.depth.max()) + 1):
        rows = np.flatnonzero(oc.depth == d)
        rows = rows[np.argsort(b[rows], kind="stable")]
        end = np.cumsum(width[rows])
        first = np.r_[True, b[rows][1:] != b[rows][:-1]]
        group_start = (end - width[rows])[first]
        offset = end - width[rows] - np.repeat(group_start, np.diff(np.r_[np.flatnonzero(first), len(rows)]))
        x[rows] = x[b[rows]] + offset
    return x, width


def picture(oc: OrgChart, top_departments: int = 16):
    """A matplotlib Figure: the chart as an icicle coloured by department (one band per level,
    each person as wide as the people without reports below them), and the span distribution."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    s = summary(oc)
    x, w = icicle(oc)
    levels = int(oc.depth.max()) + 1
    fig = Figure(figsize=(12, 3.2 + 0.45 * min(levels, DRAWN_LEVELS)), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[min(max(levels, 3), DRAWN_LEVELS), 2.2], width_ratios=[3, 1.2])
    ax = fig.add_subplot(grid[0, :])
    dept = oc.chart.departments
    largest = [oc.department_names.index(name) for name, _ in s["departments"][:top_departments]]
    palette = np.array([(*c, 1.0) for c in _palette(len(largest))])
    colour_of = np.full((max(len(oc.department_names), 1), 4), (0.72, 0.72, 0.72, 1.0))
    colour_of[largest] = palette
    colours = np.where(dept[:, None] >= 0, colour_of[np.maximum(dept, 0)], (0.25, 0.25, 0.3, 1.0))
    y = -oc.depth.astype(float)
    boxes = np.stack([np.c_[x, y], np.c_[x + w, y], np.c_[x + w, y - 0.9], np.c_[x, y - 0.9]], axis=1)
    thin = oc.n > 3000  # edges only where a box is wide enough to show one
    ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors="white",
                                     linewidths=0.0 if thin else 0.15))
    ax.set_xlim(0, w[oc.depth == 0].sum())
    ax.set_ylim(-levels - 0.05, 0.05)
    ax.set_yticks(-np.arange(levels) - 0.45,
                  [f"level {lv['level']}: {lv['people']:,}" for lv in s["levels"]], fontsize=8)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{oc.source}: {oc.n:,} people, depth {s['depth']}, {len(oc.department_names)} departments "
                 "(width: people without reports below)", fontsize=10, loc="left")
    handles = [_patch(c, f"{name} ({k:,})") for c, (name, k) in zip(palette, s["departments"])]
    if len(oc.department_names) > len(largest):
        others = len(oc.department_names) - len(largest)
        handles.append(_patch((0.72, 0.72, 0.72, 1.0), f"{others} other{'s' if others > 1 else ''}"))
    leg = fig.add_subplot(grid[1, 1])
    leg.axis("off")
    leg.legend(handles=handles, loc="center left", fontsize=7, ncols=2 if len(handles) > 7 else 1,
               frameon=False, title="departments (people)", title_fontsize=8)
    hx = fig.add_subplot(grid[1, 0])
    counts = s["span_counts"]
    hx.bar(list(counts), list(counts.values()), width=0.8, color="#4c72b0")
    hx.xaxis.get_major_locator().set_params(integer=True)
    hx.set_xlabel("span of control (direct reports)", fontsize=8)
    hx.set_ylabel("managers", fontsize=8)
    hx.tick_params(labelsize=7)
    hx.set_title(f"spans: median {s['span']['median']:g}, max {s['span']['max']}; "
                 f"{s['span']['mixed']:,} managers lead managers and employees at once", fontsize=9, loc="left")
    return fig


def _palette(k: int):
    from matplotlib import colormaps

    if k <= 10:
        return [colormaps["tab10"](i)[:3] for i in range(k)]
    order = [*range(0, 20, 2), *range(1, 20, 2)]  # the strong shades first, then the light ones
    return [colormaps["tab20"](order[i % 20])[:3] for i in range(k)]


def _patch(colour, label):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, label=label)


# --------------------------------------------------------------------------- synthetic charts


@dataclass(frozen=True)
class Shape:
    """How a synthetic organisation grows: each manager's span is drawn from ``span``; a budget
    of people below a manager is split among its reports with Dirichlet(``skew``) shares (small
    ``skew``: a few large subtrees next to single employees, so depth varies by branch and managers
    lead managers and employees at once); a budget up to ``team`` is one team of employees."""

    span: tuple[int, int]
    team: tuple[int, int]
    skew: float
    departments: tuple[int, int]  # the top's direct reports


SHAPES = {
    "typical": Shape(span=(3, 9), team=(4, 12), skew=1.2, departments=(8, 14)),
    "flat": Shape(span=(6, 16), team=(8, 20), skew=1.5, departments=(10, 18)),
    "tall": Shape(span=(2, 5), team=(3, 7), skew=0.8, departments=(5, 9)),
}
DEPARTMENT_NAMES = ("Sales", "Operations", "Customer service", "Finance", "People and culture",
                    "Marketing", "Engineering", "Product", "IT", "Legal", "Procurement", "Logistics",
                    "Research", "Quality", "Strategy", "Communications", "Risk", "Facilities")


def generate(n: int, shape: str = "typical", seed=None) -> pd.DataFrame:
    """A synthetic irregular org chart of exactly ``n`` people (one top), as a table with
    person_id, manager_id, department and role, rows in random order (as an HR export)."""
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r} is not allowed: expected one of {', '.join(SHAPES)}")
    if n < 2:
        raise ValueError(f"n = {n} is not allowed: expected at least 2 people")
    sh, rng = SHAPES[shape], np.random.default_rng(seed)
    boss = np.full(n, -1, dtype=np.int64)
    budget = np.zeros(n, dtype=np.int64)
    budget[0], made = n - 1, 1
    stack = [0]
    while stack:
        m = stack.pop()
        b = int(budget[m])
        if m == 0:
            k = min(int(rng.integers(sh.departments[0], sh.departments[1] + 1)), b)
        elif b <= rng.integers(sh.team[0], sh.team[1] + 1):
            k = b  # one team of employees
        else:
            k = min(int(rng.integers(sh.span[0], sh.span[1] + 1)), b)
        alpha = 1.0 if m == 0 else sh.skew  # departments of every size, none dominating
        sizes = 1 + rng.multinomial(b - k, rng.dirichlet(np.full(k, alpha)))
        small = (sizes > 1) & (sizes <= sh.team[0])  # too small to need a manager: employees
        sizes = np.r_[sizes[~small], np.ones(sizes[small].sum(), dtype=np.int64)]
        k = len(sizes)
        kids = np.arange(made, made + k)
        boss[kids], budget[kids] = m, sizes - 1
        made += k
        stack.extend(kids[sizes > 1].tolist())
    # departments: the top's reports with people below, largest first; lone reports: its office
    heads = np.flatnonzero((boss == 0) & (budget > 0))
    heads = heads[np.argsort(-budget[heads], kind="stable")]
    head_names = [DEPARTMENT_NAMES[i] if i < len(DEPARTMENT_NAMES) else f"Unit {i + 1}"
                  for i in range(len(heads))]
    top = np.arange(n)  # each person's level-1 ancestor (themselves at level 1)
    while (up := boss[top] > 0).any():
        top[up] = boss[top[up]]
    name = np.full(n, "Executive office", dtype=object)
    name[heads] = head_names
    name = name[top]
    name[0] = ""
    reports = np.bincount(boss[boss >= 0], minlength=n)
    role = np.where(boss < 0, "executive", np.where(reports > 0, "manager", "employee"))
    digits = len(str(n))
    ids = np.array([f"P{i:0{digits}d}" for i in rng.permutation(n) + 1])
    rows = rng.permutation(n)
    return pd.DataFrame({"person_id": ids[rows], "manager_id": np.where(boss[rows] >= 0, ids[boss[rows]], ""),
                         "department": name[rows], "role": role[rows]})


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a chart table as .csv (UTF-8), .parquet or .xlsx, by the file's suffix."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind == "CSV":
        table.to_csv(path, index=False, encoding="utf-8")
    elif kind == "Parquet":
        table.to_parquet(path, index=False)
    elif kind == "Excel":
        table.to_excel(path, index=False)
    else:
        raise ChartError(f"{path.name}: cannot write that kind of file: expected one of "
                         f"{', '.join(sorted(FORMATS))}")
    return path
