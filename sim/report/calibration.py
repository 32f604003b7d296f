"""The calibration's figures and HTML page (``cascade calibrate``), in the style of the run report."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from . import COLORS, _figures_html, _footer, _head, _scenario_section

CAPTIONS = {
    "marginals": "Each parameter's posterior (bars, weighted by the particles' weights) against its uniform "
                 "prior (the dashed line); the dotted line is the scenario's value before calibration, "
                 "the solid line the posterior median.",
    "pairs": "The posterior's particles, two parameters at a time (the larger the dot, the larger its "
             "weight): a ridge means the survey constrains a combination of two parameters more than either.",
    "predictive": "The survey as the calibrated model answers it (the median and 90% interval of simulated "
                  "surveys of the same size), beside the real answers (black, with their 90% sampling "
                  "interval) and the uncalibrated scenario's answer (grey cross, same seeds).",
    "epsilon": "The ABC-SMC tolerance (epsilon) population by population: the distance a simulation had to "
               "come within to be kept, in survey sampling errors.",
}


def marginals(cal):
    names = cal.parameters
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.0), squeeze=False)
    summary = cal.summary()
    for ax, name in zip(axes[0], names):
        lo, hi = cal.priors[name]
        ax.hist(cal.posterior[name], bins=np.linspace(lo, hi, 21), weights=cal.posterior["weight"],
                density=True, color=COLORS[0], alpha=0.7)
        ax.axhline(1 / (hi - lo), color="k", ls="--", lw=1, label="prior")
        ax.axvline(summary.loc[name, "scenario"], color="0.4", ls=":", lw=1.2, label="before")
        ax.axvline(summary.loc[name, "median"], color=COLORS[1], lw=1.5, label="median")
        ax.set_xlim(lo, hi)
        ax.set_title(name, fontsize=10)
        ax.set_yticks([])
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def pairs(cal):
    names = cal.parameters
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(2.2 * k + 0.6, 2.2 * k + 0.6), squeeze=False)
    size = 4 + 60 * cal.posterior["weight"] / cal.posterior["weight"].max()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            if i == j:
                ax.hist(cal.posterior[a], bins=15, weights=cal.posterior["weight"], color=COLORS[0], alpha=0.7)
                ax.set_xlim(*cal.priors[a])
                ax.set_yticks([])
            elif i > j:
                ax.scatter(cal.posterior[b], cal.posterior[a], s=size, alpha=0.4, color=COLORS[0], lw=0)
                ax.set_xlim(*cal.priors[b])
                ax.set_ylim(*cal.priors[a])
            else:
                ax.axis("off")
            if i == k - 1:
                ax.set_xlabel(b, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def _predictive_rows(ax, table, xlabel):
    n = len(table)
    y = np.arange(n)[::-1]
    ax.errorbar(table["median"], y + 0.12, xerr=[table["median"] - table["low"], table["high"] - table["median"]],
                fmt="o", color=COLORS[0], ms=4, capsize=2, label="calibrated model (90%)")
    ax.errorbar(table["observed"], y - 0.12, xerr=1.645 * table["observed_sd"], fmt="s", color="k", ms=4,
                capsize=2, label="survey (90% sampling interval)")
    ax.plot(table["default"], y, "x", color="0.55", label="before calibration")
    ax.set_yticks(y, [s.replace("|", " · ") for s in table["statistic"]], fontsize=8)
    ax.set_xlabel(xlabel)


def predictive_figure(table):
    """Shares (the items, turnover) on one axis, counts of initiatives on another."""
    counts = table["statistic"].str.startswith("initiatives_")
    parts = [(table[~counts], "share agreeing (turnover: share who left)"), (table[counts], "initiatives in the last year")]
    parts = [(t, label) for t, label in parts if len(t)]
    fig, axes = plt.subplots(len(parts), 1, figsize=(7.5, 0.38 * len(table) + 1.4 * len(parts)), squeeze=False,
                             gridspec_kw={"height_ratios": [max(len(t), 1) + 1 for t, _ in parts]})
    for ax, (part, label) in zip(axes[:, 0], parts):
        _predictive_rows(ax, part, label)
        if label.startswith("share"):
            ax.set_xlim(-0.02, 1.02)
    axes[0][0].legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    return fig


def epsilon_figure(cal):
    fig, ax = plt.subplots(figsize=(5, 2.8))
    ax.plot(cal.populations["population"], cal.populations["epsilon"], "o-", color=COLORS[0])
    ax.set_xlabel("population")
    ax.set_ylabel("epsilon")
    ax.set_yscale("log")
    fig.tight_layout()
    return fig


def calibration_figures(cal, draws: int = 40) -> dict:
    figs = {"marginals": marginals(cal)}
    if len(cal.parameters) > 1:
        figs["pairs"] = pairs(cal)
    figs["predictive"] = predictive_figure(cal.predictive(draws))
    figs["epsilon"] = epsilon_figure(cal)
    return figs


def _num(v) -> str:
    return f"{v:.3g}" if isinstance(v, (int, float, np.floating)) and np.isfinite(v) else html.escape(str(v))


def _item_label(r) -> str:
    """An item, with the Likert answer its share is of when that is not agreement."""
    answer = r.get("answer", "")
    return r["item"] + (f" (answer {answer})" if answer and answer != ">=4" else "")


def _group_label(r) -> str:
    """A level, with its department when the statistics are by department."""
    department = r.get("department", "")
    return r["level"] + (f" · {department}" if department else "")


def calibration_report(cal, figures: dict[str, Path], draws: int = 40) -> str:
    """The calibration's page: what was fitted to what, the posterior against the prior (with
    identifiability in words), the predictive check, the figures, how to reproduce it."""
    sc, summary, pred = cal.base, cal.summary(), cal.predictive(draws)
    rows = "".join(
        f"<tr><td><code>{html.escape(name)}</code></td><td class='n'>{_num(r['prior_low'])} – {_num(r['prior_high'])}</td>"
        f"<td class='n'>{_num(r['scenario'])}</td><td class='n'>{_num(r['median'])}</td>"
        f"<td class='n'>{_num(r['low'])} – {_num(r['high'])}</td><td class='n'>{r['ratio']:.0%}</td>"
        f"<td>{html.escape(r['identifiability'])}</td></tr>" for name, r in summary.iterrows())
    checks = "".join(
        f"<tr><td>{html.escape(_item_label(r))}</td><td>{html.escape(_group_label(r))}</td>"
        f"<td class='n'>{_num(r['observed'])}</td><td class='n'>{_num(r['median'])}</td>"
        f"<td class='n'>{_num(r['low'])} – {_num(r['high'])}</td><td class='n'>{_num(r['default'])}</td>"
        f"<td>{'yes' if r['inside'] else '<b>no</b>'}</td></tr>" for _, r in pred.iterrows())
    inside = int(pred["inside"].sum())
    facts = ", ".join(f"{k} = {v:g}" for k, v in cal.survey.facts.items()) or "none"
    last = cal.populations.iloc[-1]
    body = [
        _head(f"Cascade: {sc.name} calibrated to {cal.survey.source}"),
        f"<h1>{html.escape(sc.name)}, calibrated to its survey</h1>",
        f"<p class='sub'>Approximate Bayesian computation (ABC-SMC, pyabc) · {len(cal.populations)} populations of "
        f"{cal.population_size} · {cal.simulations:,} simulations · seed {cal.seed}</p>",
        "<h2>The evidence</h2>",
        f"<p><b>Survey:</b> {html.escape(cal.survey.source)}, {cal.survey.respondents:,} respondents; "
        f"<b>organisation facts:</b> {html.escape(facts)}. Each statistic is compared in units of its own "
        f"sampling error (docs/SURVEYS.md); the last population kept simulations within a distance of "
        f"{last['epsilon']:.3g} of the survey.</p>",
        "<h2>What the survey says about the parameters</h2>",
        "<p class='note'>The 90% interval is where the parameter lies with 90% posterior probability, given the "
        "survey, the model and the prior. The width ratio compares it with the prior's own 90% interval: near "
        "100%, the survey says nothing about that parameter (its calibrated value is no better than the "
        "prior's middle); well below, the survey pins it down.</p>",
        "<table><tr><th>Parameter</th><th>Prior range</th><th>Before</th><th>Posterior median</th>"
        "<th>90% interval</th><th>Width ratio</th><th>Identifiability</th></tr>" + rows + "</table>",
        "<h2>Does the calibrated model answer the survey as the organisation did?</h2>",
        f"<p>{inside} of {len(pred)} survey statistics lie inside the calibrated model's 90% predictive "
        f"interval (from {draws} posterior draws, each answering a survey of the same size).</p>",
        "<table><tr><th>Item</th><th>Level</th><th>Survey</th><th>Model median</th><th>90% interval</th>"
        "<th>Before calibration</th><th>Inside?</th></tr>" + checks + "</table>",
        "<h2>The organisation</h2>", _scenario_section(sc),
        "<h2>Figures</h2>", _figures_html(figures, CAPTIONS)]
    body.append(_footer({"command": cal.meta.get("command", "sim.calibrate.calibrate(...)"), "seed": cal.seed,
                         "calibrated scenario": "calibrated.yaml"}))
    return "\n".join(body)
