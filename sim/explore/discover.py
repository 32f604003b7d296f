"""Scenario discovery on a sweep's stored runs: under which values of the inputs (by default the
sweep's uncertainties) does an outcome fail?

Each run that finished is a case; a case *of interest* has the outcome above (or below) a threshold.
PRIM (the patient rule induction method of Friedman and Fisher, as used for scenario discovery by
Bryant and Lempert) peels the input space down to a box that holds many of the cases of interest
(coverage: the share of them inside the box) and few others (density: the share of the box's cases
that are of interest); the peeling trajectory is the trade-off between the two. The chosen box is
the one of highest coverage (then density) whose density reaches ``density`` (else the densest). Feature scores
(extra trees) rank every input by how much it tells the cases apart. Both are EMA Workbench's
(``pip install 'cascade-sim[explore]'``); nothing of PRIM is rewritten here.
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..report import COLORS, _head, _img, plt, save_figures  # report chooses the backend
from ..sweep.analysis import _table, bootstrap_seed, label, stored_runs
from ..sweep.spec import SweepError

DIRECTIONS = ("above", "below")
DENSITY = 0.8  # the chosen box: the highest coverage at this density or more
QUASI_P = 0.05  # a limit with a quasi-p value above this is reported as weak


def _ema():
    """EMA Workbench's PRIM and feature scoring (an optional extra)."""
    try:
        with warnings.catch_warnings():  # it warns at import about executors we do not use
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import feature_scoring, prim
            from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    except ImportError:
        raise SweepError("scenario discovery and sim.explore.ema need EMA Workbench: "
                         "pip install 'cascade-sim[explore]'") from None
    return prim, feature_scoring, RuleInductionType


@dataclass
class Discovery:
    """What PRIM found: the chosen box (``box``: one row per restricted input, with its limits, the
    input's full range and the quasi-p values of the limits), the peeling trajectory, the feature
    scores and a sentence (``summary``) that says it in words."""

    outcome: str
    threshold: float
    direction: str
    inputs: list[str]
    cases: int  # runs of interest
    total: int  # runs used
    chosen: int  # the chosen box's step on the peeling trajectory
    box: pd.DataFrame
    trajectory: pd.DataFrame
    scores: pd.DataFrame
    summary: str
    notes: list[str] = field(default_factory=list)
    directory: Path | None = None  # where the files were written

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"box": self.box, "trajectory": self.trajectory, "scores": self.scores}


def discover(directory: str | Path, outcome: str, threshold: float, direction: str = "above",
             inputs: list[str] | None = None, density: float = DENSITY, out: str | Path | None = None,
             write: bool = True) -> Discovery:
    """Scenario discovery on the sweep stored in ``directory``: the runs whose ``outcome`` is
    ``direction`` (above or below) ``threshold`` are the cases of interest; ``inputs`` default to
    the sweep's uncertainties (or every parameter if it names none). Writes CSV, PNG and
    ``index.html`` to ``out`` (default ``directory/discover-<outcome>-<direction>-<threshold>``)
    unless ``write`` is false. Deterministic: the same files every time."""
    _, feature_scoring, kind = _ema()
    directory = Path(directory)
    manifest, runs = stored_runs(directory)
    names = list(manifest["parameters"])
    metrics = [c for c in runs.columns[len(names) + 5:]]
    if outcome not in metrics:
        raise SweepError(f"outcome {outcome[:60]!r} is not a summary metric of this sweep; allowed: {', '.join(metrics)}")
    if direction not in DIRECTIONS:
        raise SweepError(f"direction = {str(direction)[:20]!r} is not allowed: expected above or below")
    if not 0 < density <= 1:
        raise SweepError(f"density = {density!r} is not allowed: expected a number in (0, 1]")
    roles = manifest.get("roles") or {}
    inputs = list(inputs or [n for n in names if roles.get(n) == "uncertainty"] or names)
    for name in inputs:
        if name not in names:
            raise SweepError(f"input {name[:60]!r} is not a parameter of this sweep; allowed: {', '.join(names)}")
    ok = runs[(runs["status"] == "ok") & runs[outcome].notna()]
    notes = []
    if len(ok) < len(runs):
        notes.append(f"{len(runs) - len(ok)} of {len(runs)} runs left out (failed, or {outcome} undefined)")
    values = ok[outcome].to_numpy(dtype=float)
    y = values > threshold if direction == "above" else values < threshold
    if not 0 < y.sum() < len(y):
        raise SweepError(f"threshold = {threshold:g}: {'every' if y.all() else 'no'} run has {outcome} "
                         f"{direction} it (the runs range from {values.min():.3g} to {values.max():.3g}): "
                         "choose a threshold in between")
    x = ok[inputs].reset_index(drop=True)
    limits, trajectory, chosen, more = prim_box(x, y, density)
    notes += more
    scores, _ = feature_scoring.get_ex_feature_scores(
        _categorical(x), y, mode=kind.CLASSIFICATION, max_features=max(1, round(len(inputs) / 3)),
        random_state=bootstrap_seed(manifest["identity"]) % 2 ** 32)
    scores = scores.rename_axis("input").reset_index().rename(columns={1: "score"})
    found = Discovery(outcome, float(threshold), direction, inputs, int(y.sum()), len(y), chosen, limits,
                      trajectory, scores, "", notes)
    found.summary = _summary(found)
    if write:
        out = Path(out) if out else directory / f"discover-{outcome}-{direction}-{threshold:g}"
        out.mkdir(parents=True, exist_ok=True)
        found.directory = out
        for name, table in found.tables().items():
            table.to_csv(out / f"{name}.csv", index=False)
        figures = {"trajectory": _trajectory_figure(found), "box": _box_figure(found),
                   "scores": _scores_figure(found)}
        paths = save_figures(figures, out / "figures")
        (out / "index.html").write_text(_page(manifest, found, paths), encoding="utf-8")
    return found


def prim_box(x: pd.DataFrame, y: np.ndarray, density: float = DENSITY):
    """PRIM on cases ``x`` (a column per input) with ``y`` true for the cases of interest:
    ``(box, trajectory, chosen, notes)``: the chosen box's restricted inputs (limits, full range,
    quasi-p values), the peeling trajectory (coverage, density, mass, res_dim, n, k per step) and
    the chosen step, the highest coverage with density at least ``density`` (else the densest)."""
    prim, _, _ = _ema()
    x = _categorical(x)
    # whole numbers as floats: EMA's pasting writes limits such as 1.5 into the box (pandas 3 refuses
    # that in an integer column); a limit between two whole numbers is read the same either way
    x = x.astype({c: float for c in x.columns if pd.api.types.is_integer_dtype(x[c])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, np.asarray(y, dtype=bool)).find_box()
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()
    trajectory.index.name = "step"
    dense = trajectory[trajectory["density"] >= density]
    best = dense if len(dense) else trajectory.loc[[trajectory["density"].idxmax()]]
    chosen = int(best.sort_values(["coverage", "density"], ascending=False, kind="stable").index[0])
    notes = [] if len(dense) else [f"no box reaches density {density:g}; the densest is shown"]
    return _limits(box, chosen, x), trajectory.reset_index(), chosen, notes


def _categorical(x: pd.DataFrame) -> pd.DataFrame:
    """Inputs given as lists of values (a communication mode) as categories, as EMA expects."""
    return x.astype({c: "category" for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])})


def _limits(box, i: int, x: pd.DataFrame) -> pd.DataFrame:
    """The restricted inputs of box ``i``: limits, full range and quasi-p values (one-sided
    binomial tests of each limit, Bryant and Lempert: small is a limit that matters)."""
    first, lims = box.box_lims[0], box.box_lims[i]
    restricted = [c for c in x.columns if not _same(lims[c], first[c])]
    rows = []
    if restricted:
        qp = box._calculate_quasi_p(i, restricted)
        for c in restricted:
            categorical = isinstance(x[c].dtype, pd.CategoricalDtype)
            low, high = (sorted(lims[c].iloc[0]), None) if categorical else (lims[c].iloc[0], lims[c].iloc[1])
            rows.append({"input": c, "low": low if not categorical else ", ".join(map(str, low)),
                         "high": high if not categorical else "",
                         "range_low": None if categorical else first[c].iloc[0],
                         "range_high": None if categorical else first[c].iloc[1],
                         "qp_low": _qp(qp[c][0]), "qp_high": _qp(qp[c][1])})
    return pd.DataFrame(rows, columns=["input", "low", "high", "range_low", "range_high", "qp_low", "qp_high"])


def _same(a: pd.Series, b: pd.Series) -> bool:
    return all((set(u) == set(v)) if isinstance(u, (set, frozenset)) else u == v for u, v in zip(a, b))


def _qp(value) -> float:
    return float("nan") if value is None or (isinstance(value, float) and math.isnan(value)) or value < 0 else float(value)


def _summary(d: Discovery) -> str:
    what = f"{d.outcome} {d.direction} {d.threshold:g}"
    if d.box.empty:
        return f"No box stands out: the runs with {what} are spread over the inputs' whole ranges."
    strong, weak = [], []
    for _, r in d.box.iterrows():
        if r["high"] == "":
            said = f"{r['input']} is one of {r['low']}"
        elif r["low"] <= r["range_low"]:
            said = f"{r['input']} is below {r['high']:.3g}"
        elif r["high"] >= r["range_high"]:
            said = f"{r['input']} is above {r['low']:.3g}"
        else:
            said = f"{r['input']} is between {r['low']:.3g} and {r['high']:.3g}"
        qp = np.nanmin([r["qp_low"], r["qp_high"], np.inf])
        (strong if qp <= QUASI_P else weak).append(said if qp <= QUASI_P else f"{said} (quasi-p {qp:.2g})")
    row = d.trajectory.loc[d.trajectory["step"] == d.chosen].iloc[0]
    when = _and(strong or weak)
    also = f"; the box also has weaker limits: {_and(weak)}" if strong and weak else ""
    return (f"Runs with {what} happen mostly when {when}: that box holds {row['coverage']:.0%} of them "
            f"(coverage), and {row['density']:.0%} of the runs in it have {what} (density), against "
            f"{d.cases / d.total:.0%} of all {d.total} runs{also}.")


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


# --------------------------------------------------------------------------- figures and page


def _trajectory_figure(d: Discovery):
    t = d.trajectory
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    chosen = t[t["step"] == d.chosen].iloc[0]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=120, facecolors="none", edgecolors=COLORS[3], lw=1.5,
               label=f"chosen box (step {d.chosen})")
    fig.colorbar(points, ax=ax, label="restricted inputs")
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("coverage (share of the cases of interest in the box)")
    ax.set_ylabel("density (share of the box's runs of interest)")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    ax.grid(alpha=0.3)
    ax.set_title(f"PRIM peeling trajectory: {d.outcome} {d.direction} {d.threshold:g}", fontsize=10)
    fig.tight_layout()
    return fig


def _box_figure(d: Discovery):
    numeric = d.box[d.box["high"] != ""]
    fig, ax = plt.subplots(figsize=(6, 0.6 * max(len(numeric), 1) + 1.6))
    for k, (_, r) in enumerate(numeric.iterrows()):
        span = r["range_high"] - r["range_low"]
        ax.barh(k, (r["high"] - r["low"]) / span, left=(r["low"] - r["range_low"]) / span, color=COLORS[0], alpha=0.7)
        ax.text(1.01, k, f"{r['low']:.3g} to {r['high']:.3g}", va="center", fontsize=8)
    ax.set_yticks(range(len(numeric)), numeric["input"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of each input's range in the sweep (0 = its low end)")
    ax.set_title("The box: where the cases of interest concentrate", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def _scores_figure(d: Discovery):
    fig, ax = plt.subplots(figsize=(5.6, 0.45 * len(d.scores) + 1.4))
    ax.barh(range(len(d.scores)), d.scores["score"], color=COLORS[1])
    ax.set_yticks(range(len(d.scores)), d.scores["input"])
    ax.invert_yaxis()
    ax.set_xlabel("feature score (extra trees)")
    ax.set_title(f"Which inputs tell the runs with {d.outcome} {d.direction} {d.threshold:g} apart", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def _page(manifest, d: Discovery, figures) -> str:
    parts = [_head(f"Scenario discovery: {manifest['name']}"),
             f"<h1>Scenario discovery: {html.escape(label(d.outcome))} {d.direction} {d.threshold:g}</h1>",
             f"<p><b>{html.escape(d.summary)}</b></p>",
             f"<p>Sweep <code>{html.escape(manifest['name'])}</code> (spec hash "
             f"<code>{manifest['identity'][:12]}</code>): {d.cases} of {d.total} runs are of interest. Inputs: "
             + ", ".join(f"<code>{html.escape(i)}</code>" for i in d.inputs) + ". PRIM (EMA Workbench) peels the "
             "inputs' space to a box; coverage is the share of the runs of interest inside it, density the "
             "share of its runs that are of interest. A quasi-p value is a one-sided binomial test of a limit: "
             "small means the limit matters.</p>"]
    for note in d.notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append("<h2>The box</h2>" + (_table(d.box) if len(d.box) else "<p>No input is restricted.</p>"))
    parts.append("<h2>Feature scores</h2>" + _table(d.scores))
    for name, path in figures.items():
        parts.append(_img(path, name))
    parts.append("<h2>Peeling trajectory</h2>" + _table(d.trajectory))
    parts.append("</body></html>\n")
    return "\n".join(parts)


__all__ = ["discover", "prim_box", "Discovery", "DIRECTIONS"]
