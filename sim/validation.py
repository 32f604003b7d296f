"""Pattern-oriented validation (MODEL.md 7 and 10.6): stylized facts S1-S14, survey figures E1-E6.

Honest by construction of the procedure, not of the results:

- Two seed roots. The defaults were tuned on ``CALIBRATION_ROOT`` (docs/TRACE.md); every test and
  docs/VALIDATION.md use ``VALIDATION_ROOT``, which no tuning ever saw.
- Each effect is a paired comparison (common random numbers: both conditions share each seed) of
  an output averaged over the second year. Its number of seeds comes from a power calculation on a
  pilot of ``PILOT`` seeds: enough for a 95% interval whose half-width is at most half the effect
  (between ``MIN_REPS`` and ``MAX_REPS``); an effect that would need more is reported as
  underpowered. It holds when its 95% interval excludes zero in the expected direction.
- A negative control for each stylized fact: the same comparison with the mechanism switched off.
  The control passes when the effect is gone (its interval no longer excludes zero in the expected
  direction).
- Holm-adjusted p-values (paired t-tests) beside the intervals, for the family of main effects.
- Survey figures with 95% intervals against stated bands and their sources.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from . import parallel
from .geometry import CAN_STATE, chance_rate
from .engine import batch_size, ensembles, member_kwargs, run_ensemble
from .model import OrgModel
from .org import people
from .params import DEFAULTS, validate

VALIDATION_ROOT = 20261202  # tests and docs/VALIDATION.md
CALIBRATION_ROOT = 11111  # the defaults were tuned on these seeds (docs/TRACE.md); never validated on
ORG = dict(executives=1, layers=2, span=8)  # 585 people, Gallup's typical span
DEEP = dict(executives=2, span=4)  # S1 varies the layers: a narrow span keeps 4 layers small
WEEKS = 104
SECOND_YEAR = slice(53, None)
PILOT, MIN_REPS, MAX_REPS = 8, 12, 512
# Survey figures: seeds per condition from a pilot, for a 95% half-width of at most a quarter of the
# band's half-width (at least MIN_FIGURE_REPS): a value whose mean lies inside its band by more than
# that margin is found inside.
FIGURE_PILOT, MIN_FIGURE_REPS, FIGURE_PRECISION = 32, 96, 4
CHANCE = chance_rate(DEFAULTS["n_goals"], CAN_STATE)  # a random mix's chance of 'can state' (1.2%)
CONTROL_SHARE = 0.2  # a negative control's remaining effect counts as gone below this share of the effect

ENABLED = dict(role_clarity=0.8, capability=0.7, capability_investment=0.01, leadership_alignment=1.0,
               leadership_consistency=0.8, feedback=0.5, change_rewards=0.5, dialogue=0.3)
# Feedback that informs the executives and changes nothing else: no answers, alarms or trust gain.
INFORM_ONLY = dict(eta_fb=0.0, overload_alarm=2.0, feedback_trust_gain=0.0, rationale_step=0.0)


def seeds(reps: int, root: int = VALIDATION_ROOT) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(root).spawn(reps)


_DEFAULT = object()


def condition(params: dict) -> tuple:
    """A run's parameters as ``Lab`` keeps them: ``ORG`` with ``params`` on top, less the values that
    are the defaults (so one condition written in two ways is one run), as sorted items."""
    return tuple(sorted((k, v) for k, v in {**ORG, **params}.items() if v != DEFAULTS.get(k, _DEFAULT)))


def _ensemble(task) -> list[pd.DataFrame]:
    """Runs that share an ensemble (``sim.engine``; ``stacked`` False: one run, as ``OrgModel``
    runs it): each (seed, parameters)'s time series."""
    seed_seqs, weeks, conditions, stacked = task
    if not stacked:
        return [OrgModel(rng=np.random.default_rng(s), **c).run(weeks) for s, c in zip(seed_seqs, conditions)]
    return run_ensemble([np.random.default_rng(s) for s in seed_seqs], weeks, stacked=True,
                        **member_kwargs(conditions))


class Lab:
    """Runs simulations for the experiments: on ``jobs`` processes, each (seed, weeks, parameters)
    once (conditions shared by several patterns, or written in two ways, are not rerun).

    ``batch``: runs advanced together as one ensemble (``sim.engine``: runs of the same length whose
    parameters differ only in ``VARYING``, whatever their seeds; default: as many as make about
    ``BATCH_PEOPLE`` people, fewer where that keeps every process busy); 1 runs each alone, exactly
    as ``OrgModel`` does. Every run draws from its own seed's streams, so its results do not depend
    on the jobs, on the other runs asked for, or on which of them share its ensemble; they agree
    with ``batch=1`` to rounding (about 1e-12)."""

    def __init__(self, root: int = VALIDATION_ROOT, jobs: int | None = None, batch: int | None = None):
        self.root, self.jobs = root, jobs or min(2, os.cpu_count() or 1)
        self.batch = batch if batch is None else batch_size(1, batch)  # (checks it)
        self._cache: dict = {}
        self._pool = None

    def runs(self, conditions: list[dict], reps: int, weeks: int = WEEKS) -> list[list[pd.DataFrame]]:
        """For each condition, its runs on the first ``reps`` seeds of the root."""
        ss = seeds(reps, self.root)
        keys = [[(i, weeks, condition(c)) for i in range(reps)] for c in conditions]
        todo = sorted({k for ks in keys for k in ks if k not in self._cache}, key=str)
        groups = self._ensembles(todo)
        tasks = [([ss[todo[j][0]] for j in g], todo[g[0]][1], [dict(todo[j][2]) for j in g], self.batch != 1)
                 for g in groups]
        if self.jobs > 1 and len(tasks) > 1:
            if self._pool is None:
                # forkserver (sim.parallel): forking a process that already runs threads may deadlock;
                # workers never import the caller's main module and exit with their parent
                self._pool = ProcessPoolExecutor(self.jobs, mp_context=parallel.context(["sim.validation"]),
                                                 initializer=parallel.worker_init, initargs=(os.getpid(),))
            results = list(self._pool.map(_ensemble, tasks))
        else:
            results = [_ensemble(t) for t in tasks]
        for g, series in zip(groups, results):
            self._cache.update((todo[j], ts) for j, ts in zip(g, series))
        return [[self._cache[k] for k in ks] for ks in keys]

    def _ensembles(self, todo: list[tuple]) -> list[list[int]]:
        """The runs to do (indices into ``todo``) in ensembles, the largest first (to keep every
        process busy to the end)."""
        if self.batch == 1:
            return [[j] for j in range(len(todo))]
        most = math.ceil(len(todo) / self.jobs)  # enough ensembles for every process
        out = []
        # (the length of a run counts as a parameter: an ensemble's runs are of one length)
        for group in ensembles([{**dict(items), "weeks": w} for _, w, items in todo], len(todo)):
            size = max(1, min(most, batch_size(people(validate(**dict(todo[group[0]][2]))), self.batch)))
            out += [group[i:i + size] for i in range(0, len(group), size)]
        return sorted(out, key=lambda g: -len(g) * people(validate(**dict(todo[g[0]][2]))))

    def forget(self) -> None:
        """Drop the runs kept so far (a caller that uses each run once keeps memory flat)."""
        self._cache.clear()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self.forget()


def second_year(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda ts: float(ts[column].iloc[SECOND_YEAR].mean())


def failure_rate(ts: pd.DataFrame) -> float:
    last = ts.iloc[-1]
    ended = last["initiatives_failed"] + last["initiatives_succeeded"]
    return float(last["initiatives_failed"] / ended) if ended else 0.0


def weeks_to_adoption(ts: pd.DataFrame, share: float = 0.5) -> float:
    reached = np.flatnonzero(ts["adoption"].to_numpy() >= share)
    return float(reached[0]) if len(reached) else float(len(ts))


def front_line(column: str) -> Callable[[pd.DataFrame], float]:
    """A by-level column at the front line (the deepest level), averaged over the second year."""
    def how(ts):
        levels = sorted(int(c.rsplit("_", 1)[1]) for c in ts.columns if c.startswith(column + "_")
                        and c.rsplit("_", 1)[1].isdigit())
        return float(ts[f"{column}_{levels[-1]}"].iloc[SECOND_YEAR].mean())
    return how


@dataclass
class Effect:
    """Mean paired difference (condition b minus condition a) with its 95% interval."""

    label: str
    expected: str  # "+" or "-"
    diffs: np.ndarray
    a: np.ndarray
    b: np.ndarray
    needed: int = 0  # seeds the power calculation asked for (0: not computed)
    control: Effect | None = None  # the same comparison with the mechanism switched off
    control_label: str = ""
    p_holm: float = float("nan")

    @property
    def mean(self) -> float:
        return float(self.diffs.mean())

    @property
    def half_width(self) -> float:
        n = len(self.diffs)
        return float(stats.t.ppf(0.975, n - 1) * self.diffs.std(ddof=1) / np.sqrt(n))

    @property
    def interval(self) -> tuple[float, float]:
        return self.mean - self.half_width, self.mean + self.half_width

    @property
    def p_value(self) -> float:
        if np.all(self.diffs == self.diffs[0]):
            return 0.0 if self.diffs[0] != 0 else 1.0
        return float(stats.ttest_1samp(self.diffs, 0.0).pvalue)

    @property
    def underpowered(self) -> bool:
        return self.half_width > abs(self.mean) / 2

    @property
    def holds(self) -> bool:
        lo, hi = self.interval
        return lo > 0 if self.expected == "+" else hi < 0

    @property
    def control_passes(self) -> bool:
        """The effect is gone with its mechanism off: the control's interval no longer excludes zero
        in the expected direction, or what remains is below ``CONTROL_SHARE`` of the effect."""
        if self.control is None:
            return True
        c = self.control
        return not c.holds or abs(c.mean) < CONTROL_SHARE * abs(self.mean)

    def row(self) -> dict:
        lo, hi = self.interval
        return {"effect": self.label, "expected": self.expected, "a": float(self.a.mean()),
                "b": float(self.b.mean()), "difference": self.mean, "low": lo, "high": hi,
                "seeds": len(self.diffs), "p_holm": self.p_holm, "holds": self.holds}


def seeds_needed(diffs: np.ndarray) -> int:
    """Seeds for a 95% half-width of at most half the mean difference (power calculation on a pilot)."""
    mean, sd = abs(float(np.mean(diffs))), float(np.std(diffs, ddof=1))
    if sd == 0:
        return MIN_REPS
    if mean == 0:
        return MAX_REPS + 1
    n = MIN_REPS
    while n <= MAX_REPS and stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) > mean / 2:
        n += 1
    return n


def paired(lab: Lab, label: str, expected: str, a: dict, b: dict, how: Callable,
           control: dict | None = None, control_label: str = "", reps: int | None = None,
           weeks: int = WEEKS) -> Effect:
    """The effect of going from condition a to b on ``how(ts)``, with its seeds from a power
    calculation (unless ``reps`` is given), and its negative control (``control`` applied to both)."""
    def effect(a, b, n):
        ra, rb = lab.runs([a, b], n, weeks)
        va = np.array([how(ts) for ts in ra], dtype=float)
        vb = np.array([how(ts) for ts in rb], dtype=float)
        return va, vb

    needed = 0
    if reps is None:
        va, vb = effect(a, b, PILOT)
        needed = seeds_needed(vb - va)
        reps = min(max(needed, MIN_REPS), MAX_REPS)
    va, vb = effect(a, b, reps)
    out = Effect(label, expected, vb - va, va, vb, needed)
    if control is not None:
        ca, cb = effect({**a, **control}, {**b, **control}, reps)
        out.control, out.control_label = Effect(label, expected, cb - ca, ca, cb), control_label
    return out


@dataclass
class Pattern:
    key: str
    title: str
    effects: list[Effect] = field(default_factory=list)
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)  # for the figure
    column: str | None = None  # the time series the figure shows
    note: str = ""

    @property
    def holds(self) -> bool:
        return all(e.holds and e.control_passes for i, e in enumerate(self.effects)
                   if (self.key, i) not in UNCOUNTED)


def mean_curves(lab: Lab, conditions: dict[str, dict], reps: int = MIN_REPS) -> dict[str, pd.DataFrame]:
    runs = lab.runs(list(conditions.values()), reps)
    return {label: pd.concat(r).groupby(level=0).mean() for label, r in zip(conditions, runs)}


# --- The stylized facts. Each names its mechanism's negative control.

def s1(lab):
    # A perfect relay: no noise, nothing to unlearn (no pivots, habit or defenders), every message
    # heard in full and carrying the whole why: each hop then loses nothing, and depth costs nothing.
    off = dict(translation_noise=0.0, pivot_interval=0.0, phi_h=0.0, defender_share=0.0, eta=1.0,
               authority_weight=1.0, m_listen=0.0, rationale=1.0, gamma_u=1.0, leadership_consistency=1.0,
               trust_offset_spread=0.0)
    label = "a perfect relay (no noise, pivots, habit or defenders; messages heard in full, with the why)"
    two, four = dict(DEEP, layers=2), dict(DEEP, layers=4)
    return Pattern("S1", "More management layers -> lower front-line alignment", [
        paired(lab, "front-line belief alignment", "-", two, four, second_year("alignment_employees"), off, label),
        paired(lab, "front-line understanding", "-", two, four, second_year("understanding_employees"), off, label),
    ], mean_curves(lab, {"2 layers": two, "4 layers": four}), "alignment_employees")


def s2(lab):
    slow, fast = dict(pivot_interval=52), dict(pivot_interval=8)
    off = dict(pivot_magnitude=0.0, a_pivot=0.0, tau_pivot_loss=0.0, m_pivot_loss=0.0, u_pivot_loss=0.0,
               conf_pivot_loss=0.0, k_fail=0.0)
    label = "pivots without shocks (no move of the strategy, no fatigue, no losses)"
    return Pattern("S2", "Shorter pivot interval -> more fatigue, less alignment, more failures", [
        paired(lab, "fatigue", "+", slow, fast, second_year("fatigue"), off, label),
        paired(lab, "belief alignment", "-", slow, fast, second_year("alignment"), off, label),
        paired(lab, "failure rate", "+", slow, fast, failure_rate,
               dict(initiative_deadline=520.0, theta=0.99, pivot_schedule="fixed"),
               "no initiative can end but by a pivot (at fixed intervals)"),
    ], mean_curves(lab, {"pivot every 52 weeks": slow, "every 8 weeks": fast}), "alignment",
        "The failure rate's control leaves initiatives no way to end but a pivot: then both conditions "
        "fail every initiative that ends, and the difference must vanish.")


def s3(lab):
    low, high = dict(role_clarity=0.3), dict(role_clarity=0.8)
    off, label = dict(escalation_load=0.0), "role ambiguity escalates no work (escalation_load 0)"
    return Pattern("S3", "Higher role clarity -> less overload, more alignment", [
        paired(lab, "overload", "-", low, high, second_year("overload"), off, label),
        paired(lab, "belief alignment", "+", low, high, second_year("alignment"), off, label),
    ], mean_curves(lab, {"role clarity 0.3": low, "0.8": high}), "overload")


def s4(lab):
    low, high = dict(champion_selection="low_credibility"), dict(champion_selection="high_credibility")
    return Pattern("S4", "Credible champions -> adoption reaches 50% sooner", [
        paired(lab, "weeks to 50% adoption", "-", low, high, weeks_to_adoption,
               dict(credibility_spread=0.0), "everyone equally credible (credibility_spread 0)"),
    ], mean_curves(lab, {"least credible champions": low, "most credible": high}), "adoption")


def broadcast_gains(ts: pd.DataFrame) -> tuple[float, float]:
    a = ts["alignment"].to_numpy()
    return a[1] - a[0], a[9] - a[8]


def s5(lab):
    dialogue, broadcast = dict(communication="cascade", dialogue=0.8), dict(communication="broadcast")
    main = paired(lab, "front-line understanding", "-", dialogue, broadcast,
                  second_year("understanding_employees"), dict(rationale=0.0, dialogue=0.0),
                  "no message carries the why (rationale 0, no dialogue)")
    # Diminishing returns: (second broadcast's gain - first's) with noise fatigue, minus the same
    # without it (nu = 1): a difference in differences, so the habit pull and the shrinking gap left
    # to close (which also slow later gains) cancel out.
    repeat = dict(communication="broadcast", pivot_interval=0.0, broadcast_interval=8.0)
    fresh = dict(repeat, nu=1.0, a_repeat=0.0)

    def slowdown(ts):
        g1, g2 = broadcast_gains(ts)
        return g2 - g1
    did = paired(lab, "second broadcast's gain minus the first's, against no noise fatigue", "-",
                 fresh, repeat, slowdown, reps=None, weeks=12)
    return Pattern("S5", "Broadcast only -> less front-line understanding than a cascade with dialogue; "
                         "repeated broadcasts give diminishing returns", [main, did],
                   mean_curves(lab, {"cascade with dialogue": dialogue, "broadcast only": broadcast}),
                   "understanding_employees",
                   "The diminishing-returns effect is itself a comparison against its control (nu = 1).")


def s6(lab):
    none, some = dict(feedback=0.0), dict(feedback=0.5)
    off = dict(INFORM_ONLY, feedback_load=0.0)
    label = "feedback heard but not acted on (no answers, no alarms, no cost)"
    return Pattern("S6", "Two-way feedback -> less distortion and less overload", [
        paired(lab, "spread of alignment across teams", "-", none, some, second_year("team_alignment_sd"),
               off, label),
        paired(lab, "overload", "-", none, some, second_year("overload"), off, label),
    ], mean_curves(lab, {"no feedback": none, "feedback 0.5": some}), "team_alignment_sd")


def s7(lab):
    return Pattern("S7", "An enabled organisation fails far fewer initiatives than a typical one", [
        paired(lab, "failure rate", "-", {}, ENABLED, failure_rate, dict(theta=0.99),
               "no work counts as progress (theta 0.99)"),
    ], mean_curves(lab, {"typical": {}, "enabled": ENABLED}), "initiative_progress",
        "The 50-90% band of a typical organisation is E4.")


def s8(lab):
    how = second_year("alignment")
    louder = dict(broadcast_interval=6.5)
    # Both contrasts on the same seeds: (enabled - typical) - (louder - typical) = enabled - louder.
    main = paired(lab, "enabling the middle minus doubling broadcasts", "+", louder, ENABLED, how,
                  dict(eta=0.0, dialogue=0.0, feedback=0.0), "the cascade moves no beliefs (eta 0)")
    return Pattern("S8", "Enabling the middle raises alignment more than doubling broadcasts", [main],
                   mean_curves(lab, {"typical": {}, "enabled": ENABLED, "broadcasts doubled": louder}),
                   "alignment")


def peak_week(curves: np.ndarray, smooth: int = 3) -> float:
    """Week at which the mean weekly rise of the curves (rows: replications) peaks, after a
    centred moving average of ``smooth`` weeks."""
    rise = np.diff(np.asarray(curves, dtype=float).mean(axis=0))
    kernel = np.ones(smooth) / smooth
    return float(np.argmax(np.convolve(rise, kernel, mode="same")))


def s_shape(curves: np.ndarray, after: int = 4, resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """S9's statistic: the peak week of the mean adoption rate and its bootstrap 95% interval over
    replications. A concave (saturating) curve peaks at once and fails ``low > after``."""
    curves = np.asarray(curves, dtype=float)
    rng = np.random.default_rng(seed)
    boot = [peak_week(curves[rng.integers(0, len(curves), len(curves))]) for _ in range(resamples)]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return peak_week(curves), float(lo), float(hi)


@dataclass
class Statistic:
    """A pattern's statistic that is not a paired difference (S9, S14)."""

    label: str
    value: float
    low: float
    high: float
    holds: bool
    rule: str
    control_value: float | None = None
    control_holds: bool | None = None
    control_label: str = ""
    seeds: int = 0  # replications (organisations) the statistic is computed from

    @property
    def control_passes(self) -> bool:
        return self.control_holds is None or not self.control_holds

    def row(self) -> dict:
        return {"effect": self.label, "expected": self.rule, "a": float("nan"), "b": float("nan"),
                "difference": self.value, "low": self.low, "high": self.high, "seeds": self.seeds,
                "p_holm": float("nan"), "holds": self.holds}


NO_RESULTS_LOOP = dict(k_win=0.0, k_fail=0.0, k_pace=0.0)  # S14's control
# Every way adoption feeds on itself or on what people learn, switched off (S9's control).
INDEPENDENT_ADOPTION = dict(q_imit=0.0, w_c=0.0, eta_m=0.0, beta_m=0.0, **NO_RESULTS_LOOP)


PEAK_AFTER = 4  # S9: the adoption rate must peak later than this week


def s9(lab, reps: int = 24, after: int = PEAK_AFTER):
    def stat(params):
        runs = lab.runs([params], reps)[0]
        return np.array([ts["adoption"].to_numpy() for ts in runs])
    base = dict(pivot_interval=0.0)
    value, lo, hi = s_shape(stat(base))
    off = {**base, **INDEPENDENT_ADOPTION}
    cvalue, clo, _ = s_shape(stat(off))
    st = Statistic("week at which the mean adoption rate peaks", value, lo, hi, lo > after,
                   f"> {after}", cvalue, clo > after,
                   "independent adoption only (q_imit, w_c, eta_m, beta_m, k_win, k_fail, k_pace 0): no acceleration",
                   seeds=reps)
    return Pattern("S9", "Adoption among managers is S-shaped (the adoption rate peaks after the start)",
                   [st], mean_curves(lab, {"no pivots": base, "independent adoption only": off}), "adoption",
                   "Four mechanisms accelerate adoption: imitation of peers, commitment passed on by bosses "
                   "and peers, the growth of understanding and alignment that content-driven adoption "
                   "responds to, and the results loop; the control removes them all, leaving the "
                   "innovation hazard (which still drifts with trust).")


NOISE_DOSES = (0.0, 0.3, 0.9, 1.5)


def managers(column: str) -> Callable[[pd.DataFrame], float]:
    """A by-level column over the middle-management layers of ``ORG`` (each layer weighted by its
    size), averaged over the second year."""
    sizes = np.array([ORG["executives"] * ORG["span"] ** d for d in range(1, ORG["layers"] + 1)], dtype=float)

    def how(ts):
        layers = np.array([ts[f"{column}_{d}"].iloc[SECOND_YEAR].mean() for d in range(1, ORG["layers"] + 1)])
        return float(layers @ sizes / sizes.sum())
    return how


def s13(lab):
    off = dict(eta=0.0, c_b=0.0)
    label = "messages move no beliefs (eta 0, broadcasts without frames)"
    effects = []
    for what, how in (("front-line belief alignment", second_year("alignment_employees")),
                      ("front-line work alignment", second_year("action_alignment")),
                      ("managers' share who can state the strategy", managers("can_state"))):
        for lo, hi in zip(NOISE_DOSES[:-1], NOISE_DOSES[1:]):
            effects.append(paired(lab, f"{what}, noise {lo:g} -> {hi:g}", "-", dict(translation_noise=lo),
                                  dict(translation_noise=hi), how, off, label))
    # The front line's share sits near its chance rate (E1): reported, not counted.
    effects.append(paired(lab, f"front-line share who can state the strategy, noise {NOISE_DOSES[0]:g} -> "
                               f"{NOISE_DOSES[1]:g} (near its chance rate {CHANCE:.1%})", "-",
                          dict(translation_noise=NOISE_DOSES[0]), dict(translation_noise=NOISE_DOSES[1]),
                          front_line("can_state"), off, label))

    # The fall grows with depth: the noise effect at the front line (three hops down) minus the effect
    # at the top layer (one hop), at the first dose (further on, or deeper, the front line is near
    # chance and has little left to lose).
    a, b = (dict(translation_noise=d) for d in NOISE_DOSES[:2])

    def depth_gap(ts):
        return front_line("alignment")(ts) - second_year("alignment_1")(ts)
    effects.append(paired(lab, f"front line minus top layer, noise {NOISE_DOSES[0]:g} -> {NOISE_DOSES[1]:g} "
                               "(the fall grows with depth)", "-", a, b, depth_gap, off, label))
    return Pattern("S13", "Translation noise hurts (the telephone game), more with every hop", effects,
                   mean_curves(lab, {f"noise {d:g}": dict(translation_noise=d) for d in NOISE_DOSES}),
                   "alignment_employees",
                   "The share who can state the strategy (alignment >= 0.98) is tested among managers: at the "
                   "front line it is near its chance rate at every dose from 0.3 (E1), and at noise 0 it "
                   "depends on whether the executives' own version clears the threshold, so a little noise "
                   "can lift a few people over it; that comparison is reported and not counted.")


CHAMPIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def sustained(ts: pd.DataFrame) -> float:
    """Whether the change is sustained: the share of people supporting it at the end."""
    return float(ts["support"].iloc[-13:].mean())


def tipping(lab, extra: dict, reps: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes (rows: champion shares, columns: replications)."""
    runs = lab.runs([dict(extra, champion_share=c) for c in CHAMPIONS], reps)
    return np.array([[sustained(ts) for ts in r] for r in runs])


TIP_RISE = 0.5  # an organisation switches when its outcome moves this much between champion shares
DIE, SUSTAIN = 0.25, 0.75  # support at the end of a change that died / that was sustained


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95% interval of a share."""
    if not n:
        return 0.0, 1.0
    q = successes / n
    centre, half = q + z * z / (2 * n), z * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def tipping_statistics(outcomes: np.ndarray) -> tuple[tuple, tuple]:
    """Two shares of organisations (outcomes: rows champion shares, columns replications), each
    (share, low, high) with Wilson's 95% interval:

    - organisations that *tip*: their outcome rises by at least ``TIP_RISE`` from the lowest to the
      highest champion share, and at least half of that rise happens in one step up of the champion
      share (a narrow tipping region; a smooth response spreads it over all six steps; an outcome
      that falls with more champions, or jumps up and back, is no tipping point);
    - at the default champion share, the fewer of the runs whose change died (support below
      ``DIE``) and of those that sustained it (above ``SUSTAIN``): both outcomes occur (bimodal)."""
    y = np.asarray(outcomes, dtype=float).T  # organisations x champion shares
    rise = y[:, -1] - y[:, 0]
    tips = (rise >= TIP_RISE) & (np.diff(y, axis=1).max(axis=1) >= rise / 2)
    at_default = y[:, CHAMPIONS.index(DEFAULTS["champion_share"])]
    both = min(int(np.sum(at_default < DIE)), int(np.sum(at_default > SUSTAIN)))
    n = len(y)
    return ((tips.mean(), *wilson(int(tips.sum()), n)), (both / n, *wilson(both, n)))


def s14(lab, reps: int = 48):
    base = dict(pivot_interval=0.0)
    tip, both = tipping_statistics(tipping(lab, base, reps))
    ctip, cboth = tipping_statistics(tipping(lab, {**base, **NO_RESULTS_LOOP}, reps))
    control = "no results loop (k_win = k_fail = k_pace = 0)"
    return Pattern("S14", "Implementation tipping point: success responds to champions nonlinearly", [
        Statistic(f"share of organisations that tip (outcome rises >= {TIP_RISE:g} from champion share "
                  f"{CHAMPIONS[0]:g} to {CHAMPIONS[-1]:g}, half of it in one step of {CHAMPIONS[1]:g})",
                  *tip, tip[1] > 0.1, "95% lower bound > 0.1", ctip[0], ctip[1] > 0.1, control, reps),
        Statistic(f"at the default champion share {DEFAULTS['champion_share']:g}: the fewer of the runs whose "
                  f"change died (support < {DIE:g}) and that sustained it (> {SUSTAIN:g})",
                  *both, both[1] > 0.05, "95% lower bound > 0.05", cboth[0], cboth[1] > 0.05, control, reps),
    ], mean_curves(lab, {f"champions {c:g}": dict(base, champion_share=c) for c in (0.1, 0.3, 0.5)}),
        "support", "Outcome: share of people supporting the change over the last 13 weeks, no pivots. "
        "Tipping is counted per organisation (seed): tipping points differ between organisations, so "
        "a mean over them rises smoothly even where each one jumps. The tipping comes from the loss "
        "when an initiative misses its deadline (k_fail); the pace loss is off (k_pace 0; docs/TRACE.md "
        "steps 24-25).")


def s10(lab):
    light, heavy = dict(base_load=0.3), dict(base_load=0.7)
    off, label = dict(a_over=0.0), "overload tires nobody (a_over 0)"
    stay = dict(base_load=0.7, p_leave=0.0, p_quit=0.0)
    return Pattern("S10", "Overload raises burnout and turnover; turnover erodes understanding", [
        paired(lab, "people in burnout", "+", light, heavy, second_year("burnout"), off, label),
        paired(lab, "people who left", "+", light, heavy, lambda ts: float(ts["turnover"].iloc[-1]), off, label),
        paired(lab, "understanding, turnover vs none (overloaded)", "-", stay, heavy,
               second_year("understanding"), dict(a_over=0.0, p_quit=0.0), "nobody leaves (no burnout, no quitting)"),
    ], mean_curves(lab, {"base load 0.3": light, "0.7": heavy}), "burnout")


def s11(lab):
    aligned = dict(kpi_alignment=1.0, review_interval=0)
    misaligned = dict(kpi_alignment=0.2, review_interval=0)
    reviewed = dict(kpi_alignment=0.2, review_interval=8)
    return Pattern("S11", "Misaligned KPIs and silos lower work alignment at equal belief; reviews recover it", [
        paired(lab, "work alignment", "-", aligned, misaligned, second_year("action_alignment"),
               dict(lambda_kpi=0.0), "KPIs pull no work (lambda_kpi 0)"),
        paired(lab, "belief alignment (equal: no effect expected in either direction)", "-", aligned, misaligned,
               second_year("alignment")),
        paired(lab, "work alignment with reviews", "+", misaligned, reviewed, second_year("action_alignment"),
               dict(review_strength=0.0), "reviews that change nothing (review_strength 0)"),
    ], mean_curves(lab, {"aligned KPIs": aligned, "misaligned": misaligned, "misaligned, reviews": reviewed}),
        "action_alignment", "'At equal belief': the belief effect is reported for comparison; the pattern "
        "does not require it (it is not counted).")


def s12(lab):
    loud = dict(communication="broadcast", broadcast_interval=4)
    talk = dict(communication="cascade", dialogue=0.8, feedback=0.5)
    gap = second_year("illusion_gap")
    no_info, no_info_label = dict(candour=0.0), "reports carry no information (candour 0)"
    return Pattern("S12", "Communication illusion: confidence and executives' perception outrun alignment; "
                          "feedback and dialogue narrow the gap through information", [
        paired(lab, "clarity gap (confidence minus share clear)", "-", loud, talk, second_year("clarity_gap"),
               dict(conf_surprise=0.0, conf_broadcast=0.036), "confidence ignores content and channel"),
        paired(lab, "illusion gap (executives' perceived minus measured alignment), feedback that only informs",
               "-", dict(INFORM_ONLY, feedback=0.0), dict(INFORM_ONLY, feedback=0.5), gap, no_info, no_info_label),
        paired(lab, "illusion gap, feedback that also acts (answers, alarms, trust)", "-", dict(feedback=0.0),
               dict(feedback=0.5), gap, no_info, no_info_label),
    ], mean_curves(lab, {"broadcast every 4 weeks": loud, "cascade, dialogue, feedback": talk}), "clarity_gap",
        "The illusion gap narrows through information when feedback only informs (its control: reports "
        "that carry no information leave it). Feedback that also acts narrows it further by raising "
        "measured alignment too: that part remains with uninformative reports, so the full effect is "
        "reported for comparison and not counted.")


STYLIZED_FACTS = {"S1": s1, "S2": s2, "S3": s3, "S4": s4, "S5": s5, "S6": s6, "S7": s7, "S8": s8,
                  "S9": s9, "S10": s10, "S11": s11, "S12": s12, "S13": s13, "S14": s14}
UNCOUNTED = {("S11", 1), ("S12", 2), ("S13", 9)}  # effects reported for comparison only


def holm(patterns: list[Pattern]) -> None:
    """Holm-adjusted p-values over the family of main effects (paired differences)."""
    family = [e for p in patterns for i, e in enumerate(p.effects)
              if isinstance(e, Effect) and (p.key, i) not in UNCOUNTED]
    order = np.argsort([e.p_value for e in family])
    running, m = 0.0, len(family)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * family[i].p_value))
        family[i].p_holm = running


# --- Survey figures E1-E6: the model's value with its 95% interval against a stated band.

@dataclass
class Figure:
    key: str
    title: str
    source: str
    values: dict[str, tuple[float, float, float]]  # name -> (mean, low, high)
    bands: dict[str, tuple[float, float]]  # name -> the band its interval must lie in
    note: str = ""
    extra_holds: bool = True  # an ordering or shape the figure also requires
    seeds: int | str = ""  # seeds per condition (several conditions: "n1 / n2 / ...")

    @property
    def holds(self) -> bool:
        return self.extra_holds and all(self.bands[k][0] <= self.values[k][1] and self.values[k][2] <= self.bands[k][1]
                                        for k in self.bands)


def interval(values) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    h = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(v.mean() - h), float(v.mean() + h)


def figure_seeds(pilot: dict[str, np.ndarray], bands: dict[str, tuple[float, float]]) -> int:
    """Seeds for a condition's survey values (power calculation on a pilot): at least ``MIN_FIGURE_REPS``,
    and enough that each banded value's 95% half-width is at most ``1 / FIGURE_PRECISION`` of its
    band's half-width (up to ``MAX_REPS``)."""
    n = MIN_FIGURE_REPS
    for name, (lo, hi) in bands.items():
        if name in pilot:
            sd, target = float(np.std(pilot[name], ddof=1)), (hi - lo) / 2 / FIGURE_PRECISION
            while n < MAX_REPS and stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) > target:
                n += 1
    return n


def _measure(lab: Lab, condition: dict, hows: dict[str, Callable], bands: dict, reps: int | None):
    """Each value of ``hows`` over the condition's runs, with its 95% interval; and the seeds used
    (``reps``, or ``figure_seeds`` from a pilot of ``FIGURE_PILOT``)."""
    def values(n):
        runs = lab.runs([condition], n)[0]
        return {name: np.array([how(ts) for ts in runs], dtype=float) for name, how in hows.items()}

    n = reps or figure_seeds(values(FIGURE_PILOT), bands)
    return {name: interval(v) for name, v in values(n).items()}, n


def survey_figures(lab: Lab, reps: int | None = None, base: dict | None = None) -> list[Figure]:
    """E1-E6 on ``lab``'s seeds: ``reps`` seeds for every value, or (``None``) each condition's seeds
    from a pilot (``figure_seeds``)."""
    base = base or {}
    levels = sum(1 for c in lab.runs([base], 1)[0][0].columns if c.startswith("can_state_"))
    b1 = {"top managers": (0.06, 0.22), "middle managers": (0.03, 0.15), "front line": (0.0, 0.05)}
    b2 = {"managers' mean confidence": (0.65, 0.95), "share with alignment >= 0.9": (0.0, 0.34),
          "managers' share naming the top priority": (0.35, 0.75)}
    b4 = {"failure rate": (0.5, 0.9)}
    b5 = {"between-team share of engagement variance": (0.5, 0.9)}
    clear = lambda ts: second_year("confidence")(ts) - second_year("clarity_gap")(ts)  # noqa: E731
    values, seeds_used = _measure(lab, base, {
        "top managers": second_year("can_state_1"),
        "middle managers": lambda ts: float(np.mean([second_year(f"can_state_{d}")(ts) for d in range(2, levels - 1)])),
        "front line": second_year(f"can_state_{levels - 1}"),
        "managers' mean confidence": managers("confidence"), "share with alignment >= 0.9": clear,
        "managers' share naming the top priority": managers("names_top"),
        "failure rate": failure_rate,
        "between-team share of engagement variance": second_year("engagement_between_share")},
        {**b1, **b2, **b4, **b5}, reps)
    pick = lambda bands: {k: values[k] for k in bands}  # noqa: E731
    e1 = Figure("E1", "Ability to state the strategy falls with depth",
                "Maury (Finnish survey): 13% / 8% / 2% of top, middle and front line", pick(b1), b1,
                f"'can state' = alignment >= {CAN_STATE} (chance rate for a random mix {CHANCE:.1%}); "
                "bands: the figure +-60%, the front line below 5%", seeds=seeds_used)
    e1.extra_holds = e1.values["top managers"][0] > e1.values["middle managers"][0] > e1.values["front line"][0]
    e2 = Figure("E2", "Clarity gap (communication illusion)",
                "Sull, Homkes and Sull 2015 (7,600 managers): 84% say they are clear; under a third can name "
                "the priorities; 55% of middle managers name at least one of the top five", pick(b2), b2,
                "the survey asked managers: confidence and naming the top priority are the managers' (the "
                "middle-management layers); the share clear is everyone's. Bands: confidence well above "
                "measured clarity; 'names the top priority' around E2's 55% (chance 25%)", seeds=seeds_used)
    b3 = {"support, 2 pivots a year": (0.59, 0.89), "support, 10 pivots a year": (0.28, 0.58)}
    e3_values, e3_seeds = {}, []
    for name, interval_weeks in (("support, 2 pivots a year", 26.0), ("support, 10 pivots a year", 5.2)):
        v, n = _measure(lab, {**base, "pivot_interval": interval_weeks}, {name: second_year("support")},
                        {name: b3[name]}, reps)
        e3_values.update(v)
        e3_seeds.append(n)
    e3 = Figure("E3", "Support for change falls as changes pile up",
                "Gartner (HBR 2023): 74% willing to support change at 2 changes a year, 43% at 10", e3_values, b3,
                "support = share of people with commitment >= 0.5; bands +-0.15", seeds=" / ".join(map(str, e3_seeds)))
    e4 = Figure("E4", "Initiative failure in a typical organisation",
                "50-90%, often quoted (Candido and Santos 2015: weak evidence; a loose band)", pick(b4), b4,
                seeds=seeds_used)
    e5 = Figure("E5", "Managers explain most of the variance in team engagement",
                "Gallup: about 70% (of the variance of team means)", pick(b5), b5,
                "computed: variance of team means over the variance of individuals (a team-level construct)",
                seeds=seeds_used)
    e6 = leaving_figure(lab, reps, base)
    return [e1, e2, e3, e4, e5, e6]


E6_SPANS = (6, 8, 10, 12, 14)
E6_BAND = (0.10, 0.20)


def annual_leaving(ts: pd.DataFrame, staff: int) -> float:
    return float(ts["turnover"].iloc[-1]) / staff / (len(ts) - 1) * 52


def leaving_figure(lab: Lab, reps: int | None, base: dict) -> Figure:
    """E6: annual leaving at spans 8-12 within 10-20%, rising smoothly with span (no cliff)."""
    values, rates, used = {}, [], []
    bands = {f"span {s}": E6_BAND for s in (8, 10, 12)}
    for span in E6_SPANS:
        params, name = {**base, "span": span}, f"span {span}"
        model = OrgModel(rng=0, **{**ORG, **params})
        staff = model.org.n - int(model.org.level_start[1])
        v, n = _measure(lab, params, {name: lambda ts, staff=staff: annual_leaving(ts, staff)},
                        {name: bands[name]} if name in bands else {}, reps)
        values.update(v)
        rates.append(v[name][0])
        used.append(n)
    steps = np.diff(rates)
    smooth = bool(np.all(steps >= -0.005) and np.all(np.array(rates[1:]) / np.maximum(rates[:-1], 1e-9) < 1.5))
    return Figure("E6", "Turnover at typical spans, rising smoothly with span",
                  "corporate benchmarks: about 10-20% of people leave a year at spans 8-12 (loose)",
                  values, bands, "spans 6 and 14 shown for the shape; no cliff: each step of 2 in span raises "
                  "leaving by less than half", smooth, seeds=" / ".join(map(str, used)))


# --- The report: docs/VALIDATION.md, one figure per pattern.

def _figure(pattern: Pattern, path: Path) -> None:
    from .report import plt  # report chooses the backend

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.2 + 0.25 * len(pattern.effects)),
                                      gridspec_kw={"width_ratios": [1.2, 1]})
    column = pattern.column or "alignment"
    for label, ts in pattern.curves.items():
        left.plot(ts["week"], ts[column], label=label)
    left.set_xlabel("week")
    left.set_ylabel(column.replace("_", " "))
    left.legend(fontsize=8)
    left.set_title("mean over replications", fontsize=9)
    rows = [e for e in pattern.effects if isinstance(e, Effect)]
    y = np.arange(len(rows))
    for i, e in enumerate(rows):
        lo, hi = e.interval
        right.errorbar([e.mean], [i], xerr=[[e.mean - lo], [hi - e.mean]], fmt="o", capsize=4,
                       color="tab:green" if e.holds else "tab:red")
        if e.control is not None:
            clo, chi = e.control.interval
            right.errorbar([e.control.mean], [i - 0.25], xerr=[[e.control.mean - clo], [chi - e.control.mean]],
                           fmt="s", capsize=3, color="0.55", markersize=4)
    right.axvline(0, color="grey", lw=0.8)
    right.set_yticks(y, [e.label[:60] for e in rows], fontsize=7)
    right.set_title("paired difference, 95% interval (grey: negative control)", fontsize=9)
    fig.suptitle(f"{pattern.key}: {pattern.title}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _fmt(x: float) -> str:
    return "" if x != x else f"{x:.3g}" if abs(x) >= 0.001 or x == 0 else f"{x:.1e}"


def write_report(path: Path = Path("docs/VALIDATION.md"), keys=None, reps: int | None = None, jobs: int | None = None,
                 progress=None) -> list:
    """Run the patterns (all, or ``keys``) and the survey figures on the validation seeds; write the
    Markdown report and its figures. Returns the patterns and figures (each with ``.holds``)."""
    path = Path(path)
    images = path.parent / "images" / "validation"
    images.mkdir(parents=True, exist_ok=True)
    lab = Lab(VALIDATION_ROOT, jobs)
    patterns = []
    try:
        for key in keys or STYLIZED_FACTS:
            if progress:
                progress(key)
            patterns.append(STYLIZED_FACTS[key](lab))
            _figure(patterns[-1], images / f"{key}.png")
        if progress:
            progress("E1-E6")
        figures = survey_figures(lab, reps)
    finally:
        lab.close()
    holm(patterns)
    path.write_text(_markdown(patterns, figures))
    return patterns + figures


def _markdown(patterns: list[Pattern], figures: list[Figure]) -> str:
    held = sum(p.holds for p in patterns)
    lines = [
        "# Validation", "",
        "Generated by `cascade validate-model` (or `make validation`); do not edit by hand.", "",
        "Pattern-oriented modelling (Grimm et al. 2005): one parameter set, the defaults of `sim/params.py`,",
        "must hold several patterns at different levels at once. The procedure (MODEL.md 10.6):", "",
        f"- **Seeds.** Every run here uses the validation root `{VALIDATION_ROOT}`. The defaults were tuned on",
        f"  the calibration root `{CALIBRATION_ROOT}` (docs/TRACE.md), which nothing here uses.",
        f"- **Organisation.** {ORG['executives']} executive, {ORG['layers']} management layers, span {ORG['span']} "
        f"(585 people, Gallup's typical span); S1 varies the layers at span {DEEP['span']}. 104 weeks; outputs "
        "averaged over the second year.",
        "- **Effects.** Paired differences (both conditions share each seed). Seeds per effect from a power",
        f"  calculation on a pilot of {PILOT}: enough for a 95% half-width of at most half the effect, between "
        f"{MIN_REPS} and {MAX_REPS}. An effect holds when its 95% interval excludes zero in the expected "
        "direction; *underpowered* marks one that would need more seeds than that.",
        "- **Negative controls.** Each effect is rerun with its mechanism switched off; the control passes",
        "  when the effect is gone: its interval no longer excludes zero in the expected direction, or what",
        f"  remains is below {CONTROL_SHARE:.0%} of the effect.",
        "  A pattern holds when every effect holds and every control passes.",
        "- **Holm.** p-values of paired t-tests, Holm-adjusted over the family of main effects.", "",
        f"**{held} of {len(patterns)} stylized facts hold** (with their controls); "
        f"**{sum(f.holds for f in figures)} of {len(figures)} survey figures** lie in their bands by the "
        "95% interval.", "",
        "| pattern | effect | expected | a | b | difference [95% interval] | seeds | Holm p | negative control: difference [95% interval] | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in patterns:
        for i, e in enumerate(p.effects):
            r = e.row()
            if isinstance(e, Effect):
                control = (f"{e.control_label}: {e.control.mean:+.4f} [{e.control.interval[0]:+.4f}, "
                           f"{e.control.interval[1]:+.4f}] ({'gone' if e.control_passes else 'STILL THERE'})"
                           if e.control is not None else "(none)")
                power = " underpowered" if e.underpowered else ""
                verdict = ("not counted" if (p.key, i) in UNCOUNTED else
                           ("holds" if e.holds and e.control_passes else "FAILS") + power)
                lines.append(f"| {p.key} | {r['effect']} | {r['expected']} | {_fmt(r['a'])} | {_fmt(r['b'])} | "
                             f"{r['difference']:+.4f} [{r['low']:+.4f}, {r['high']:+.4f}] | {r['seeds']} | "
                             f"{_fmt(e.p_holm)} | {control} | {verdict} |")
            else:
                control = (f"{e.control_label}: {e.control_value:.3g} ({'gone' if e.control_passes else 'STILL THERE'})"
                           if e.control_value is not None else "(none)")
                ci = f"{e.value:.3g}" + (f" [{e.low:.3g}, {e.high:.3g}]" if e.low != e.high else "")
                lines.append(f"| {p.key} | {e.label} | {e.rule} | | | {ci} | {e.seeds} | | {control} | "
                             f"{'holds' if e.holds and e.control_passes else 'FAILS'} |")
    notes = [f"- {p.key}: {p.note}" for p in patterns if p.note]
    if notes:
        lines += ["", "Notes:", ""] + notes
    lines += ["", "## Survey figures (E1-E6)", "",
              "Second-year values on the validation root's seeds, on the validation organisation. Seeds per "
              f"condition from a power calculation on a pilot of {FIGURE_PILOT}: enough for a 95% half-width of at "
              f"most 1/{FIGURE_PRECISION} of the band's half-width, at least {MIN_FIGURE_REPS} and at most "
              f"{MAX_REPS}. A figure holds when the 95% interval of each value lies inside its band (and any "
              "ordering it states holds).", "",
              "| figure | what | source | model [95% interval] | band | seeds | verdict |",
              "|---|---|---|---|---|---|---|"]
    for f in figures:
        vals = "; ".join(f"{k} {m:.3g} [{lo:.3g}, {hi:.3g}]" for k, (m, lo, hi) in f.values.items())
        bands = "; ".join(f"{k} {lo:g}-{hi:g}" for k, (lo, hi) in f.bands.items())
        note = f" ({f.note})" if f.note else ""
        lines.append(f"| {f.key} | {f.title}{note} | {f.source} | {vals} | {bands} | {f.seeds} | "
                     f"{'holds' if f.holds else 'FAILS'} |")
    lines += ["", "The same figures read as the survey of one typical organisation, and the defaults checked "
              "against the posterior that `cascade calibrate` finds from them (which defaults lie inside "
              "its 90% intervals, which the figures cannot constrain): "
              "[DEFAULTS_CALIBRATION.md](DEFAULTS_CALIBRATION.md) (`make defaults-calibration`)."]
    lines += ["", "## Robustness", "",
              "Which behavioural parameters can break which pattern, and the share of the parameter space "
              "where each holds: a Morris screening in [ROBUSTNESS.md](ROBUSTNESS.md) (`cascade robustness`). "
              "The calibration history is in [TRACE.md](TRACE.md).", "",
              "![robustness map](images/validation/robustness.png)", "", "## Figures", ""]
    for p in patterns:
        lines += [f"### {p.key}: {p.title}", "", f"![{p.key}](images/validation/{p.key}.png)", ""]
    return "\n".join(lines) + "\n"
