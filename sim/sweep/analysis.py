"""What a sweep shows: per-point statistics, heatmaps, lines with 95% bands, Sobol and Morris
indices; as DataFrames, and as CSV, PNG and a self-contained HTML page.

- Every design: each point's mean, standard deviation (the replication spread) and 95% interval
  per metric (``points``), and the failed runs (``failures``).
- Grids: each parameter's effect, averaged over the other parameters, with a 95% band (``effects``;
  for a one-parameter grid this is the line itself); for two parameters, heatmaps of the mean and of
  the replication spread.
- Random and Latin hypercube designs: point means against each parameter.
- Sobol: first-order and total indices with 95% intervals (``sobol``); Morris: mu*, its 95%
  interval, mu and sigma (``morris``), in units of each parameter's full range. Both on the mean
  over replications of each point; a metric undefined at some point (a run failed, or
  e.g. weeks_to_50 never reached) is left out, with a note.
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
from .store import load_runs, read_manifest

BOOTSTRAP_SEED = 0  # the indices' confidence intervals are bootstrapped: the same every time


def label(metric: str) -> str:
    return KEY[metric][1] if metric in KEY else metric


def _interval(frame: pd.DataFrame, by, metric: str) -> pd.DataFrame:
    g = frame.groupby(by, sort=True)[metric]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()})
    half = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


def analyze(directory: str | Path, metrics=None, out: str | Path | None = None,
            write: bool = True) -> dict[str, pd.DataFrame]:
    """Analyse the sweep stored in ``directory``; write CSV, PNG and ``index.html`` to ``out``
    (default ``directory/analysis``) unless ``write`` is false. Returns the tables by name:
    ``points``, ``failures``, and ``effects``, ``sobol`` or ``morris`` where the design has them."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    runs = load_runs(directory)
    if runs.empty:
        raise SweepError(f"{directory}: no runs yet: run `cascade sweep` first")
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
    if method == "grid":
        tables["effects"] = pd.concat(
            [_interval(ok, p, m).reset_index().rename(columns={p: "value"}).assign(parameter=p, metric=m)
             for m in metrics for p in names], ignore_index=True)
        for m in metrics:
            figures[f"effects-{m}"] = _effects_figure(tables["effects"], names, m)
        if len(names) == 2:
            for m in metrics:
                figures[f"heatmap-{m}"] = _heatmap(tables["points"], names, m)
    elif method in ("random", "lhs"):
        for m in metrics:
            figures[f"scatter-{m}"] = _scatter(tables["points"], names, m)
    else:
        unit = pd.read_parquet(directory / "unit.parquet").to_numpy()
        means = tables["points"].pivot(index="point", columns="metric", values="mean")
        rows = []
        for m in metrics:
            y = means[m].reindex(range(len(points))).to_numpy()
            if np.isnan(y).any():
                notes.append(f"{label(m)}: left out of the {method} indices: undefined at "
                             f"{int(np.isnan(y).sum())} of {len(y)} points")
                continue
            if np.ptp(y) == 0:
                notes.append(f"{label(m)}: left out of the {method} indices: the same at every point")
                continue
            rows.append(_indices(method, manifest["design"], names, unit, y, m))
        if rows:
            tables[method] = pd.concat(rows, ignore_index=True)
            for m, sub in tables[method].groupby("metric", sort=False):
                figures[f"{method}-{m}"] = (_sobol_figure if method == "sobol" else _morris_figure)(sub, m)
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


def _indices(method, design, names, unit, y, metric) -> pd.DataFrame:
    prob = problem(names)
    if method == "sobol":
        s = salib_sobol.analyze(prob, y, calc_second_order=design["second_order"], conf_level=0.95,
                                seed=BOOTSTRAP_SEED)
        return pd.DataFrame({"metric": metric, "parameter": names, "S1": s["S1"], "S1_conf": s["S1_conf"],
                             "ST": s["ST"], "ST_conf": s["ST_conf"]})
    s = salib_morris.analyze(prob, unit, y, conf_level=0.95, num_levels=design["levels"], seed=BOOTSTRAP_SEED)
    return pd.DataFrame({"metric": metric, "parameter": names, "mu_star": s["mu_star"],
                         "mu_star_conf": s["mu_star_conf"], "mu": s["mu"], "sigma": s["sigma"]})


# --------------------------------------------------------------------------- figures


def _positions(values: pd.Series):
    """Numeric values as they are; others (e.g. a communication mode) as evenly spaced labels."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float), None
    labels = list(dict.fromkeys(values))
    return np.array([labels.index(v) for v in values], dtype=float), labels


def _effects_figure(effects: pd.DataFrame, names, metric):
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.4), squeeze=False, sharey=True)
    for ax, p in zip(axes[0], names):
        sub = effects[(effects["parameter"] == p) & (effects["metric"] == metric)]
        x, labels = _positions(sub["value"])
        ax.plot(x, sub["mean"], "o-", color=COLORS[0], lw=1.6, ms=4)
        ax.fill_between(x, sub["low"], sub["high"], color=COLORS[0], alpha=0.2, lw=0)
        if labels:
            ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel(p)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(label(metric))
    note = " (averaged over the other parameters)" if len(names) > 1 else ""
    fig.suptitle(f"{label(metric)}: mean and 95% interval{note}", fontsize=11)
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


def _morris_figure(table: pd.DataFrame, metric):
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.errorbar(table["mu_star"], table["sigma"], xerr=table["mu_star_conf"], fmt="o", color=COLORS[0], capsize=3)
    for _, r in table.iterrows():
        ax.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
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
    for method, cols in (("sobol", ["parameter", "S1", "S1_conf", "ST", "ST_conf"]),
                         ("morris", ["parameter", "mu_star", "mu_star_conf", "mu", "sigma"])):
        if method in tables:
            parts.append(f"<h2>{method.capitalize()} indices</h2>")
            for m, sub in tables[method].groupby("metric", sort=False):
                parts.append(f"<h3>{html.escape(label(m))}</h3>{_table(sub[cols])}")
    for name, path in figures.items():
        parts.append(_img(path, name))
    if failed:
        parts.append(f"<h2>Failed runs ({failed})</h2><p>Each was recorded with its parameters and error; "
                     "the others ran.</p>" + _table(tables["failures"].head(50)))
    parts.append("</body></html>\n")
    return "\n".join(parts)


__all__ = ["analyze"]
