"""What a sweep shows: per-point statistics, effects with their intervals, paired contrasts,
heatmaps, Sobol (first, total and second order) and Morris indices; as DataFrames, and as CSV, PNG
and a self-contained HTML page.

- Every design: each point's mean, standard deviation (the replication spread) and 95% interval
  per metric (``points``), and the failed runs (``failures``).
- Grids: each parameter's effect (``effects``): at each of its values, the mean over the other
  parameters' values, with the 95% interval of that mean between replications (replication ``rep``
  of every point shares its random numbers, so a replication is the unit of independent luck);
  ``contrasts``: each value against the parameter's first value, paired within each replication
  (common random numbers), with its 95% interval; for two parameters, heatmaps of the mean and of
  the replication spread.
- Random and Latin hypercube designs: point means against each parameter.
- Sobol: first-order and total indices with 95% intervals (``sobol``), second-order indices of each
  pair (``sobol2``, when the design paid for them); Morris: mu*, its 95% interval, mu and sigma
  (``morris``), in units of each parameter's full range. Both on the mean over replications of each
  point; a metric undefined at some point (a run failed, or e.g. weeks_to_50 never reached) is left
  out, with a note; Sobol indices outside [0, 1] or wide intervals get a note on the sample size.
  The bootstrap of the intervals is seeded from the sweep's identity: the same tables every time.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from scipy import stats

from ..report import COLORS, KEY, _head, _img, plt, save_figures  # report chooses the backend
from .design import problem
from .spec import SweepError
from .store import load_runs, load_timeseries, read_manifest

SOBOL_WIDTH = 0.1  # a Sobol interval half-width above this says the sample is too small
REPLICATION_SHARE = 0.1  # a point's mean is stable when its half-width is this share of the effects


def bootstrap_seed(identity: str) -> int:
    """The seed of the indices' bootstrap intervals: from the sweep's identity, and never 0
    (SALib's Sobol analysis takes a seed of 0 for no seed, and its intervals would move)."""
    return int(identity[:8], 16) + 1


def label(metric: str) -> str:
    return KEY[metric][1] if metric in KEY else metric


def _interval(frame: pd.DataFrame, by, metric: str) -> pd.DataFrame:
    g = frame.groupby(by, sort=True)[metric]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()})
    half = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


def stored_runs(directory: Path) -> tuple[dict, pd.DataFrame]:
    """A sweep's manifest and its stored runs (a ``SweepError`` when it has none yet)."""
    manifest, runs = read_manifest(directory), load_runs(directory)
    if runs.empty:
        raise SweepError(f"{directory}: no runs yet: run `cascade sweep` first")
    return manifest, runs


def analyze(directory: str | Path, metrics=None, out: str | Path | None = None,
            write: bool = True, weeks=None) -> dict[str, pd.DataFrame]:
    """Analyse the sweep stored in ``directory``; write CSV, PNG and ``index.html`` to ``out``
    (default ``directory/analysis``) unless ``write`` is false. Returns the tables by name:
    ``points``, ``failures``, ``replications``, and ``effects``, ``contrasts``, ``sobol``,
    ``sobol2`` or ``morris`` where the design has them; where the sweep kept time series,
    ``trajectories`` (fan charts by each lever's level) and, for ``weeks``, ``at_weeks`` (each
    point's mean of each kept series at those weeks)."""
    directory = Path(directory)
    manifest, runs = stored_runs(directory)
    names = list(manifest["parameters"])
    method = manifest["design"]["method"]
    metrics = list(metrics or manifest["metrics"])
    for m in metrics:
        if m not in runs.columns or m in names or m in ("run", "point", "rep", "status", "error"):
            known = [c for c in runs.columns[len(names) + 5:]]
            raise SweepError(f"metric {m!r} is not a summary metric of this sweep; allowed: {', '.join(known)}")
    points = pd.read_parquet(directory / "points.parquet")
    ok = runs[runs["status"] == "ok"]
    tables: dict[str, pd.DataFrame] = {}
    tables["points"] = pd.concat(
        [points.join(_interval(ok, "point", m), how="left").assign(metric=m).reset_index()
         for m in metrics], ignore_index=True)
    tables["failures"] = runs.loc[runs["status"] != "ok", ["run", "point", "rep", *names, "error"]]
    figures, notes = {}, []
    tables["replications"] = _replications(tables["points"], manifest["replications"])
    if method == "grid":
        tables["effects"] = _effects(ok, points, names, metrics)
        tables["contrasts"] = _contrasts(ok, points, names, metrics)
        tables["replications"] = _paired(tables["replications"], tables["contrasts"])
    notes.extend(_replication_notes(tables["replications"]))
    if method == "grid":
        for m in metrics:
            figures[f"effects-{m}"] = _effects_figure(tables["effects"], tables["contrasts"], names, m)
        if len(names) == 2:
            for m in metrics:
                figures[f"heatmap-{m}"] = _heatmap(tables["points"], names, m)
    elif method in ("random", "lhs"):
        for m in metrics:
            figures[f"scatter-{m}"] = _scatter(tables["points"], names, m)
    else:
        unit = pd.read_parquet(directory / "unit.parquet").to_numpy()
        means = tables["points"].pivot(index="point", columns="metric", values="mean")
        seed = bootstrap_seed(manifest["identity"])
        found: dict[str, list] = {}
        for m in metrics:
            y = means[m].reindex(range(len(points))).to_numpy()
            if np.isnan(y).any():
                notes.append(f"{label(m)}: left out of the {method} indices: undefined at "
                             f"{int(np.isnan(y).sum())} of {len(y)} points")
                continue
            if np.ptp(y) == 0:
                notes.append(f"{label(m)}: left out of the {method} indices: the same at every point")
                continue
            for name, table in _analyse(method, manifest["design"], names, unit, y, m, seed).items():
                found.setdefault(name, []).append(table)
        tables.update({name: pd.concat(parts, ignore_index=True) for name, parts in found.items()})
        if method in tables:
            for m, sub in tables[method].groupby("metric", sort=False):
                figures[f"{method}-{m}"] = (_sobol_figure if method == "sobol" else _morris_figure)(sub, m)
        if "sobol" in tables:
            notes.extend(_sobol_notes(tables["sobol"], manifest["design"]["n"]))
        if "sobol2" in tables:
            for m, sub in tables["sobol2"].groupby("metric", sort=False):
                figures[f"sobol2-{m}"] = _sobol2_figure(sub, names, m)
    if manifest.get("timeseries"):
        series = load_timeseries(directory)
        if not series.empty:
            levers = [n for n in names if (manifest.get("roles") or {}).get(n) == "lever"] or names
            tables["trajectories"] = _trajectories(series, ok, points, levers, method)
            kept = list(dict.fromkeys(tables["trajectories"]["column"]))
            # figures for at most FAN_FIGURES series, those of the reported metrics first (all in the table)
            shown = sorted(kept, key=lambda c: not any(m.startswith(c) for m in metrics))[:FAN_FIGURES]
            for column in shown:
                figures[f"fan-{column}"] = _fan_figure(tables["trajectories"].query("column == @column"), column)
            if weeks:
                tables["at_weeks"] = _at_weeks(series, ok, points, weeks)
    elif weeks:
        raise SweepError(f"{directory}: --weeks needs time series, and this sweep kept none "
                         "(timeseries: in the spec: a new sweep)")
    if write:
        out = Path(out) if out else directory / "analysis"
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            table.to_csv(out / f"{name}.csv", index=False)
        paths = save_figures(figures, out / "figures")
        (out / "index.html").write_text(_page(manifest, runs, tables, paths, notes), encoding="utf-8")
    else:
        for fig in figures.values():
            plt.close(fig)
    tables["notes"] = pd.DataFrame({"note": notes})
    return tables


def _indices(method, design, names, unit, y, metric, seed: int = 0) -> pd.DataFrame:
    """The first-order table of ``_analyse`` (sim.robustness calls it: seed 0 is its Morris seed)."""
    return _analyse(method, design, names, unit, y, metric, seed)[method]


def _analyse(method, design, names, unit, y, metric, seed) -> dict[str, pd.DataFrame]:
    """Sobol (``sobol`` and, with second order, ``sobol2``) or Morris (``morris``) indices of one
    metric; ``seed`` seeds the bootstrap intervals (Sobol: never 0, SALib's "no seed")."""
    prob = problem(names)
    if method == "sobol":
        s = salib_sobol.analyze(prob, y, calc_second_order=design["second_order"], conf_level=0.95, seed=seed)
        out = {"sobol": pd.DataFrame({"metric": metric, "parameter": names, "S1": s["S1"],
                                      "S1_conf": s["S1_conf"], "ST": s["ST"], "ST_conf": s["ST_conf"]})}
        if design["second_order"]:
            pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
            out["sobol2"] = pd.DataFrame({"metric": metric, "parameter": [names[i] for i, _ in pairs],
                                          "other": [names[j] for _, j in pairs],
                                          "S2": [s["S2"][i, j] for i, j in pairs],
                                          "S2_conf": [s["S2_conf"][i, j] for i, j in pairs]})
        return out
    s = salib_morris.analyze(prob, unit, y, conf_level=0.95, num_levels=design["levels"], seed=seed)
    return {"morris": pd.DataFrame({"metric": metric, "parameter": names, "mu_star": s["mu_star"],
                                    "mu_star_conf": s["mu_star_conf"], "mu": s["mu"], "sigma": s["sigma"]})}


def _sobol_notes(table: pd.DataFrame, n: int) -> list[str]:
    """Where the Sobol sample is too small: indices outside [0, 1], intervals wider than
    +-SOBOL_WIDTH; with the base sample n that would narrow them (intervals shrink as 1/sqrt(n))."""
    notes = []
    for m, sub in table.groupby("metric", sort=False):
        values = sub.melt(id_vars="parameter", value_vars=["S1", "ST"])
        outside = values[(values["value"] < 0) | (values["value"] > 1)]
        widest = float(sub[["S1_conf", "ST_conf"]].max().max())
        if outside.empty and widest <= SOBOL_WIDTH:
            continue
        worst = outside.loc[(outside["value"] - 0.5).abs().idxmax()] if len(outside) else None
        said = (f"indices outside [0, 1] ({worst['variable']} of {worst['parameter']} = {worst['value']:.2f}), "
                if worst is not None else "")
        more = 2 ** math.ceil(math.log2(n * max(1.0, (widest / SOBOL_WIDTH) ** 2)))
        notes.append(f"{label(m)}: Sobol {said}intervals up to +-{widest:.2f}: the sample (n = {n}) is too "
                     f"small; about n = {more} would narrow the intervals to +-{SOBOL_WIDTH}")
    return notes


def _replications(points: pd.DataFrame, reps: int) -> pd.DataFrame:
    """Per metric: are the replications enough for a stable mean at each point? The typical
    (median) 95% half-width of a point's mean against the size of the effects found (the range of
    the point means over the design): stable when the half-width is at most REPLICATION_SHARE of
    it; otherwise the replications that would make it so (half-widths shrink as 1/sqrt(n))."""
    rows = []
    for m, sub in points.groupby("metric", sort=False):
        half = float(((sub["high"] - sub["low"]) / 2).median()) if reps > 1 else float("nan")
        effect = float(np.ptp(sub["mean"].dropna())) if sub["mean"].notna().any() else float("nan")
        ratio = half / effect if effect > 0 else float("nan")
        stable = bool(ratio <= REPLICATION_SHARE) if not math.isnan(ratio) else False
        needed = reps if stable or math.isnan(ratio) else math.ceil(reps * (ratio / REPLICATION_SHARE) ** 2)
        rows.append({"metric": m, "replications": reps, "half_width": half, "effect_range": effect,
                     "ratio": ratio, "stable": stable, "suggested_replications": needed})
    return pd.DataFrame(rows)


def _paired(table: pd.DataFrame, contrasts: pd.DataFrame) -> pd.DataFrame:
    """Grids: beside a point's mean, how well the paired contrasts are known (their median 95%
    half-width) against the largest contrast found: common random numbers make them far more
    precise than two means' intervals, and they are what a grid compares."""
    half = ((contrasts["high"] - contrasts["low"]) / 2).groupby(contrasts["metric"]).median()
    largest = contrasts["difference"].abs().groupby(contrasts["metric"]).max()
    return table.assign(contrast_half_width=table["metric"].map(half), largest_contrast=table["metric"].map(largest))


def _replication_notes(table: pd.DataFrame) -> list[str]:
    if len(table) and table["replications"].iloc[0] < 2:
        return ["one replication per point: no intervals (of the points, effects or contrasts), so whether "
                "the means are stable cannot be judged; a sweep with at least 2 replications can"]
    notes = []
    for _, r in table.iterrows():
        if not r["stable"] and not math.isnan(r["ratio"]):
            paired = ""
            if "contrast_half_width" in r and r["largest_contrast"] > 0 and not math.isnan(r["contrast_half_width"]):
                paired = (f"; the paired contrasts are known to +-{r['contrast_half_width']:.3g} against contrasts "
                          f"up to {r['largest_contrast']:.3g}: compare the grid's values by them")
            notes.append(f"{label(r['metric'])}: a point's mean is known to +-{r['half_width']:.3g} (median 95% "
                         f"half-width), {r['ratio']:.0%} of the range of the means over the design "
                         f"({r['effect_range']:.3g}): about {r['suggested_replications']} replications would "
                         f"bring it to {REPLICATION_SHARE:.0%}{paired}")
    return notes


FAN_BINS = 3  # a sampled parameter's range in this many equal slices for the fan charts
FAN_FIGURES = 6  # fan charts drawn (the table has every kept series)


def _level_labels(points: pd.DataFrame, p: str, method: str) -> pd.Series:
    """Each point's level of ``p``: its value in a grid or a list, else its slice of the range."""
    values = points[p]
    if method == "grid" or not pd.api.types.is_numeric_dtype(values) or values.nunique() <= FAN_BINS:
        return values.astype(str) if not pd.api.types.is_numeric_dtype(values) else values.map(lambda v: f"{v:g}")
    edges = np.linspace(values.min(), values.max(), FAN_BINS + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, FAN_BINS - 1)
    labels = [f"{edges[i]:.3g} to {edges[i + 1]:.3g}" for i in range(FAN_BINS)]
    return pd.Series([labels[i] for i in index], index=values.index)


def _trajectories(series: pd.DataFrame, ok: pd.DataFrame, points: pd.DataFrame, levers, method) -> pd.DataFrame:
    """Fan charts: for each lever (every parameter if the spec names none) and each of its levels,
    each kept series' mean and 10th, 50th and 90th percentiles over the runs at that level, week by
    week (the spread over the other parameters and the replications)."""
    series = series[series["run"].isin(ok["run"])].merge(ok[["run", "point"]], on="run")
    columns = [c for c in series.columns if c not in ("run", "week", "point")]
    rows = []
    for p in levers:
        level = _level_labels(points, p, method)
        framed = series.assign(level=level.reindex(series["point"]).to_numpy())
        for column in columns:
            g = framed.groupby(["level", "week"], sort=False)[column]
            stats_ = pd.DataFrame({"mean": g.mean(), "p10": g.quantile(0.1), "p50": g.median(),
                                   "p90": g.quantile(0.9), "n": g.count()}).reset_index()
            order = list(dict.fromkeys(level.loc[sorted(level.index, key=lambda i: points.at[i, p])]))
            stats_["level"] = pd.Categorical(stats_["level"], categories=order, ordered=True)
            stats_ = stats_.sort_values(["level", "week"], kind="stable")
            rows.append(stats_.assign(parameter=p, column=column, level=stats_["level"].astype(str)))
    cols = ["column", "parameter", "level", "week", "mean", "p10", "p50", "p90", "n"]
    return pd.concat(rows, ignore_index=True)[cols]


def _at_weeks(series: pd.DataFrame, ok: pd.DataFrame, points: pd.DataFrame, weeks) -> pd.DataFrame:
    """Each point's mean (and 95% interval between replications) of each kept series at ``weeks``;
    a week that was not kept is refused, naming the weeks that were."""
    kept = sorted(series["week"].unique())
    for w in weeks:
        if w not in kept:
            shown = ", ".join(map(str, kept[:12])) + (", ..." if len(kept) > 12 else "")
            raise SweepError(f"--weeks {w}: not a kept week of the time series; kept: {shown}")
    series = series[series["week"].isin(weeks) & series["run"].isin(ok["run"])].merge(ok[["run", "point"]], on="run")
    columns = [c for c in series.columns if c not in ("run", "week", "point")]
    parts = [_interval(series, ["point", "week"], c).reset_index().assign(column=c) for c in columns]
    table = pd.concat(parts, ignore_index=True).merge(points.reset_index(), on="point")
    return table[["column", "week", "point", *points.columns, "mean", "sd", "n", "low", "high"]]


def _levels(points: pd.DataFrame, p: str) -> list:
    """A grid parameter's values in the order of the spec."""
    return list(dict.fromkeys(points[p]))


def _effects(ok: pd.DataFrame, points: pd.DataFrame, names, metrics) -> pd.DataFrame:
    """Each parameter's effect: at each value, the mean over the other parameters' values, and the
    95% interval of that mean between replications (a replication's mean over the other values is
    one independent draw: every point of a replication shares its random numbers)."""
    rows = []
    for m in metrics:
        for p in names:
            per_rep = ok.groupby([p, "rep"], sort=False)[m].mean().reset_index()
            table = _interval(per_rep, p, m).reindex(_levels(points, p))
            rows.append(table.rename_axis("value").reset_index().assign(parameter=p, metric=m))
    return pd.concat(rows, ignore_index=True)[["metric", "parameter", "value", "mean", "sd", "n", "low", "high"]]


def _contrasts(ok: pd.DataFrame, points: pd.DataFrame, names, metrics) -> pd.DataFrame:
    """Each value of each parameter against its first value, paired: within a replication and at
    the same values of the other parameters (common random numbers), averaged over those, with the
    95% interval of the mean difference between replications."""
    rows = []
    for m in metrics:
        for p in names:
            levels = _levels(points, p)
            others = [q for q in names if q != p]
            wide = ok.pivot_table(index=["rep", *others], columns=p, values=m, aggfunc="first")
            if levels[0] not in wide.columns:
                continue
            diffs = [(wide[v] - wide[levels[0]]).groupby(level="rep").mean().dropna()
                     .rename("difference").reset_index().assign(value=v)
                     for v in levels[1:] if v in wide.columns]
            if not diffs:
                continue
            table = _interval(pd.concat(diffs, ignore_index=True), "value", "difference")
            table = table.reindex([v for v in levels[1:] if v in wide.columns])
            rows.append(table.rename(columns={"mean": "difference"}).rename_axis("value").reset_index()
                        .assign(parameter=p, metric=m, reference=levels[0]))
    columns = ["metric", "parameter", "value", "reference", "difference", "sd", "n", "low", "high"]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)


# --------------------------------------------------------------------------- figures


def _positions(values: pd.Series):
    """Numeric values as they are; others (e.g. a communication mode) as evenly spaced labels."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float), None
    labels = list(dict.fromkeys(values))
    return np.array([labels.index(v) for v in values], dtype=float), labels


def _effects_figure(effects: pd.DataFrame, contrasts: pd.DataFrame, names, metric):
    """Top: each parameter's mean over the other parameters' values, with the 95% interval between
    replications. Bottom: the paired difference from the parameter's first value, with its interval."""
    fig, axes = plt.subplots(2, len(names), figsize=(4.2 * len(names), 6.2), squeeze=False, sharey="row")
    for top, bottom, p in zip(axes[0], axes[1], names):
        sub = effects[(effects["parameter"] == p) & (effects["metric"] == metric)]
        x, labels = _positions(sub["value"])
        top.plot(x, sub["mean"], "o-", color=COLORS[0], lw=1.6, ms=4)
        top.fill_between(x, sub["low"], sub["high"], color=COLORS[0], alpha=0.2, lw=0)
        con = contrasts[(contrasts["parameter"] == p) & (contrasts["metric"] == metric)]
        xc = x[1:len(con) + 1]
        bottom.axhline(0, color="#888", lw=0.8)
        bottom.errorbar(xc, con["difference"], yerr=[con["difference"] - con["low"], con["high"] - con["difference"]],
                        fmt="o", color=COLORS[1], capsize=3, ms=4)
        for ax in (top, bottom):
            if labels:
                ax.set_xticks(range(len(labels)), labels)
            ax.set_xlim(x.min() - 0.05 * np.ptp(x) - 0.1, x.max() + 0.05 * np.ptp(x) + 0.1)
            ax.grid(alpha=0.3)
        bottom.set_xlabel(p)
        bottom.set_title(f"paired difference from {p} = {sub['value'].iloc[0]}", fontsize=8)
    axes[0][0].set_ylabel(label(metric))
    axes[1][0].set_ylabel("difference")
    over = "mean over the other parameters' values; " if len(names) > 1 else "mean; "
    fig.suptitle(f"{label(metric)}: {over}band and bars: 95% interval between replications", fontsize=10)
    fig.tight_layout()
    return fig


def _fan_figure(table: pd.DataFrame, column: str):
    """A panel per lever: each level's median trajectory and its 10-90% fan over the runs."""
    params = list(dict.fromkeys(table["parameter"]))
    fig, axes = plt.subplots(1, len(params), figsize=(4.4 * len(params), 3.5), squeeze=False, sharey=True)
    for ax, p in zip(axes[0], params):
        sub = table[table["parameter"] == p]
        for k, (level, line) in enumerate(sub.groupby("level", sort=False)):
            color = COLORS[k % len(COLORS)]
            ax.plot(line["week"], line["p50"], color=color, lw=1.5,
                    label=f"{p} {'in' if ' to ' in level else '='} {level}")
            ax.fill_between(line["week"], line["p10"], line["p90"], color=color, alpha=0.15, lw=0)
        ax.set_xlabel("week")
        ax.set_title(p, fontsize=9)
        ax.legend(fontsize=7, frameon=False, title=None)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(column)
    fig.suptitle(f"{column}: median and 10-90% of the runs at each level", fontsize=10)
    fig.tight_layout()
    return fig


def _heatmap(points: pd.DataFrame, names, metric):
    sub = points[points["metric"] == metric]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for ax, what, title, cmap in ((axes[0], "mean", "mean", "viridis"),
                                  (axes[1], "sd", "replication spread (sd)", "magma")):
        grid = sub.pivot_table(index=names[0], columns=names[1], values=what, sort=True, dropna=False)
        im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=cmap)
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns],
                      rotation=45 if grid.shape[1] > 8 else 0)
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index])
        ax.set_xlabel(names[1])
        ax.set_ylabel(names[0])
        ax.set_title(title, fontsize=10)
        if grid.size <= 100:
            values = grid.to_numpy(dtype=float)
            for (i, j), v in np.ndenumerate(values):
                if not math.isnan(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if v < np.nanmean(values) else "black")
        fig.colorbar(im, ax=ax, shrink=0.85)
    fig.suptitle(label(metric), fontsize=11)
    fig.tight_layout()
    return fig


def _scatter(points: pd.DataFrame, names, metric):
    sub = points[points["metric"] == metric]
    fig, axes = plt.subplots(1, len(names), figsize=(3.8 * len(names), 3.3), squeeze=False, sharey=True)
    for ax, p in zip(axes[0], names):
        x, labels = _positions(sub[p])
        ax.scatter(x, sub["mean"], s=10, color=COLORS[0], alpha=0.7)
        if labels:
            ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel(p)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(label(metric))
    fig.suptitle(f"{label(metric)}: each point's mean over replications", fontsize=11)
    fig.tight_layout()
    return fig


def _sobol_figure(table: pd.DataFrame, metric):
    fig, ax = plt.subplots(figsize=(1.2 * len(table) + 3, 3.6))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["S1"], 0.4, yerr=table["S1_conf"], capsize=3, color=COLORS[0], label="first order S1")
    ax.bar(x + 0.2, table["ST"], 0.4, yerr=table["ST_conf"], capsize=3, color=COLORS[1], label="total ST")
    ax.set_xticks(x, table["parameter"], rotation=20)
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_ylabel("Sobol index")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(f"{label(metric)}: Sobol indices with 95% intervals", fontsize=11)
    fig.tight_layout()
    return fig


def _sobol2_figure(table: pd.DataFrame, names, metric):
    """The second-order indices as a matrix (upper triangle), each cell with its interval."""
    d = len(names)
    grid = np.full((d, d), np.nan)
    conf = np.full((d, d), np.nan)
    for _, r in table.iterrows():
        i, j = names.index(r["parameter"]), names.index(r["other"])
        grid[i, j], conf[i, j] = r["S2"], r["S2_conf"]
    fig, ax = plt.subplots(figsize=(1.1 * d + 3, 0.9 * d + 2))
    limit = max(0.05, float(np.nanmax(np.abs(grid))))
    im = ax.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (i, j), v in np.ndenumerate(grid):
        if not math.isnan(v):
            ax.text(j, i, f"{v:.2f}\n+-{conf[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if abs(v) > 0.6 * limit else "black")
    ax.set_xticks(range(d), names, rotation=30, ha="right")
    ax.set_yticks(range(d), names)
    fig.colorbar(im, ax=ax, shrink=0.85, label="S2")
    ax.set_title(f"{label(metric)}: second-order Sobol indices (pair interactions), 95% intervals", fontsize=10)
    fig.tight_layout()
    return fig


def _morris_figure(table: pd.DataFrame, metric):
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.errorbar(table["mu_star"], table["sigma"], xerr=table["mu_star_conf"], fmt="o", color=COLORS[0], capsize=3)
    # labels: alternately above and below, further out when points crowd (no overlap at equal mu*)
    order = np.argsort(table["mu_star"].to_numpy())
    for k, i in enumerate(order):
        r = table.iloc[i]
        ax.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=8, textcoords="offset points",
                    xytext=(4, (8 + 6 * (k // 2 % 3)) * (1 if k % 2 == 0 else -1)), va="center",
                    arrowprops={"arrowstyle": "-", "color": "#999", "lw": 0.5})
    ax.set_xlabel("mu* (mean absolute effect per full range)")
    ax.set_ylabel("sigma (non-linearity and interactions)")
    ax.grid(alpha=0.3)
    ax.set_title(f"{label(metric)}: Morris screening", fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the page


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, r in frame.iterrows():
        cells = "".join(
            f'<td class="n">{v:.{digits}f}</td>' if isinstance(v, float) else f"<td>{html.escape(str(v))}</td>"
            for v in r)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


SECTIONS = (  # the tables of the page: key, title, columns, what they are
    ("effects", "Effects", ["parameter", "value", "mean", "n", "low", "high"],
     "Each parameter's value: the mean of the metric over the other parameters' values; low to high is "
     "the 95% interval of that mean between replications (n replications; each replication of every "
     "point shares its random numbers, so a replication is one independent draw)."),
    ("contrasts", "Paired contrasts", ["parameter", "value", "reference", "difference", "n", "low", "high"],
     "Each value against the parameter's first value (reference), paired: the difference within each "
     "replication at the same values of the other parameters, averaged; low to high is the 95% interval "
     "of the mean difference between replications. An interval that excludes 0 is a difference the "
     "replications resolve."),
    ("replications", "Enough replications?", ["replications", "half_width", "effect_range", "ratio", "stable",
                                              "suggested_replications"],
     "half_width: the median 95% half-width of a point's mean; effect_range: the range of the point means "
     "over the design; stable when the half-width is at most a tenth of it; otherwise the replications "
     "that would make it so (intervals shrink as 1/sqrt(replications)). Grids: replications.csv also has "
     "contrast_half_width, the median half-width of the paired contrasts, against largest_contrast: "
     "common random numbers make contrasts much more precise than the means."),
    ("sobol", "Sobol indices", ["parameter", "S1", "S1_conf", "ST", "ST_conf"],
     "First-order (S1) and total (ST) indices; _conf: half-width of the 95% bootstrap interval."),
    ("sobol2", "Second-order Sobol indices", ["parameter", "other", "S2", "S2_conf"],
     "The share of the variance due to each pair's interaction alone; S2_conf: half-width of the 95% "
     "bootstrap interval."),
    ("morris", "Morris indices", ["parameter", "mu_star", "mu_star_conf", "mu", "sigma"],
     "mu*: mean absolute effect of moving a parameter across its full range; sigma: how much that "
     "effect depends on the others."),
)


def _page(manifest, runs, tables, figures, notes) -> str:
    d = manifest["design"]
    failed = int((runs["status"] != "ok").sum())
    total = manifest["runs"]
    parts = [_head(f"Sweep {manifest['name']}"), f"<h1>Sweep: {html.escape(manifest['name'])}</h1>"]
    if manifest.get("description"):
        parts.append(f"<p class='sub'>{html.escape(manifest['description'])}</p>")
    params = ", ".join(f"<code>{html.escape(k)}</code>" for k in manifest["parameters"])
    parts.append(
        f"<p><b>Design:</b> {d['method']}{'' if d['method'] == 'grid' else ', n = ' + str(d['n'])}; "
        f"{manifest['points']} points x {manifest['replications']} replications = {total} runs "
        f"({len(runs)} done, {failed} failed). <b>Varied:</b> {params}. <b>Base scenario:</b> "
        f"{html.escape(manifest['base'])}, {manifest['horizon']} weeks. "
        f"<b>Spec hash:</b> <code>{manifest['identity'][:12]}</code>.</p>")
    if len(runs) < total:
        parts.append(f"<p class='note'>The sweep is incomplete ({len(runs)} of {total} runs): run "
                     "<code>cascade sweep</code> with the same spec again to finish it.</p>")
    for note in notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    for key, title, cols, what in SECTIONS:
        if key in tables and len(tables[key]):
            parts.append(f"<h2>{title}</h2><p>{what}</p>")
            for m, sub in tables[key].groupby("metric", sort=False):
                parts.append(f"<h3>{html.escape(label(m))}</h3>{_table(sub[cols])}")
    for name, path in figures.items():
        parts.append(_img(path, name))
    if failed:
        parts.append(f"<h2>Failed runs ({failed})</h2><p>Each was recorded with its parameters and error; "
                     "the others ran.</p>" + _table(tables["failures"].head(50)))
    parts.append("</body></html>\n")
    return "\n".join(parts)


__all__ = ["analyze"]
