"""The "so what" of a comparison: the alternatives ranked on the objectives, the differences that
matter with their intervals, the probability that each beats the reference (paired replications),
the assumptions that differ between them, and the caveats in plain words.

Everything here reads ``Comparison.table()`` (computed by the runner) and the alternatives'
scenarios; the HTML, xlsx and pptx outputs present these same tables.
"""

from __future__ import annotations

import math

import pandas as pd

from ..metrics import BETTER

# What a comparison is judged on unless told otherwise: the work at the front line, how many
# runs reach alignment 0.5, initiatives that fail, and people who leave.
DEFAULT_OBJECTIVES = ("action_alignment_mean", "reached_50", "failure_rate", "turnover_per_100")


def _key():
    from . import KEY

    return KEY


def label_of(metric: str) -> str:
    key = _key()
    return key[metric][1] if metric in key else metric.replace("_", " ")


def kind_of(metric: str) -> str:
    key = _key()
    return key[metric][3] if metric in key else "num"


def objectives_of(comparison) -> tuple[str, ...]:
    """The outcomes to rank on: the reference scenario's ``objectives``, or ``DEFAULT_OBJECTIVES``."""
    return comparison.results[0].scenario.objectives or DEFAULT_OBJECTIVES


def ranking(comparison, objectives=None) -> pd.DataFrame:
    """A row per alternative: its mean on each objective, its rank on each (1 = best, ties share
    the better rank), the mean rank, the probability that it beats the reference on each objective
    (``p_<objective>``: the share of paired replications in which it did better) and its overall
    place (by mean rank). The reference is ranked like the others."""
    table = comparison.table()
    objectives = [m for m in objectives or objectives_of(comparison) if m in set(table["metric"]) and BETTER.get(m)]
    rows = table[table["metric"].isin(objectives)]
    wide = rows.pivot(index="alternative", columns="metric", values="mean").reindex(comparison.labels)
    out = pd.DataFrame(index=pd.Index(comparison.labels, name="alternative"))
    ranks = pd.DataFrame(index=out.index)
    for m in objectives:
        out[m] = wide[m]
        ranks[m] = (BETTER[m] * -wide[m]).rank(method="min", na_option="bottom")
        out[f"rank_{m}"] = ranks[m].astype(int)
        p = rows[rows["metric"] == m].set_index("alternative")["p_better"].reindex(out.index)
        out[f"p_{m}"] = p
    out["mean_rank"] = ranks.mean(axis=1)
    out["place"] = out["mean_rank"].rank(method="min").astype(int)
    return out.sort_values(["place", "mean_rank"], kind="stable")


def cost_table(comparison, objectives=None) -> pd.DataFrame:
    """Per alternative: the cost of its levers over the horizon (``sim.costs``; 0 without a
    ``costs`` section), the extra cost over the reference, and for each objective the extra cost
    per point of improvement over the reference (``cost_per_point_<objective>``: a point is 0.01
    on a 0-1 or alignment scale, one percentage point of a share, one unit of a count or of weeks;
    empty when it costs no more or does not improve). Empty when no alternative has costs."""
    from ..costs import costs

    if not any(res.scenario.costs for res in comparison.results):
        return pd.DataFrame()
    table = comparison.table()
    objectives = [m for m in objectives or objectives_of(comparison) if m in set(table["metric"])]
    totals = [costs(res.scenario)["total"] for res in comparison.results]
    rows = []
    for label, total in zip(comparison.labels, totals):
        extra = total - totals[0]
        row = {"alternative": label, "cost": total, "extra_cost": extra}
        for m in objectives:
            diff = table[(table["metric"] == m) & (table["alternative"] == label)]["diff"]
            points = (float(diff.iloc[0]) if len(diff) else math.nan) * BETTER.get(m, 0) * POINT.get(kind_of(m), 1)
            row[f"cost_per_point_{m}"] = extra / points if extra > 0 and math.isfinite(points) and points > 0 else math.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("alternative")


POINT = {"num": 100, "pct": 100}  # points per unit: 0.01 of a scale, one percentage point


def differences(comparison, metrics=None) -> list[dict]:
    """The differences to the reference whose 95% interval excludes zero (the simulation resolves
    them), each with its interval, which way it goes for the client and p_better."""
    table = comparison.table()
    metrics = metrics or [m for m in _key() if BETTER.get(m)]
    out = []
    for _, r in table[table["metric"].isin(metrics)].iterrows():
        if r["alternative"] == comparison.labels[0]:
            continue
        low, high = r["diff_low"], r["diff_high"]
        if not all(math.isfinite(v) for v in (r["diff"], low, high)) or low <= 0 <= high:
            continue  # unresolved, or a difference to a censored time (the share reaching it says it)
        out.append({"alternative": r["alternative"], "metric": r["metric"], "diff": r["diff"],
                    "diff_low": low, "diff_high": high, "p_better": r["p_better"],
                    "better": BETTER.get(r["metric"], 0) * (1 if r["diff"] > 0 else -1) > 0})
    order = {m: i for i, m in enumerate(metrics)}
    return sorted(out, key=lambda d: (order.get(d["metric"], 99), d["alternative"]))


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)


def assumptions(comparison) -> pd.DataFrame:
    """Every assumption that differs between the alternatives: parameters (resolved: defaults
    included), the organisation, the horizon and the interventions week by week. A row per item
    (``what``), a column per alternative; empty when they are all the same."""
    labels = comparison.labels
    items: dict[str, dict[str, str]] = {}
    for label, res in zip(labels, comparison.results):
        sc = res.scenario
        values = {name: _value(v) for name, v in sc.params.model_dump().items()}
        values["people"] = f"{sc.people:,}"
        values["org chart"] = sc.org_chart.file.rsplit("/", 1)[-1] if sc.org_chart is not None else "(regular tree)"
        values["horizon (weeks)"] = str(sc.horizon)
        for iv in sc.interventions:
            what = [f"{k} = {_value(v)}" for k, v in iv.changes.items()] + (["forced pivot"] if iv.pivot else [])
            values[f"week {iv.week}"] = "; ".join(what)
        for name, v in values.items():
            items.setdefault(name, {})[label] = v
    rows = {name: [per.get(label, "–") for label in labels] for name, per in items.items()
            if len({per.get(label, "–") for label in labels}) > 1}
    return pd.DataFrame.from_dict(rows, orient="index", columns=labels).rename_axis("what")


def caveats(comparison) -> list[str]:
    """The caveats of this comparison, in plain words."""
    table = comparison.table()
    horizon = comparison.results[0].scenario.horizon
    out = [f"Each alternative ran {comparison.reps} times on the same random numbers. The intervals "
           f"show the randomness of the simulation only, not whether the model describes this "
           f"organisation well: use the results to compare alternatives, not as a forecast of levels.",
           "The interval of the mean says how sure we are of the average; the range a single "
           "organisation could see (the prediction interval) is much wider: see the tables.",
           "A difference whose interval includes zero is not resolved by this many replications: "
           "treat it as 'no clear difference', not as 'no difference'."]
    reached = table[table["metric"] == "reached_50"]
    never = [r["alternative"] for _, r in reached.iterrows() if r["mean"] < 0.5]
    if never:
        out.append(f"Alignment 0.5 was reached by week {horizon} in fewer than half the runs of "
                   f"{', '.join(never)}: their median time is 'beyond the horizon', a censored value, "
                   f"not a number of weeks.")
    if "failure_rate" in set(table["metric"]):
        out.append("The initiative failure rate is a loose figure (published estimates run from 50% to "
                   "90%); compare it between alternatives rather than quoting it.")
    return out


__all__ = ["DEFAULT_OBJECTIVES", "objectives_of", "ranking", "cost_table", "differences", "assumptions", "caveats", "takeaway"]


# The measure each figure's takeaway sentence quotes.
FIGURE_METRIC = {"alignment_by_level": "alignment_mean", "alignment": "action_alignment_mean",
                 "confidence_vs_alignment": "clarity_gap_mean", "adoption": "adoption_final",
                 "adoption_fatigue_initiatives": "adoption_final", "fatigue_burnout": "fatigue_mean",
                 "initiatives": "failure_rate"}


def takeaway(obj, figure: str) -> str:
    """One sentence for a figure's slide, quoting the run's own numbers (a ``Results`` or a
    ``Comparison``)."""
    from . import fmt, fmt_interval
    from ..runner import Comparison

    if isinstance(obj, Comparison):
        if figure == "differences":
            found = differences(obj)
            if not found:
                return f"No difference to {obj.labels[0]} on the key measures is resolved by {obj.reps} replications."
            better = sum(d["better"] for d in found)
            return (f"{len(found)} differences to {obj.labels[0]} are resolved: {better} improvements, "
                    f"{len(found) - better} deteriorations.")
        metric = FIGURE_METRIC.get(figure, "action_alignment_mean")
        kind, table = kind_of(metric), obj.table()
        rows = table[table["metric"] == metric].set_index("alternative")
        ref = rows.loc[obj.labels[0]]
        parts = []
        for alt in obj.labels[1:]:
            r = rows.loc[alt]
            parts.append(f"{alt} {fmt(r['mean'], kind)} ({fmt(r['diff'], kind, signed=True)}, "
                         f"{fmt_interval(r['diff_low'], r['diff_high'], kind, signed=True)}; better in "
                         f"{r['p_better']:.0%} of paired runs)")
        return f"{label_of(metric)}: {obj.labels[0]} {fmt(ref['mean'], kind)}; " + "; ".join(parts) + "."
    metric = FIGURE_METRIC.get(figure, "alignment_mean")
    kind, r = kind_of(metric), obj.table().loc[metric]
    return (f"{label_of(metric)}: {fmt(r['mean'], kind)} on average (interval of the mean "
            f"{fmt_interval(r['low'], r['high'], kind)}; a single organisation could see "
            f"{fmt_interval(r['predict_low'], r['predict_high'], kind)}).")
