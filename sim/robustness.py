"""Pattern robustness map (issue "Model v2"): which behavioural parameters can break which pattern.

A Morris screening (elementary effects; SALib, through the sweep tooling's ``problem``, design
mapping and ``analyze``) over every behavioural parameter within its range, of the effect size of
every stylized fact of ``sim.validation`` (S1-S14): for each, its main effect (``CHECKS``; where a
pattern has several effects, the one named in the table), the same comparison as its validation test.
At each design point a pattern's effect is the mean paired difference (condition b minus condition a,
both conditions on the same seeds of the validation root) with the point's parameter values added to
both conditions; S1 compares organisations of 2 and 4 layers (``sim.validation.DEEP``); S9 is its
validation statistic, the week at which the mean adoption curve's rise peaks, less the week it must
pass; S9 and S14 take ``SLOW_SEEDS`` seeds. The runs go through ``sim.validation.Lab``, in ensembles
(``sim.engine``). Per pattern:

- mu* and sigma of each parameter (mean absolute elementary effect and its spread, in the effect's
  own units per full range of the parameter);
- the share of design points where the effect has its expected sign: the share of the screened
  space where the pattern holds. Each point's effect is a point estimate from a few seeds, so this
  share is itself noisy (a point with a small true effect may land on either side: the share is
  pulled toward 50% where the effect is weak);
- the spread of the effect over the seeds at each point (``seed_sd``, when there are several), to set
  the holds share against: every design point uses the same seeds (common random numbers), so an
  elementary effect compares two points on the same random numbers, but each point's sign is a
  few-seed estimate.

Behavioural parameters: every ``Param`` that is not structural, not a choice, and not a lever the
patterns themselves vary. Ranges: the documented ranges, except where these contain values that
make the model degenerate (``CAPS``); stated in the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from SALib.sample import morris as salib_morris

from .params import BY_NAME, PARAMS
from .sweep.analysis import _indices
from .sweep.design import _scale, problem
from .sweep.spec import Range
from .validation import (CHAMPIONS, DEEP, ENABLED, ORG, PEAK_AFTER, VALIDATION_ROOT, WEEKS, Lab, failure_rate,
                         condition, paired, peak_week, sustained, weeks_to_adoption)

# Levers the patterns themselves vary (or that define the organisation's baseline levers): not screened.
LEVERS = frozenset((
    "translation_noise", "pivot_interval", "role_clarity", "feedback", "dialogue", "communication",
    "kpi_alignment", "review_interval", "base_load", "champion_share", "broadcast_interval", "capability",
    "capability_investment", "change_rewards", "leadership_alignment", "leadership_consistency", "initiatives"))

BEHAVIOURAL: tuple[str, ...] = tuple(p.name for p in PARAMS
                                     if not p.structural and not p.choices and p.name not in LEVERS)

# Documented ranges that contain degenerate values, capped to a plausible band around the default
# (a callable: of the default). Each is clipped to the documented range and widened to hold the default.
CAPS: dict[str, tuple | Callable] = {
    "initiative_effort": lambda d: (0.25 * d, 4.0 * d),  # 0.1-50: at 50 nothing ever succeeds
    "initiative_deadline": (13.0, 104.0),  # 1-520 weeks: a week is no initiative; 10 years never fails
    "span_capacity": (5.0, 20.0),  # 1-60: Gallup's spans are 8-12
    "p_quit": (0.0, 0.01),  # up to 0.1 a week is 99% of people leaving a year
    "k_pace": (0.0, 0.1),  # off by default (0 halved and doubled is 0): screened from off to on
    "k_rush": (0.0, 3.0),
    "lambda_kpi": (0.0, 1.5),
    "q_imit": (0.0, 1.0),
    "eta_m": (0.0, 3.0),
    "c_b": (0.0, 3.0),
    "theta": (-0.2, 0.8),  # -1: any work counts; 0.99: none does
    "p_innov": (0.0, 0.05),  # up to 1 a week: everyone adopts in the first weeks without peers
}

# Every other parameter: its default halved to doubled, within the documented range. The documented
# ranges are what the model accepts, not what is plausible: screened jointly over them (each of 66
# parameters at one of 4 levels of its whole range) most design points were a frozen organisation,
# beliefs never moving from their start (habit phi_h up to 1 a week, overload from loads up to 1
# each, no pivot moving the strategy), where every pattern's effect is zero.
BAND = (0.5, 2.0)

R, REPS, LEVELS = 6, 3, 4
DESIGN_SEED = VALIDATION_ROOT  # the Morris design's seed: the same design every time
BATCH = 8  # design points whose runs go to the process pool together


def ranges() -> dict[str, tuple[float, float]]:
    """The range screened for each behavioural parameter: ``CAPS``, or else ``BAND`` times the default;
    always within the documented range and holding the default."""
    out = {}
    for name in BEHAVIOURAL:
        p = BY_NAME[name]
        low, high, default = float(p.low), float(p.high), float(p.default)
        cap = CAPS.get(name)
        lo, hi = (cap(default) if callable(cap) else cap) if cap is not None else (
            BAND[0] * default, BAND[1] * default)
        low, high = max(low, float(lo)), min(high, float(hi))
        low, high = min(low, default), max(high, default)
        out[name] = (low, high)
    return out


def late(column: str) -> Callable[[pd.DataFrame], float]:
    """``column`` averaged over the second half of the run (the second year at 104 weeks, as in
    docs/VALIDATION.md)."""
    return lambda ts: float(ts[column].iloc[len(ts) // 2 + 1:].mean())


class _Seeds:
    def reps(self, reps: int) -> int:
        """The seeds this pattern runs on when the map's points take ``reps``."""
        return max(reps, self.seeds)


@dataclass(frozen=True)
class Check(_Seeds):
    """One pattern's effect: going from condition a to b changes ``how`` in the ``expected`` direction.
    At a design point: the mean paired difference over the seeds (``sim.validation.paired``), and its
    spread (the paired differences' standard deviation; NaN with one seed)."""

    key: str
    label: str
    expected: str  # "+" or "-"
    a: dict
    b: dict
    how: Callable[[pd.DataFrame], float]
    seeds: int = 0  # at least this many seeds, whatever the map's (a pattern too noisy on a few)

    @property
    def conditions(self) -> tuple[dict, ...]:
        return self.a, self.b

    def effect(self, lab: Lab, point: dict, reps: int, weeks: int) -> tuple[float, float]:
        n = self.reps(reps)
        e = paired(lab, self.label, self.expected, {**point, **self.a}, {**point, **self.b}, self.how,
                   reps=n, weeks=weeks)
        return e.mean, float(e.diffs.std(ddof=1)) if n > 1 else float("nan")


@dataclass(frozen=True)
class Statistic(_Seeds):
    """A pattern that is not a paired difference (S9): ``how`` of the runs of ``conditions``
    (for each condition, its runs on the seeds), with the ``expected`` sign where it holds. It is
    one number from all the seeds together: no spread over the seeds (NaN)."""

    key: str
    label: str
    expected: str
    conditions: tuple[dict, ...]
    how: Callable[[list[list[pd.DataFrame]]], float]
    seeds: int = 0  # at least this many seeds, whatever the map's (a pattern too noisy on a few)

    def effect(self, lab: Lab, point: dict, reps: int, weeks: int) -> tuple[float, float]:
        runs = lab.runs([{**point, **c} for c in self.conditions], self.reps(reps), weeks)
        return self.how(runs), float("nan")


def _peak_after(runs: list[list[pd.DataFrame]]) -> float:
    """S9: the week at which the mean adoption rate peaks, minus ``PEAK_AFTER``."""
    return peak_week([ts["adoption"].to_numpy() for ts in runs[0]]) - PEAK_AFTER


NO_PIVOTS = dict(pivot_interval=0.0)
# S9 and S14 depend on a few organisations each: an adoption curve's late jump moves the peak of a
# mean over three; and the change dies, or is sustained, whatever the champions in most
# organisations (on the validation seeds, 1 in 6 tips between champion shares 0 and 0.6). They
# take at least this many seeds (their runs share ensembles, so the cost is small).
SLOW_SEEDS = 12

CHECKS: tuple[Check | Statistic, ...] = (
    Check("S1", "front-line belief alignment, 2 -> 4 management layers (2 executives, span 4)", "-",
          dict(DEEP, layers=2), dict(DEEP, layers=4), late("alignment_employees")),
    Check("S2", "belief alignment, pivot every 52 -> 8 weeks", "-",
          dict(pivot_interval=52.0), dict(pivot_interval=8.0), late("alignment")),
    Check("S3", "overload, role clarity 0.3 -> 0.8", "-",
          dict(role_clarity=0.3), dict(role_clarity=0.8), late("overload")),
    Check("S4", "weeks to 50% adoption, least -> most credible champions", "-",
          dict(champion_selection="low_credibility"), dict(champion_selection="high_credibility"),
          weeks_to_adoption),
    Check("S5", "front-line understanding, cascade with dialogue 0.8 -> broadcast only", "-",
          dict(communication="cascade", dialogue=0.8), dict(communication="broadcast"),
          late("understanding_employees")),
    Check("S6", "overload, feedback 0 -> 0.5", "-", dict(feedback=0.0), dict(feedback=0.5), late("overload")),
    Check("S7", "initiative failure rate, typical -> enabled organisation", "-", {}, ENABLED, failure_rate),
    Check("S8", "belief alignment, doubling broadcasts -> enabling the middle", "+",
          dict(broadcast_interval=6.5), ENABLED, late("alignment")),
    Statistic("S9", f"week at which the mean adoption rate peaks (no pivots), minus {PEAK_AFTER}", "+",
              (NO_PIVOTS,), _peak_after, seeds=SLOW_SEEDS),
    Check("S10", "people in burnout, base load 0.3 -> 0.7", "+", dict(base_load=0.3), dict(base_load=0.7),
          late("burnout")),
    Check("S11", "work alignment, KPI alignment 1.0 -> 0.2 (no reviews)", "-",
          dict(kpi_alignment=1.0, review_interval=0.0), dict(kpi_alignment=0.2, review_interval=0.0),
          late("action_alignment")),
    Check("S12", "illusion gap, feedback 0 -> 0.5", "-", dict(feedback=0.0), dict(feedback=0.5),
          late("illusion_gap")),
    Check("S13", "front-line belief alignment, translation noise 0.3 -> 0.9", "-",
          dict(translation_noise=0.3), dict(translation_noise=0.9), late("alignment_employees")),
    Check("S14", f"support at the end, champion share {CHAMPIONS[0]:g} -> {CHAMPIONS[-1]:g} (no pivots)", "+",
          dict(NO_PIVOTS, champion_share=CHAMPIONS[0]), dict(NO_PIVOTS, champion_share=CHAMPIONS[-1]), sustained,
          seeds=SLOW_SEEDS),
)
BY_KEY = {c.key: c for c in CHECKS}
# Which of each pattern's effects in docs/VALIDATION.md its check screens.
WHICH = {"S1": "1st of 2", "S2": "2nd of 3 (1st: fatigue)", "S3": "1st of 2", "S4": "1 of 1", "S5": "1st of 2",
         "S6": "2nd of 2 (1st: spread of alignment across teams)", "S7": "1 of 1", "S8": "1 of 1",
         "S9": "its statistic, as a point value (no bootstrap interval)", "S10": "1st of 3", "S11": "1st of 3",
         "S12": "3rd of 3, reported there and not counted (1st: clarity gap)", "S13": "2nd of 11",
         "S14": "the rise that its 1st statistic (the share of organisations that tip) asks of each "
                "organisation, averaged over the seeds"}


def design(r: int = R, levels: int = LEVELS, parameters=None) -> tuple[np.ndarray, pd.DataFrame]:
    """The Morris design: (unit-cube points, the points in parameter values), ``r`` trajectories."""
    names = list(parameters or BEHAVIOURAL)
    rng = np.random.default_rng(np.random.SeedSequence(DESIGN_SEED))
    unit = salib_morris.sample(problem(names), r, num_levels=levels, seed=rng)
    span = ranges()
    values = pd.DataFrame({n: _scale(n, Range(low=span[n][0], high=span[n][1]), unit[:, j])
                           for j, n in enumerate(names)})
    values.index.name = "point"
    return unit, values


def robustness_map(r: int = R, reps: int = REPS, jobs: int = 2, progress=None, patterns=None,
                   org: dict | None = None, weeks: int = WEEKS, levels: int = LEVELS,
                   parameters=None, batch: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Morris indices of each pattern's effect over the behavioural parameters (``parameters``, by
    default all of ``BEHAVIOURAL``), and the share of design points where each effect has its expected
    sign. ``progress(done, total)`` is called after each batch of design points.

    Returns (indices: pattern, parameter, mu_star, sigma, range_low, range_high, mu, mu_star_conf;
    holds: pattern, share_expected_sign, points, effect, expected, median_effect, seed_sd: the mean
    over the points of the paired differences' standard deviation over the seeds)."""
    checks = [BY_KEY[k] for k in (patterns or BY_KEY)]
    names = list(parameters or BEHAVIOURAL)
    org = dict(ORG if org is None else org)
    unit, values = design(r, levels, names)
    n = len(values)
    effects = {c.key: np.empty(n) for c in checks}
    spread = {c.key: np.empty(n) for c in checks}  # sd of the paired differences over the seeds
    lab = Lab(VALIDATION_ROOT, jobs, batch)
    try:
        for start in range(0, n, BATCH):
            rows = range(start, min(start + BATCH, n))
            points = [{**org, **{k: float(v) for k, v in values.iloc[i].items()}} for i in rows]
            # every run of the batch at once, on the pool, in ensembles (the Lab's)
            for k in sorted({ch.reps(reps) for ch in checks}, reverse=True):
                lab.runs([{**p, **c} for p in points for ch in checks if ch.reps(reps) == k
                          for c in ch.conditions], k, weeks)
            for i, p in zip(rows, points):
                for ch in checks:
                    effects[ch.key][i], spread[ch.key][i] = ch.effect(lab, p, reps, weeks)
            lab.forget()  # each point's runs are used once: keep memory flat
            if progress:
                progress(rows[-1] + 1, n)
    finally:
        lab.close()
    span = ranges()
    tables, holds = [], []
    for ch in checks:
        y = effects[ch.key]
        if np.isnan(y).any() or np.ptp(y) == 0:
            s = pd.DataFrame({"parameter": names, "mu_star": np.nan, "mu_star_conf": np.nan, "mu": np.nan,
                              "sigma": np.nan})
        else:
            s = _indices("morris", {"levels": levels}, names, unit, y, ch.key).drop(columns="metric")
        s.insert(0, "pattern", ch.key)
        s["range_low"] = [span[p][0] for p in names]
        s["range_high"] = [span[p][1] for p in names]
        tables.append(s[["pattern", "parameter", "mu_star", "sigma", "range_low", "range_high", "mu",
                         "mu_star_conf"]])
        right = y < 0 if ch.expected == "-" else y > 0
        holds.append({"pattern": ch.key, "share_expected_sign": float(right.mean()), "points": n,
                      "effect": ch.label, "expected": ch.expected, "median_effect": float(np.median(y)),
                      "seed_sd": float(np.mean(spread[ch.key])), "seeds": ch.reps(reps),
                      "validation_effect": WHICH[ch.key]})
    runs_per_point: dict[tuple, int] = {}  # (the largest number of seeds a condition is run on)
    for ch in checks:
        for c in ch.conditions:
            key = condition({**org, **c})
            runs_per_point[key] = max(runs_per_point.get(key, 0), ch.reps(reps))
    indices = pd.concat(tables, ignore_index=True)
    holds_table = pd.DataFrame(holds)
    settings = dict(r=r, reps=reps, weeks=weeks, levels=levels, org=org, points=n,
                    runs=n * sum(runs_per_point.values()),
                    parameters=len(names), root=VALIDATION_ROOT)
    indices.attrs["settings"] = holds_table.attrs["settings"] = settings
    return indices, holds_table


# --------------------------------------------------------------------------- the report

TOP = 15


def figure(indices: pd.DataFrame, holds: pd.DataFrame, top: int = TOP):
    """Heatmap of mu* normalised per pattern (rows: patterns; columns: the ``top`` parameters by
    their largest normalised mu*)."""
    from .report import plt  # report chooses the backend

    table = indices.pivot(index="pattern", columns="parameter", values="mu_star")
    table = table.reindex([p for p in holds["pattern"] if p in table.index])
    norm = table.div(table.max(axis=1), axis=0)
    columns = norm.max(axis=0).sort_values(ascending=False).index[:top]
    norm = norm[columns]
    fig, ax = plt.subplots(figsize=(0.62 * len(columns) + 6.0, 0.55 * len(norm) + 2.4))
    im = ax.imshow(norm.to_numpy(dtype=float), cmap="Reds", vmin=0, vmax=1, aspect="auto")
    h = holds.set_index("pattern")
    ax.set_yticks(range(len(norm)), [f"{k} {h.loc[k, 'effect'].split(',')[0]} ({h.loc[k, 'share_expected_sign']:.0%} hold)"
                                     for k in norm.index], fontsize=9)
    ax.set_xticks(range(len(columns)), columns, rotation=50, ha="right", fontsize=9)
    for (i, j), v in np.ndenumerate(norm.to_numpy(dtype=float)):
        if not math.isnan(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if v > 0.6 else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label="mu* / largest mu* of the pattern")
    ax.set_title("Which parameters can break which pattern: Morris mu*, normalised per pattern\n"
                 "(rows: pattern, with the share of the screened space where its effect has the expected sign)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def _g(x: float) -> str:
    return "n/a" if x != x else f"{x:.3g}"


def markdown(indices: pd.DataFrame, holds: pd.DataFrame, image: str = "images/validation/robustness.png") -> str:
    """The section "## Robustness map": what was done, the holds table, the three parameters that can
    most break each pattern, the figure."""
    s = indices.attrs.get("settings", {})
    org = s.get("org", ORG)
    span = ranges()
    capped = ", ".join(f"{n} {span[n][0]:g}-{span[n][1]:g}" for n in CAPS if n in span)
    lines = [
        "## Robustness map", "",
        f"A Morris screening (elementary effects, SALib through `sim.sweep`) over the {s.get('parameters', len(BEHAVIOURAL))} "
        "behavioural parameters: every parameter that is not structural, not a choice and not a lever the "
        "patterns vary. Each is screened over a plausible band around its default, within its documented "
        f"range: its default halved to doubled ({BAND[0]:g}x to {BAND[1]:g}x), except for these, set by "
        f"hand: {capped}. The documented ranges are what the model accepts, not what is plausible: "
        "screened jointly over them, most design points were a frozen organisation (beliefs never moving "
        "from their start: habit up to a full pull back each week, overload from loads of up to 1 each), "
        "where every pattern's effect is zero. The range of every parameter is in `docs/robustness.csv` "
        "(range_low, range_high).", "",
        f"- **Design.** {s.get('r', '?')} trajectories, {s.get('levels', '?')} levels: {s.get('points', '?')} "
        f"design points (seed {DESIGN_SEED}).",
        f"- **Runs.** Organisation: {org.get('executives')} executive(s), {org.get('layers')} management layers, "
        f"span {org.get('span')}; {s.get('weeks', '?')} weeks; outputs averaged over the second half of the run. "
        f"At each point each pattern's effect is the mean paired difference (both conditions on the same "
        f"{s.get('reps', '?')} seed(s) of the validation root `{s.get('root', VALIDATION_ROOT)}`) with the "
        f"point's parameter values in both conditions: {s.get('runs', '?')} runs in all (in ensembles, "
        "`sim.engine`: each run as it would be alone, to about 1e-12).",
        "- **Every stylized fact, one effect each**: the same comparison as its test in docs/VALIDATION.md "
        "(the column 'in VALIDATION.md' says which of its effects). Three differ in form. **S1** compares "
        f"organisations of {DEEP['executives']} executives and span {DEEP['span']} with 2 and 4 management "
        "layers (as its validation test), not the organisation above. **S9** is its validation statistic, "
        "the week at which the rise of the adoption curve averaged over the seeds peaks, as a point value "
        f"less the week it must pass ({PEAK_AFTER}): it holds when positive. **S14**'s tipping statistics "
        f"need {len(CHAMPIONS)} champion shares and many organisations per point; screened instead is the "
        f"rise of the share supporting the change at the end from champion share {CHAMPIONS[0]:g} to "
        f"{CHAMPIONS[-1]:g}, per organisation, averaged over the seeds: it holds when positive. An "
        "organisation can tip only where its outcome rises; in most, the change dies, or lasts, whatever the "
        "champions (a rise near 0), so the mean is carried by those that tip. S9 and S14 rest on a few "
        "organisations each, so they "
        f"take {SLOW_SEEDS} seeds (column 'seeds'); the other patterns {s.get('reps', '?')}.",
        "- **mu\\*** is the mean absolute change of the effect when the parameter moves across its whole "
        "range (the effect's own units); **sigma** its spread (interactions, non-linearity); **mu** its signed "
        "mean. Every point uses the same seeds (common random numbers), so an elementary effect compares two "
        "points on the same random numbers.",
        "- **Holds** is the share of design points where the effect has the expected sign. Each point's effect "
        f"is a point estimate from {s.get('reps', 'a few')} seed(s), not a test: where the effect is small "
        "against its spread over the seeds (the last column, when there are several seeds) a point can land on "
        "either side, so the share is itself noisy and pulled toward 50% where the effect is weak. "
        "docs/VALIDATION.md tests each pattern at the defaults with enough seeds."
        + (" **With so few seeds the shares are biased, not only noisy:** every point shares the same random "
           "history (common random numbers), so a share describes that history (for instance when its pivots "
           "fall), not an average over histories; patterns whose effect varies most from seed to seed (S2, S4, "
           "S11) are the most affected." if s.get("reps", REPS) < REPS else ""), "",
        "| pattern | effect | in VALIDATION.md | expected | seeds | holds (share of points) | median effect "
        "| sd over seeds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, h in holds.iterrows():
        lines.append(f"| {h['pattern']} | {h['effect']} | {h['validation_effect']} | {h['expected']} | "
                     f"{h['seeds']} | {h['share_expected_sign']:.0%} of {h['points']} | {_g(h['median_effect'])} "
                     f"| {_g(h['seed_sd'])} |")
    if s and (s["r"] < R or s["reps"] < REPS or s["weeks"] < WEEKS):
        lines += ["", f"**Reduced run.** These settings (r = {s['r']}, {s['reps']} seed(s), {s['weeks']} weeks) "
                      f"are below the full map's (r = {R}, {REPS} seeds, {WEEKS} weeks), to keep the run to about "
                      "half an hour on 2 cores: the ranking of the leading parameters is the robust part; the "
                      f"exact values and shares are rough. `cascade robustness --r {R} --reps {REPS}` gives the "
                      f"full map (about {R * REPS * WEEKS / (s['r'] * s['reps'] * s['weeks']):.1f} times the computing time)."]
    lines += ["", "The three parameters that can most break each pattern (largest mu\\*; mu\\* relative to "
                  "the median effect; the direction in which a rise of the parameter pushes the effect):", ""]
    for _, h in holds.iterrows():
        sub = indices[indices["pattern"] == h["pattern"]].sort_values("mu_star", ascending=False).head(3)
        parts = []
        for _, row in sub.iterrows():
            if row["mu_star"] != row["mu_star"]:
                continue
            ratio = abs(row["mu_star"] / h["median_effect"]) if h["median_effect"] else float("nan")
            toward = (row["mu"] > 0) == (h["expected"] == "-")  # a rise pushes toward the wrong sign
            parts.append(f"`{row['parameter']}` ({row['range_low']:g}-{row['range_high']:g}): mu\\* "
                         f"{_g(row['mu_star'])} ({_g(ratio)} x the median effect), sigma {_g(row['sigma'])}; "
                         f"raising it {'weakens' if toward else 'strengthens'} the effect")
        lines.append(f"- **{h['pattern']}** ({h['effect']}): " + ("; ".join(parts) if parts else "no indices "
                     "(the effect was the same at every point)") + ".")
    lines += ["", f"![robustness map]({image})", ""]
    return "\n".join(lines)


def write(directory: str | Path = "docs", r: int = R, reps: int = REPS, jobs: int = 2, progress=None,
          **kwargs) -> str:
    """Run the map; write ``robustness.csv`` (the indices), ``robustness_holds.csv`` and
    ``images/validation/robustness.png`` under ``directory``; return the Markdown section."""
    directory = Path(directory)
    images = directory / "images" / "validation"
    images.mkdir(parents=True, exist_ok=True)
    indices, holds = robustness_map(r, reps, jobs, progress, **kwargs)
    indices.to_csv(directory / "robustness.csv", index=False)
    holds.to_csv(directory / "robustness_holds.csv", index=False)
    from .report import plt

    fig = figure(indices, holds)
    fig.savefig(images / "robustness.png", dpi=110)
    plt.close(fig)
    return markdown(indices, holds)


__all__ = ["BEHAVIOURAL", "CAPS", "CHECKS", "ranges", "design", "robustness_map", "figure", "markdown", "write"]
