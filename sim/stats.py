"""Statistics for reports: intervals that respect each outcome's range, and censored times.

Every outcome the model reports is bounded (shares in [0, 1], alignment in [-1, 1]) or a count or
a duration (never negative), so the interval of a mean is a bootstrap percentile interval: the
2.5th and 97.5th percentiles of the means of resampled replications, which can never leave the
range of the replications themselves (a t-interval can: "0.1 people, -0.1 to 0.3"). Shares of
replications (how many reached a threshold) get a Wilson interval. Two kinds of interval are
distinguished: the interval of the *mean* (how sure we are of the average) and the *prediction*
interval (the spread of outcomes a single organisation could see: the middle 95% of replications).

A time to an event (weeks until alignment first reaches 0.5) is censored: a run that never gets
there by the horizon has a time longer than the horizon, not a missing one. Such times are
summarised by the share that reached the threshold by the horizon and by the Kaplan-Meier median,
with a bootstrap interval; the median is "not reached" when fewer than half get there.

Resampling uses a fixed seed (``BOOT_SEED``) and a weight matrix (how often each replication is
drawn in each resample): the same matrix applied to two alternatives resamples them *paired*, as
common random numbers require; results are identical from run to run.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.95
RESAMPLES = 2000
BOOT_SEED = 20240601


def resample_weights(n: int, resamples: int = RESAMPLES) -> np.ndarray:
    """(resamples, n) counts: how often each of n replications is drawn in each resample."""
    rng = np.random.default_rng(np.random.SeedSequence([BOOT_SEED, n]))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(float)


def _tails(level: float) -> tuple[float, float]:
    return 50 * (1 - level), 50 * (1 + level)


def mean_interval(values, level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean of ``values`` (NaN dropped) and the bootstrap percentile interval of that mean:
    (mean, low, high, n). With fewer than two values the interval is (NaN, NaN)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    means = resample_weights(n) @ x / n
    low, high = np.percentile(means, _tails(level))
    return mean, float(min(low, mean)), float(max(high, mean)), n


def band(values: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``values`` (rows: weeks, columns: replications, no NaN): the mean and the
    bootstrap percentile interval of that mean, as three arrays."""
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=1)
    n = values.shape[1]
    if n < 2:
        return mean, mean, mean
    means = values @ resample_weights(n).T / n  # (rows, resamples)
    low, high = np.percentile(means, _tails(level), axis=1)
    return mean, np.minimum(low, mean), np.maximum(high, mean)


def prediction_interval(values, level: float = LEVEL) -> tuple[float, float]:
    """The middle ``level`` of the replications (NaN dropped): the range of outcomes a single
    organisation could see, not the uncertainty of the average."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return math.nan, math.nan
    low, high = np.percentile(x, _tails(level))
    return float(low), float(high)


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float, float]:
    """Share ``successes / n`` and its Wilson score interval (inside [0, 1] by construction)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def km_median(times, weights: np.ndarray | None = None) -> np.ndarray | float:
    """Kaplan-Meier median of event times (``inf`` or NaN: not reached, censored at the horizon).

    ``weights``: an optional (resamples, n) matrix of counts (``resample_weights``); then one
    median per resample. A median is ``inf`` when the survival curve stays above one half
    (fewer than half the runs reached the event by the horizon).
    """
    t = np.asarray(times, dtype=float)
    t = np.where(np.isnan(t), np.inf, t)
    single = weights is None
    w = np.ones((1, len(t))) if single else np.asarray(weights, dtype=float)
    order = np.argsort(t, kind="stable")
    t, w = t[order], w[:, order]
    events = np.unique(t[np.isfinite(t)])
    if len(events) == 0:
        out = np.full(w.shape[0], np.inf)
        return float(out[0]) if single else out
    # at risk at each event time: weight of runs with time >= u; events: weight with time == u
    at_risk = np.stack([w[:, t >= u].sum(axis=1) for u in events], axis=1)
    died = np.stack([w[:, t == u].sum(axis=1) for u in events], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(at_risk > 0, died / at_risk, 0.0)
    survival = np.cumprod(1 - hazard, axis=1)
    below = survival <= 0.5 + 1e-12
    first = np.argmax(below, axis=1)
    out = np.where(below.any(axis=1), events[first], np.inf)
    return float(out[0]) if single else out


def percentile_interval(draws: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The percentile interval of bootstrap draws (``inf`` allowed: "not reached")."""
    draws = np.asarray(draws, dtype=float)
    draws = draws[~np.isnan(draws)]
    if len(draws) == 0:
        return math.nan, math.nan
    low, high = np.percentile(draws, _tails(level), method="inverted_cdf")
    return float(low), float(high)


def beats(values, reference, direction: int) -> float:
    """Probability that an alternative beats the reference in one replication: the share of paired
    replications in which it is better (``direction`` +1: higher is better, -1: lower), ties
    counting one half. NaN pairs are dropped; ``inf`` (never reached) compares as a long time."""
    a, b = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    if not keep.any() or direction == 0:
        return math.nan
    with np.errstate(invalid="ignore"):
        d = direction * (a[keep] - b[keep])
    d = np.where(np.isnan(d), 0.0, d)  # inf - inf: both never reached, a tie
    return float((np.sum(d > 0) + 0.5 * np.sum(d == 0)) / len(d))


__all__ = ["mean_interval", "band", "prediction_interval", "wilson", "km_median",
           "percentile_interval", "beats", "resample_weights", "LEVEL", "RESAMPLES"]
