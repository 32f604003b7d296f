"""Figures and the self-contained HTML report a client can read (matplotlib's Agg backend)."""

from __future__ import annotations

import base64
import html
import math
import os
import re
from datetime import datetime
from pathlib import Path

import matplotlib

if "MPLBACKEND" not in os.environ:  # a notebook (ipykernel sets it to inline) keeps its backend
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..metrics import BETTER  # noqa: E402
from ..stats import band  # noqa: E402

# The metrics a client sees first: (summary column, label, what it means, format).
# fmt: "num" two decimals, "pct" a share shown in percent, "int" a count, "weeks".
KEY_METRICS = (
    ("alignment_mean", "Strategy alignment",
     "How closely what people believe the priorities are matches the strategy, averaged over the "
     "run. 0 = chance (a random or vague priority mix, everything equally important), "
     "1 = exactly the strategy, below 0 = priorities reversed.", "num"),
    ("action_alignment_mean", "Front-line work alignment",
     "The same for the direction of employees' actual work, after local KPIs and old habits pull "
     "on it.", "num"),
    ("line_of_sight_mean", "Line of sight",
     "Share of employees whose work points clearly at the strategy (alignment at least 0.9).", "pct"),
    ("understanding_final", "Understanding of the why (end)",
     "How well people grasp why the strategy matters, at the end of the run (0 to 1).", "num"),
    ("clarity_gap_mean", "Clarity gap",
     "Confidence (how clear people believe the strategy is) minus the share whose belief is "
     "measurably clear. Large = the communication illusion.", "pct"),
    ("illusion_gap_mean", "Illusion gap (executives)",
     "What the executives believe the alignment is minus what it is (both on the alignment scale). "
     "Large = leaders mistake communication for understanding.", "num"),
    ("adoption_final", "Managers who adopted the change (end)",
     "Share of middle managers committed to the change at the end of the run.", "pct"),
    ("reached_50", "Runs reaching alignment 0.5",
     "Share of replications in which alignment reached 0.5 by the horizon (interval: Wilson).", "pct"),
    ("weeks_to_50_median", "Median weeks to alignment 0.5",
     "Weeks from the start of the change (week 0) until alignment first reached 0.5: the "
     "Kaplan-Meier median over the runs that started below 0.5, counting runs that never got there "
     "as longer than the horizon ('beyond horizon': fewer than half got there).", "weeks"),
    ("failure_rate", "Initiative failure rate",
     "Failed initiatives as a share of those that ended (abandoned at a pivot or past the deadline). "
     "50-90% is often quoted for a typical organisation.", "pct"),
    ("fatigue_mean", "Change fatigue (mean)", "Average fatigue over the run (0 to 1).", "num"),
    ("overload_mean", "Manager overload (mean)", "Average load above capacity among managers.", "num"),
    ("turnover_per_100", "People who left, per 100",
     "People who left (burnt out, or for ordinary reasons) and were replaced over the run, per 100 "
     "people in the organisation.", "int"),
    ("trust_final", "Trust in leadership (end)", "Average trust in leadership at the end (0 to 1).", "num"),
    ("bsc_balance_mean", "Scorecard balance",
     "How closely the organisation's effort across the goals matches the strategy's mix "
     "(1 = the same mix).", "pct"),
)
KEY = {m[0]: m for m in KEY_METRICS}
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


# --------------------------------------------------------------------------- number formatting


def fmt(value, kind: str = "num", signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):  # a censored time not reached by the horizon, or a difference to one
        return "censored" if signed else "beyond horizon"  # a difference to "beyond horizon" has no size
    sign = "+" if signed else ""
    digits = {"pct": 3, "int": 1, "weeks": 1}.get(kind, 3)
    if round(value, digits) == 0:
        value = 0.0  # no "-0.0"
    if kind == "pct":
        return f"{value * 100:{sign}.1f}%" if not signed else f"{value * 100:+.1f} pts"
    if kind in ("int", "weeks"):
        return f"{value:{sign}.1f}"
    return f"{value:{sign}.3f}"


def fmt_interval(low, high, kind="num", signed=False) -> str:
    if any(v is None or math.isnan(v) for v in (low, high)):
        return "–"
    if signed and math.isinf(low) and math.isinf(high):
        return "censored"
    return f"{fmt(low, kind, signed)} to {fmt(high, kind, signed)}"


# --------------------------------------------------------------------------- series with bands


def _matrix(ts: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    wide = ts.pivot(index="week", columns="rep", values=col)
    return wide.index.to_numpy(), wide.to_numpy(dtype=float)


def _plot(ax, weeks, values, label, color, ls="-", transform=None):
    mean, low, high = band(values if transform is None else transform(values))
    ax.plot(weeks, mean, ls, color=color, label=label, lw=1.6)
    ax.fill_between(weeks, low, high, color=color, alpha=0.18, lw=0)


def _levels(ts: pd.DataFrame, name: str) -> list[int]:
    found = [int(m.group(1)) for c in ts.columns if (m := re.fullmatch(rf"{name}_(\d+)", c))]
    return sorted(found)


def level_name(d: int, deepest: int) -> str:
    if d == 0:
        return "Executives"
    if d == deepest:
        return "Employees"
    return f"Middle managers, layer {d}"


def events(scenarios_colors, timeseries=None) -> list[tuple[int, str, str]]:
    """What to mark on the charts: each scenario's interventions and forced pivots (week, label,
    colour), and, from ``timeseries``, the weeks at which a pivot happened in at least half of the
    replications (a fixed pivot schedule)."""
    out = {}
    for sc, color in scenarios_colors:
        for iv in sc.interventions:
            what = ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}"
                             for k, v in iv.changes.items())
            label = " + ".join(filter(None, [what, "forced pivot" if iv.pivot else ""]))
            out.setdefault((iv.week, label), color)
    if timeseries is not None and "pivots" in timeseries:
        wide = timeseries.pivot(index="week", columns="rep", values="pivots")
        new = (wide.diff() > 0).mean(axis=1)
        forced = {w for (w, label) in out if "forced pivot" in label}
        for week in new.index[new >= 0.5]:
            if not {week - 1, week} & forced:  # a forced pivot shows in the data the week after
                out.setdefault((int(week), "pivot"), "grey")
    return [(week, label, color) for (week, label), color in sorted(out.items())]


def _mark(ax, marks) -> None:
    """Dotted lines at the interventions and pivots, labelled at the top of the panel."""
    for k, (week, label, color) in enumerate(marks):
        ax.axvline(week, color=color, ls=":", lw=1.1, alpha=0.9)
        ax.annotate(_wrap(label, 24), (week, 1), xycoords=("data", "axes fraction"),
                    xytext=(2, -2 - 9 * (k % 3)), textcoords="offset points", fontsize=6.5, color=color,
                    va="top", ha="left")  # staggered: nearby marks do not overwrite each other


def _finish(fig, ax_list, title, ylabel=None, marks=()):
    """Grid, event marks and legends below the panels (never over the data)."""
    for ax in ax_list:
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
        _mark(ax, marks)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                      ncol=2 if len(ax_list) == 1 else 1)
    if ylabel:
        ax_list[0].set_ylabel(ylabel)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- one scenario


def run_figures(results) -> dict:
    """The figures of one run: alignment by level, confidence against measured alignment,
    adoption, fatigue and burnout, initiatives (each with 95% bands across replications)."""
    ts = results.timeseries
    figs = {}
    marks = events([(results.scenario, "dimgrey")], ts)

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    levels = _levels(ts, "alignment")
    for i, d in enumerate(levels):
        weeks, v = _matrix(ts, f"alignment_{d}")
        _plot(ax, weeks, v, level_name(d, levels[-1]), COLORS[i % len(COLORS)])
    weeks, v = _matrix(ts, "action_alignment")
    _plot(ax, weeks, v, "Employees' work (action alignment)", "black", "--")
    ax.axhline(0, color="grey", lw=0.8)
    figs["alignment_by_level"] = _finish(
        fig, [ax], "Alignment with the strategy by level (0 = chance or vague, 1 = the strategy)",
        "alignment", marks)

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    weeks, conf = _matrix(ts, "confidence")
    _, gap = _matrix(ts, "clarity_gap")
    _plot(ax, weeks, conf, "Confidence: how clear people believe the strategy is", COLORS[3])
    _plot(ax, weeks, conf - gap, "Measured: share whose belief is clear (alignment ≥ 0.9)", COLORS[0])
    ax.fill_between(weeks, np.nanmean(conf - gap, axis=1), np.nanmean(conf, axis=1),
                    color=COLORS[3], alpha=0.07, lw=0, label="Clarity gap")
    ax.set_ylim(0, 1)
    figs["confidence_vs_alignment"] = _finish(fig, [ax], "Confidence against measured alignment",
                                              "share", marks)

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for col, label, color in (("adoption", "Middle managers who adopted the change", COLORS[2]),
                              ("support", "Everyone committed to the change", COLORS[4])):
        weeks, v = _matrix(ts, col)
        _plot(ax, weeks, v, label, color)
    ax.set_ylim(0, 1)
    figs["adoption"] = _finish(fig, [ax], "Adoption of the change", "share", marks)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2))
    flevels = _levels(ts, "fatigue")
    for i, d in enumerate(flevels[1:], start=1):
        weeks, v = _matrix(ts, f"fatigue_{d}")
        _plot(a1, weeks, v, level_name(d, flevels[-1]), COLORS[i % len(COLORS)])
    a1.set_title("Fatigue by level", fontsize=10)
    for col, label, color in (("burnout", "Burnt out now", COLORS[3]),
                              ("turnover", "Left so far (cumulative)", COLORS[7])):
        weeks, v = _matrix(ts, col)
        _plot(a2, weeks, v, label, color)
    a2.set_title("Burnout and turnover (people)", fontsize=10)
    figs["fatigue_burnout"] = _finish(fig, [a1, a2], "Fatigue and burnout", marks=marks)

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for col, label, color in (("initiatives_launched", "Launched", COLORS[0]),
                              ("initiatives_succeeded", "Succeeded", COLORS[2]),
                              ("initiatives_failed", "Failed", COLORS[3]),
                              ("pivots", "Strategy pivots", COLORS[7])):
        weeks, v = _matrix(ts, col)
        _plot(ax, weeks, v, label, color, "--" if col == "pivots" else "-")
    figs["initiatives"] = _finish(fig, [ax], "Initiatives (cumulative)", "count", marks)
    return figs


# --------------------------------------------------------------------------- comparisons


def compare_figures(comparison) -> dict:
    """Overlaid figures, one colour per alternative, and the differences to the first."""
    figs = {}
    items = list(zip(comparison.labels, comparison.results))
    colors = {label: COLORS[i % len(COLORS)] for i, (label, _) in enumerate(items)}
    # fixed-schedule pivots read off the reference (the same schedule unless pivots are the lever)
    marks = events([(res.scenario, colors[label]) for label, res in items], items[0][1].timeseries)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for label, res in items:
        weeks, v = _matrix(res.timeseries, "alignment")
        _plot(a1, weeks, v, label, colors[label])
        weeks, v = _matrix(res.timeseries, "action_alignment")
        _plot(a2, weeks, v, label, colors[label])
    a1.set_title("Belief alignment, everyone", fontsize=10)
    a2.set_title("Front-line work (action alignment)", fontsize=10)
    a1.set_ylabel("alignment (0 = chance or vague)")
    figs["alignment"] = _finish(fig, [a1, a2], "Alignment with the strategy (0 = chance or vague, 1 = the strategy)",
                                marks=marks)

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for label, res in items:
        weeks, conf = _matrix(res.timeseries, "confidence")
        _, gap = _matrix(res.timeseries, "clarity_gap")
        _plot(ax, weeks, conf, f"{label}: confidence", colors[label], "--")
        _plot(ax, weeks, conf - gap, f"{label}: measured clarity", colors[label])
    ax.set_ylim(0, 1)
    figs["confidence_vs_alignment"] = _finish(
        fig, [ax], "Confidence (dashed) against measured alignment (solid)", "share", marks)

    panels = (("adoption", "Adoption (managers)"), ("fatigue", "Fatigue (everyone)"),
              ("burnout", "Burnt out (people)"), ("initiatives_failed", "Failed initiatives (cumulative)"))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (col, title) in zip(axes.ravel(), panels):
        for label, res in items:
            weeks, v = _matrix(res.timeseries, col)
            _plot(ax, weeks, v, label, colors[label])
        ax.set_title(title, fontsize=10)
    figs["adoption_fatigue_initiatives"] = _finish(fig, list(axes.ravel()),
                                                   "Adoption, fatigue, burnout and initiatives", marks=marks)

    table = comparison.table()
    keys = [m for m in KEY_METRICS if m[0] in set(table["metric"]) and m[3] != "int"]
    others = [lab for lab in comparison.labels[1:]]
    ncols = 4
    nrows = max(1, math.ceil(len(keys) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, nrows * (0.35 * len(others) + 1.7)),
                             sharey=True, squeeze=False)
    for ax in axes.ravel()[len(keys):]:
        ax.set_visible(False)
    for ax, (col, label, _, kind) in zip(axes.ravel(), keys):
        rows = table[(table["metric"] == col) & (table["alternative"].isin(others))]
        y = np.arange(len(rows))[::-1]
        scale = 100 if kind == "pct" else 1
        # a difference to a time "beyond the horizon" is unbounded: not drawn (the tables say so)
        def finite(c):
            v = rows[c].to_numpy(dtype=float)
            return np.where(np.isfinite(v), v, np.nan)

        d = finite("diff") * scale
        with np.errstate(invalid="ignore"):
            err = np.vstack([d - finite("diff_low") * scale, finite("diff_high") * scale - d])
        ax.errorbar(d, y, xerr=np.nan_to_num(err), fmt="o", color="black", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(_wrap(label, 18) + (" (pts)" if kind == "pct" else ""), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, axis="x")
    for row in axes:
        row[0].set_yticks(np.arange(len(others))[::-1], [_wrap(o, 22) for o in others], fontsize=8)
        row[0].set_ylim(-0.6, len(others) - 0.4)
    fig.suptitle(f"Difference to {comparison.labels[0]} (mean and 95% interval, paired replications)",
                 fontsize=11)
    fig.tight_layout()
    figs["differences"] = fig
    return figs


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


# --------------------------------------------------------------------------- files


DPI = 200  # slide quality


def save_figures(figs: dict, directory: Path, svg: bool = False) -> dict[str, Path]:
    """Write each figure as a PNG at ``DPI`` (and as an SVG with ``svg``), and close it; return the
    PNG paths by name."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, fig in figs.items():
        path = directory / f"{name}.png"
        fig.savefig(path, dpi=DPI, metadata={"Software": None})
        if svg:
            fig.savefig(path.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
        plt.close(fig)
        out[name] = path
    return out


EXPORTS = ("xlsx", "pptx")


def write_exports(obj, folder: Path, kinds, figures: dict[str, Path]) -> list[Path]:
    """The client files of a run or comparison in ``folder``: ``report.xlsx`` (every table, the
    replications, the weekly series, the assumptions) and ``report.pptx`` (a short deck)."""
    from .deck import write_pptx
    from .workbook import write_xlsx

    out = []
    for kind in kinds:
        if kind == "xlsx":
            out.append(write_xlsx(obj, folder / "report.xlsx"))
        elif kind == "pptx":
            out.append(write_pptx(obj, figures, folder / "report.pptx"))
        else:
            raise ValueError(f"export {kind!r} is not allowed: expected some of {', '.join(EXPORTS)}")
    return out


def rebuild(obj, directory: Path, exports=()) -> list[Path]:
    """Rewrite a finished folder's report (tables, figures, report.html) and write the client
    files ``exports``, from the results read back with ``sim.runner.load``: nothing is rerun."""
    from ..runner import Comparison

    directory = Path(directory)
    figures = save_figures(obj.plot(), directory / "figures", svg=True)
    comparison = isinstance(obj, Comparison)
    table, name = (obj.table(), "comparison.csv") if comparison else (obj.table(), "summary.csv")
    table.to_csv(directory / name, index=not comparison)
    page = compare_report(obj, figures) if comparison else run_report(obj, figures)
    tmp = directory / ".report.html.partial"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, directory / "report.html")
    return [directory / name, directory / "report.html", *write_exports(obj, directory, exports, figures)]


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></figure>'


CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
.sub{color:#666}table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{padding:.3em .7em;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f5f5f5}td.m{color:#555;font-size:.9em}figure{margin:1em 0}img{max-width:100%}
.note{background:#f7f7f2;border-left:3px solid #cc9;padding:.5em 1em}.pos{color:#176a2c}.neg{color:#a33}
details{margin:.8em 0}code{background:#f3f3f3;padding:0 .25em}
"""

EXPLAINER = """
<h2>How to read this report</h2>
<p>The simulation follows a strategy from the executive team down through every layer of middle
management to the front line, week by week. Each person holds a belief about what the priorities
are; managers translate the strategy for their teams, adding noise when they are unclear,
overloaded or short of skill; peers influence each other; local KPIs and old habits pull people's
work away from what they believe. Every number below is an average over independent replications
of the same organisation, with two kinds of 95% interval, both about the randomness of the
simulation (not the uncertainty of the model itself): the <b>interval of the mean</b>, how sure we
are of the average (a bootstrap interval: it never leaves the range an outcome can take), and the
<b>prediction interval</b>, the spread of outcomes a single organisation could see (the middle 95%
of the replications), usually the client's question. Times to alignment are counted from week 0,
the start of the change; runs that never get there by the horizon count as longer than the
horizon, so the report gives the share that got there and the Kaplan-Meier median.</p>
<ul>
<li><b>Alignment</b> compares each person's sense of the priorities with the strategy: how far the
weights they give the goals rise and fall with the strategy's (a correlation across the goals).
<b>0 means chance: a random mix, or a vague one where everything is equally important; 1 means
exactly the strategy</b>; below 0, the priorities are reversed. Differences of a few hundredths are
real differences.</li>
<li><b>The clarity gap</b> is how clear people <i>believe</i> the strategy is minus the share whose
belief is <i>measurably</i> clear. A large gap is the communication illusion: announcements make
people feel informed without making them aligned. The <b>illusion gap</b> is the same illusion at
the top: the alignment the executives believe they have achieved minus the measured alignment.</li>
<li><b>The failure rate</b> counts initiatives that were abandoned at a strategy pivot or ran past
their deadline, as a share of those that ended. Published figures of 50-90% for typical
organisations are loose; use the rate to compare alternatives, not as a forecast.</li>
</ul>
"""


def _head(title: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n")


def _scenario_section(sc) -> str:
    p = sc.params
    out = [f"<p>{html.escape(sc.description)}</p>" if sc.description else ""]
    chart = sc.chart()
    if chart is not None:  # a client's chart: its shape, never its names
        shape = (f"the client's org chart, {int(chart.depth.max()) + 1} levels deep, "
                 f"{sc.n_departments} departments")
    else:
        spans = p.span if isinstance(p.span, list) else [p.span] * (p.layers + 1)
        shape = (f"{p.executives} executives, {p.layers} layers of middle management, spans of control "
                 f"{', '.join(map(str, spans)) if len(set(spans)) > 1 else spans[0]}")
    out.append(f"<p><b>Organisation:</b> {sc.people:,} people: {shape}. "
               f"<b>Horizon:</b> {sc.horizon} weeks.</p>")
    if sc.goals:
        total = sum(g.weight for g in sc.goals) or 1
        out.append("<table><tr><th>Strategic goal</th><th>Scorecard perspective</th><th>Weight</th></tr>")
        for g in sc.goals:
            out.append(f"<tr><td>{html.escape(g.name)}</td><td>{g.perspective.replace('_', ' ')}</td>"
                       f'<td class="n">{g.weight / total:.0%}</td></tr>')
        out.append("</table>")
    if sc.departments:
        out.append("<table><tr><th>Department</th><th>What its KPIs pull toward</th></tr>")
        for d in sc.departments:
            bias = d.kpi_bias if isinstance(d.kpi_bias, str) else ", ".join(
                f"{g} ({w:g})" for g, w in d.kpi_bias.items())
            out.append(f"<tr><td>{html.escape(d.name)}</td><td>{html.escape(bias)}</td></tr>")
        out.append("</table>")
    if sc.interventions:
        out.append("<p><b>Interventions:</b></p><ul>")
        for iv in sc.interventions:
            what = [f"<code>{html.escape(k)}</code> = {html.escape(str(v))}" for k, v in iv.changes.items()]
            if iv.pivot:
                what.append("a forced strategy pivot")
            out.append(f"<li>week {iv.week}: {', '.join(what)}</li>")
        out.append("</ul>")
    if sc.overrides:
        out.append("<p><b>Changed for this run:</b> " + ", ".join(
            f"<code>{html.escape(k)}</code> = {html.escape(str(v))}" for k, v in sc.overrides.items()) + "</p>")
    return "\n".join(out)


def _narrative(table: pd.DataFrame, horizon: int) -> str:
    def get(col):
        return table.loc[col, "mean"] if col in table.index else math.nan

    parts = []
    a, w = get("alignment_mean"), get("action_alignment_mean")
    if not math.isnan(a):
        parts.append(f"Over {horizon} weeks, people's sense of the priorities scored {a:.2f} on the "
                     f"alignment scale (0 = chance, a random or vague mix; 1 = the strategy)"
                     + (f", and the direction of front-line work {w:.2f}." if not math.isnan(w) else "."))
    g, u = get("clarity_gap_mean"), get("understanding_final")
    if not math.isnan(g):
        parts.append(f"Confidence ran {g * 100:.0f} points above measured clarity (the clarity gap)"
                     + (f"; understanding of the why ended at {u:.2f} on a 0-1 scale." if not math.isnan(u) else "."))
    ig = get("illusion_gap_mean")
    if not math.isnan(ig):
        parts.append(f"The executives believed alignment was {abs(ig):.2f} {'higher' if ig >= 0 else 'lower'} "
                     f"than it was, on average (the illusion gap).")
    f = get("failure_rate")
    if not math.isnan(f):
        parts.append(f"{f:.0%} of the initiatives that ended failed.")
    ad = get("adoption_final")
    if not math.isnan(ad):
        parts.append(f"By the end, {ad:.0%} of middle managers had adopted the change.")
    return "<p>" + " ".join(parts) + "</p>"


def _summary_rows(table: pd.DataFrame) -> str:
    rows = ["<table><tr><th>Measure</th><th>Mean</th><th>95% interval of the mean</th>"
            "<th>95% prediction interval (one organisation)</th><th>What it means</th></tr>"]
    for col, label, meaning, kind in KEY_METRICS:
        if col not in table.index:
            continue
        r = table.loc[col]
        rows.append(f'<tr><td>{html.escape(label)}</td><td class="n">{fmt(r["mean"], kind)}</td>'
                    f'<td class="n">{fmt_interval(r["low"], r["high"], kind)}</td>'
                    f'<td class="n">{fmt_interval(r["predict_low"], r["predict_high"], kind)}</td>'
                    f'<td class="m">{html.escape(meaning)}</td></tr>')
    rows.append("</table>")
    return "\n".join(rows)


def _full_table(table: pd.DataFrame) -> str:
    rows = ["<details><summary>Every summary metric</summary><table><tr><th>metric</th><th>mean</th>"
            "<th>low</th><th>high</th><th>n</th></tr>"]
    for col, r in table.iterrows():
        rows.append(f"<tr><td><code>{html.escape(str(col))}</code></td>"
                    + "".join(f'<td class="n">{fmt(r[c])}</td>' for c in ("mean", "low", "high"))
                    + f'<td class="n">{int(r["n"])}</td></tr>')
    rows.append("</table></details>")
    return "\n".join(rows)


CAPTIONS = {
    "alignment_by_level": "Alignment by level: how the strategy degrades on its way down. Bands are 95% intervals of the mean across replications.",
    "confidence_vs_alignment": "Confidence against measured alignment: the distance between the lines is the clarity gap.",
    "adoption": "Adoption: the change spreads among managers through credibility and peers, usually in an S-shape.",
    "fatigue_burnout": "Fatigue and burnout: overload and pivots tire people; the burnt-out leave and are replaced by newcomers.",
    "initiatives": "Initiatives: each pivot abandons the initiative in progress; an initiative also fails when its deadline passes.",
    "alignment": "Alignment with the strategy, everyone (left) and the direction of front-line work (right).",
    "adoption_fatigue_initiatives": "Adoption, fatigue, burnout and failed initiatives over time.",
    "differences": "Each alternative minus the first, per replication on the same random numbers: an interval that excludes 0 is a difference the simulation resolves.",
}


def _figures_html(figures: dict[str, Path], captions: dict | None = None) -> str:
    out = []
    for name, path in figures.items():
        caption = (captions or CAPTIONS).get(name, name.replace("_", " "))
        out.append(_img(path, caption).replace("</figure>", f"<figcaption class='sub'>{html.escape(caption)}</figcaption></figure>"))
    return "\n".join(out)


def _footer(info: dict) -> str:
    from .. import __version__

    items = "".join(f"<li>{html.escape(k)}: <code>{html.escape(str(v))}</code></li>" for k, v in info.items())
    return (f"<h2>Reproducing this report</h2><ul>{items}<li>cascade-sim {__version__}</li></ul>"
            f"<p class='sub'>Generated {datetime.now():%Y-%m-%d %H:%M}.</p></body></html>\n")


def _posterior_note(results, meta: dict) -> str:
    """What the intervals carry when the replications drew their parameters from a posterior."""
    if results.draws is None:
        return ""
    names = ", ".join(f"<code>{html.escape(c)}</code>" for c in results.draws.columns)
    source = html.escape(str(meta.get("posterior", "a calibration")))
    return (f"<p class='note'><b>Parameter uncertainty included.</b> Each replication drew {names} from the "
            f"posterior of a calibration to the client's survey ({source}; posterior_draws.csv), the same draw "
            f"for the same replication of every alternative. The prediction intervals therefore carry both "
            f"the randomness of the organisation and what the survey left unknown about these parameters; "
            f"without a posterior they carry the first only.</p>")


def run_report(results, figures: dict[str, Path]) -> str:
    """The HTML report of one run (figures embedded as base64 PNG: one self-contained file)."""
    sc, table = results.scenario, results.table()
    body = [_head(f"Cascade: {results.name}"),
            f"<h1>{html.escape(results.name)}</h1>",
            f"<p class='sub'>Strategy diffusion simulation · {results.reps} replications · seed {results.seed}</p>",
            _posterior_note(results, results.meta),
            "<h2>The organisation</h2>", _scenario_section(sc),
            "<h2>What happened</h2>", _narrative(table, sc.horizon), _summary_rows(table),
            _full_table(table), EXPLAINER, "<h2>Figures</h2>", _figures_html(figures),
            _footer({"command": results.meta.get("command", f"cascade run {sc.source or sc.name}"),
                     "seed": results.seed, "replications": results.reps})]
    return "\n".join(body)


def _money(value) -> str:
    return "–" if pd.isna(value) else f"{value:,.0f}"


def summary_html(comparison, objectives=None) -> str:
    """The first page of a comparison report: the ranking on the objectives with the probability
    of beating the reference, the differences the simulation resolves, the assumptions that
    differ, and the caveats (``sim.report.summary``)."""
    from .summary import assumptions, caveats, cost_table, differences, kind_of, label_of, ranking

    labels = comparison.labels
    rank = ranking(comparison, objectives)
    objs = [c for c in rank.columns if not c.startswith(("rank_", "p_")) and c not in ("mean_rank", "place")]
    out = ["<section class='summary'><h2>Summary</h2>",
           f"<p>The alternatives ranked on {len(objs)} objectives (mean rank; 1 = best on that "
           f"objective). Below each value: the probability that the alternative beats "
           f"<b>{html.escape(labels[0])}</b>, the share of paired replications in which it did better.</p>",
           "<table><tr><th>Place</th><th>Alternative</th>"
           + "".join(f"<th>{html.escape(label_of(m))}</th>" for m in objs) + "</tr>"]
    for alt, r in rank.iterrows():
        cells = []
        for m in objs:
            p = r[f"p_{m}"]
            beat = "reference" if alt == labels[0] else (f"beats it: {p:.0%}" if not math.isnan(p) else "–")
            cells.append(f'<td class="n">{fmt(r[m], kind_of(m))} <span class="sub">(#{int(r[f"rank_{m}"])})</span>'
                         f'<br><span class="sub">{beat}</span></td>')
        out.append(f"<tr><td class='n'>{int(r['place'])}</td><td>{html.escape(str(alt))}</td>{''.join(cells)}</tr>")
    out.append("</table>")
    spend = cost_table(comparison, objs)
    if not spend.empty:
        out.append("<p><b>Cost and outcome per cost</b> (the levers' costs over the horizon, from the "
                   "scenarios' <code>costs</code>; the extra cost over the reference per point of improvement: "
                   "a point is 0.01 on a 0-1 or alignment scale, one percentage point of a share, one unit "
                   "of a count or of weeks; blank where it costs no more or does not improve):</p>"
                   "<table><tr><th>Alternative</th><th>Cost</th><th>Extra cost</th>"
                   + "".join(f"<th>per point of {html.escape(label_of(m))}</th>" for m in objs) + "</tr>")
        for alt, r in spend.iterrows():
            per = "".join(f'<td class="n">{_money(r[f"cost_per_point_{m}"])}</td>' for m in objs)
            out.append(f"<tr><td>{html.escape(str(alt))}</td><td class='n'>{r['cost']:,.0f}</td>"
                       f"<td class='n'>{r['extra_cost']:+,.0f}</td>{per}</tr>")
        out.append("</table>")
    resolved = differences(comparison)
    if resolved:
        out.append("<p><b>Differences the simulation resolves</b> (95% interval of the paired difference "
                    "excludes zero):</p><ul>")
        for d in resolved:
            kind = kind_of(d["metric"])
            out.append(f"<li class='{'pos' if d['better'] else 'neg'}'>{html.escape(d['alternative'])}: "
                       f"{html.escape(label_of(d['metric']))} {fmt(d['diff'], kind, signed=True)} "
                       f"({fmt_interval(d['diff_low'], d['diff_high'], kind, signed=True)}), "
                       f"{'an improvement' if d['better'] else 'a deterioration'}; better in "
                       f"{d['p_better']:.0%} of paired replications</li>")
        out.append("</ul>")
    else:
        out.append("<p><b>No difference on the key measures is resolved</b> at this number of "
                   "replications (every interval of a paired difference includes zero).</p>")
    diff = assumptions(comparison)
    out.append("<p><b>Assumptions that differ</b> between the alternatives (everything else is the same):</p>")
    if diff.empty:
        out.append("<p>None: the alternatives are the same scenario.</p>")
    else:
        out.append("<table><tr><th>Assumption</th>" + "".join(f"<th>{html.escape(lab)}</th>" for lab in labels)
                   + "</tr>" + "".join(f"<tr><td><code>{html.escape(str(what))}</code></td>"
                                       + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                                       for what, row in diff.iterrows()) + "</table>")
    out.append("<p><b>Caveats</b></p><ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in caveats(comparison))
               + "</ul></section>")
    return "\n".join(out)


def compare_report(comparison, figures: dict[str, Path]) -> str:
    """The HTML report of a comparison: each key metric per alternative with its difference to
    the first and the 95% interval of that difference."""
    table = comparison.table()
    labels = comparison.labels
    first = comparison.results[0]
    body = [_head("Cascade: " + " vs ".join(labels)),
            f"<h1>{html.escape(' vs '.join(labels))}</h1>",
            f"<p class='sub'>Strategy diffusion simulation · {comparison.reps} replications per "
            f"alternative on the same random numbers · seed {comparison.seed}</p>",
            _posterior_note(first, comparison.meta),
            summary_html(comparison),
            "<h2>Results</h2>",
            f"<p>Every alternative ran on the same seeds, so replication <i>i</i> of each shares its "
            f"random draws (common random numbers): the differences below are paired, and their "
            f"intervals are much narrower than the alternatives' own. <b>The reference is "
            f"{html.escape(labels[0])}.</b></p>"]
    head = "".join(f"<th>{html.escape(lab)}</th>" for lab in labels)
    diff_head = "".join(f"<th>{html.escape(lab)} − {html.escape(labels[0])}</th>" for lab in labels[1:])
    rows = [f"<table><tr><th>Measure</th>{head}{diff_head}</tr>"]
    for col, label, meaning, kind in KEY_METRICS:
        sub = table[table["metric"] == col]
        if sub.empty:
            continue
        cells = "".join(f'<td class="n">{fmt(r["mean"], kind)}<br><span class="sub">'
                        f'{fmt_interval(r["low"], r["high"], kind)}'
                        + (f'<br>one org.: {fmt_interval(r["predict_low"], r["predict_high"], kind)}'
                           if not pd.isna(r["predict_low"]) else "")
                        + '</span></td>' for _, r in sub.iterrows())
        diffs = []
        for _, r in sub.iloc[1:].iterrows():
            resolved = not (math.isnan(r["diff_low"]) or math.isnan(r["diff_high"])) and (
                r["diff_low"] > 0 or r["diff_high"] < 0)
            better = BETTER.get(col, 0) * r["diff"]
            cls = (" pos" if better > 0 else " neg" if better < 0 else "") if resolved else ""
            diffs.append(f'<td class="n{cls}">{fmt(r["diff"], kind, signed=True)}<br><span class="sub">'
                         f'{fmt_interval(r["diff_low"], r["diff_high"], kind, signed=True)}</span></td>')
        rows.append(f'<tr><td title="{html.escape(meaning)}">{html.escape(label)}</td>{cells}{"".join(diffs)}</tr>')
    rows.append("</table><p class='sub'>Each cell: mean, below it the 95% interval of the mean, and "
                "the 95% prediction interval (the range one organisation could see). A "
                "difference is coloured when its interval excludes zero: green when it is an "
                "improvement, red when it is a deterioration.</p>")
    body.append("\n".join(rows))
    body.append("<h2>The alternatives</h2>")
    for lab, res in zip(labels, comparison.results):
        body.append(f"<h3>{html.escape(lab)}</h3>" + _scenario_section(res.scenario))
    body += [EXPLAINER, "<h2>Figures</h2>", _figures_html(figures),
             _footer({"command": comparison.meta.get("command", "cascade compare " + " ".join(
                 r.scenario.source or r.scenario.name for r in comparison.results)),
                      "seed": comparison.seed, "replications": comparison.reps})]
    del first
    return "\n".join(body)


__all__ = ["run_figures", "compare_figures", "run_report", "compare_report", "summary_html", "save_figures",
           "write_exports", "rebuild", "EXPORTS", "KEY_METRICS", "fmt"]
