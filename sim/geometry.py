"""Priority geometry (MODEL.md 10.1): how far a priority mix agrees with the strategy.

A priority mix is a non-negative vector over the K goals; only its proportions matter. Alignment is
the *centred* cosine (Pearson correlation across the goals): the strategy itself scores 1, a random
mix and a vague one (every goal weighted the same: "when everything is a priority, nothing is")
score 0, a reversed ranking scores below 0, and adding the same amount to every priority changes
nothing. The raw cosine of two non-negative mixes (about 0.72 for two random mixes of four goals,
0.85 for a balanced mix against a random strategy), the first model's measure, rewarded vagueness.
How vague a mix is, is its own output: ``focus``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .state import random_direction, squared_norms

CAN_STATE = 0.98  # alignment at which a person "can state the strategy" (E1; chance rate below)
TINY = np.float32(1e-30)  # added to shares before their logarithm (focus)
CLEAR = 0.9  # alignment counted as "clear" (the clarity gap) and as line of sight for work


def centred(s: np.ndarray) -> np.ndarray:
    """The strategy minus its mean weight, scaled to unit length (zero if every weight is equal)."""
    c = s - s.mean()
    n = np.sqrt(c @ c)
    return c / n if n > 0 else c


class RowStrategies(NamedTuple):
    """A strategy for each row of a (n, K) array (an ensemble's rows: each its own member's):
    ``columns[j]`` is goal j of each row's centred strategy, ``top`` each strategy's top goal."""

    columns: tuple
    top: np.ndarray

    def rows(self, rows) -> "RowStrategies":
        return RowStrategies(tuple(c[rows] for c in self.columns), self.top[rows])


def row_strategies(s: np.ndarray, member: np.ndarray) -> RowStrategies:
    """``RowStrategies`` from one strategy per member (R, K) and the member of each row."""
    c = s - s.mean(axis=1, keepdims=True)
    length = np.sqrt(squared_norms(c))
    c /= np.where(length > 0, length, 1.0)[:, None]
    return RowStrategies(tuple(np.take(column, member) for column in c.T), np.take(np.argmax(s, axis=1), member))


def alignment(b: np.ndarray, s, unit: bool = False) -> np.ndarray:
    """Centred cosine of each row of ``b`` (n, K) (or a single mix (K,)) with the strategy ``s``.

    ``b @ centred(s)`` needs no centring of b (centred(s) sums to 0); the length of b's centred part
    is ``|b|^2 - (sum b)^2 / K``. A mix with no spread (vague) scores 0. ``unit``: every row is of
    unit length or zero (beliefs, messages, work after ``norm+``), so ``|b|^2`` is 1 (a zero row has
    a dot product of 0 and scores 0 either way), and is not computed. ``s`` may be
    ``RowStrategies``: a strategy per row (an ensemble's, ``sim.members.strategies``).
    """
    k = b.shape[-1]
    if b.ndim == 1:
        return _correlation(b @ centred(s), _length2(b, unit) - (b @ np.ones(k)) ** 2 / k, 1.0)
    return _correlation(_dot(b, s), _spread(b, row_sums(b, isinstance(s, RowStrategies)), unit), 1.0)


def row_sums(b: np.ndarray, rowwise: bool = False) -> np.ndarray:
    """The sum of each row of ``b`` (n, K): by BLAS (``b @ ones``), or, ``rowwise``, a column at a
    time, so that each row's sum is the same whatever the other rows: BLAS rounds a row of a
    column-major array differently with the array's length, and a member of an ensemble
    (``sim.members``) must come out the same whatever other members share it."""
    if not rowwise:
        return b @ np.ones(b.shape[1])
    out = b[:, 0].copy()
    for j in range(1, b.shape[1]):
        out += b[:, j]
    return out


def _dot(b: np.ndarray, s) -> np.ndarray:
    """Each row of ``b`` dotted with the centred strategy (its own row's, a goal at a time)."""
    if not isinstance(s, RowStrategies):
        return b @ centred(s)
    out = np.multiply(b[:, 0], s.columns[0])
    for j in range(1, b.shape[1]):
        out += np.multiply(b[:, j], s.columns[j])
    return out


def agreement(a: np.ndarray, b: np.ndarray, unit: bool = False, rowwise: bool = False) -> np.ndarray:
    """Centred cosine of each row of ``a`` with the same row of ``b`` (both (n, K)): how far a
    message agrees with what its receiver already believes (``unit`` as for ``alignment``,
    ``rowwise`` as for ``row_sums``)."""
    k = a.shape[1]
    sa, sb = row_sums(a, rowwise), row_sums(b, rowwise)
    dot = np.multiply(a[:, 0], b[:, 0])
    term = np.empty_like(dot)
    for j in range(1, k):
        dot += np.multiply(a[:, j], b[:, j], out=term)
    np.multiply(sa, sb, out=term)
    term /= k
    dot -= term  # the centred dot product: a.b - (sum a)(sum b) / K
    spread = _spread(a, sa, unit)
    spread *= _spread(b, sb, unit)
    return _correlation(dot, spread, 2.0)


def _spread(b: np.ndarray, sums: np.ndarray, unit: bool) -> np.ndarray:
    """The squared length of each row's centred part, ``|b|^2 - (sum b)^2 / K``, in ``sums``."""
    np.square(sums, out=sums)
    sums /= b.shape[1]
    return np.subtract(_length2(b, unit), sums, out=sums)


def _length2(b: np.ndarray, unit: bool):
    return 1.0 if unit else squared_norms(b)


def _correlation(dot, spread, power: float) -> np.ndarray:
    """dot / sqrt(spread), 0 where there is no spread (a vague mix); ``power`` is how many mixes
    the spread multiplies. A centred length below 1e-6 of a unit mix counts as none: |b|^2 - (sum b)^2 / K
    carries rounding of about 1e-16, so a smaller spread is no ranking at all, only rounding).
    Arrays ``dot`` and ``spread`` are used up: the result is written over ``dot``."""
    least, near = 1e-12**power, 1e-6  # near: each mix's spread at least 1e-6 above it (each is <= 1)
    if np.ndim(dot) == 0:
        return 0.0 if spread <= least else float(np.clip(dot / np.sqrt(spread), -1.0, 1.0))
    # Which rows are vague, or near it, is only worked out when there are any (fmin passes over a NaN).
    vague = close = None
    lowest = np.fmin.reduce(spread) if len(spread) else np.inf
    if lowest <= near:
        close = np.flatnonzero(spread <= near)
        if lowest <= least:
            vague = spread <= least
            np.maximum(spread, least, out=spread)
    np.sqrt(spread, out=spread)
    out = np.divide(dot, spread, out=dot)
    if close is not None:
        # Near the floor the spread's rounding (about 1e-16) can carry a cosine past 1 (by up to
        # 0.25 for two near-vague mixes): those cosines are clipped to [-1, 1]; above ``near`` the
        # rounding moves a cosine by less than 1e-9.
        out[close] = np.clip(out[close], -1.0, 1.0)
    if vague is not None:
        out[vague] = 0.0
    return out


def focus(b: np.ndarray, rowwise: bool = False) -> np.ndarray:
    """How concentrated a mix is: 1 - H(b / sum b) / log K (1 = one goal only, 0 = all equal; an
    all-zero mix 0). A goal at a time (the state is column-major); the logarithms in single
    precision (an output only, accurate to about 1e-7; in double precision they took a tenth of a
    step at 100,000 people). ``rowwise`` as for ``row_sums``."""
    if b.ndim == 1:
        return focus(b[None])[0]
    k = b.shape[1]
    total = row_sums(b, rowwise)
    empty = not (len(total) and np.minimum.reduce(total) > 0)  # any all-zero mix (a NaN counts as one)
    share = np.divide(1.0, np.where(total > 0, total, 1.0) if empty else total)
    h = np.zeros(len(b))
    q = np.empty(len(b), dtype=np.float32)
    logq = np.empty(len(b), dtype=np.float32)
    for column in b.T:
        np.multiply(column, share, out=q, casting="same_kind")
        np.add(q, TINY, out=logq)  # 0 log 0 = 0: a share of 0 meets a finite log
        np.log(logq, out=logq)
        q *= logq
        h -= q
    h /= np.log(k)
    out = np.subtract(1.0, h, out=h)
    np.clip(out, 0.0, 1.0, out=out)  # (single-precision rounding can stray past 0 or 1)
    if empty:
        out[total <= 0] = 0.0
    return out


def names_top(b: np.ndarray, s) -> np.ndarray:
    """Whether the mix's top priority is the strategy's top goal (E2's construct; chance 1/K): the
    first of its largest weights, as ``argmax`` picks, compared a goal at a time. ``s`` as for
    ``alignment``."""
    if b.ndim == 1:
        return names_top(b[None], s)[0]
    out = np.ones(len(b), dtype=bool)
    if isinstance(s, RowStrategies):  # each row's own top goal: ties count for the first of them
        top = s.top
        weight = np.choose(top, b.T)
        for j, column in enumerate(b.T):
            out &= (weight > column) | ((weight == column) & (top <= j))
        return out
    top = int(np.argmax(s))
    weight = b[:, top]
    for j, column in enumerate(b.T):
        if j != top:
            out &= weight > column if j < top else weight >= column
    return out


@lru_cache(maxsize=None)
def chance_rate(k: int, threshold: float = CAN_STATE) -> float:
    """Share of random non-negative mixes whose alignment with a random strategy passes
    ``threshold`` (K = 4: about 2.9% at 0.95, 1.2% at 0.98, 0.6% at 0.99)."""
    rng = np.random.default_rng(20240601)
    a, s = random_direction(rng, 200_000, k), random_direction(rng, 200_000, k)
    sc = a - a.mean(axis=1, keepdims=True)
    tc = s - s.mean(axis=1, keepdims=True)
    r = np.einsum("ik,ik->i", sc, tc) / np.sqrt(np.einsum("ik,ik->i", sc, sc) * np.einsum("ik,ik->i", tc, tc))
    return float(np.mean(r >= threshold))
