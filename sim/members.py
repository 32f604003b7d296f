"""The members of an ensemble: several organisations stacked into one (``sim.engine.Engine``).

An ensemble of R organisations is one ``Org`` whose rows are sorted by (level, member, the
member's own row), so each level is still one contiguous block of rows and the submodels update
all the members' level at once; ``Org.members`` (None for a single organisation) says which row
belongs to which member. Organisation-level quantities of the state (the strategy, the pivot clock,
the initiative, what the executives perceive...) are then arrays with one entry per member.

The helpers here let one implementation of each submodel serve both: for a single organisation they
do exactly what the submodel did on its own (Python scalars, the same numpy calls, so a single run
is unchanged bit for bit); for an ensemble they hand each row its member's value and reduce per
member (``Members.sums``: over each member's runs of rows in a level, then over its runs, so that
a member's sums do not depend on which others share the ensemble).

Random numbers: each member draws from its own streams exactly what it would draw alone
(``uniform_per_row``, ``normal_per_row``, ``per_member``, ``per_selected``), and the draws are put
into the ensemble's row order; so a member's run equals the same run done alone (to rounding: sums
over a member's rows are added in another order).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from .geometry import row_strategies
from .state import uniform_rows


@dataclass(frozen=True, eq=False)
class Members:
    orgs: tuple  # each member's own Org (its rows in its own order)
    member: np.ndarray  # (n,) the member of each row of the ensemble
    order: np.ndarray  # (n,) row i of the ensemble is row order[i] of the members' rows one after another
    depth: np.ndarray  # (n,) the level of each row

    @property
    def count(self) -> int:
        return len(self.orgs)

    @cached_property
    def sizes(self) -> np.ndarray:
        return np.array([o.n for o in self.orgs])

    @cached_property
    def departments(self) -> np.ndarray:
        """(departments,) the member of each department of the ensemble."""
        return np.repeat(np.arange(self.count), [max(o.n_depts, 1) for o in self.orgs])

    @cached_property
    def rows(self) -> tuple[np.ndarray, ...]:
        """Each member's rows in the ensemble, in the member's own order."""
        rows = np.empty(len(self.order), dtype=np.int64)
        rows[self.order] = np.arange(len(self.order))
        return tuple(np.split(rows, np.cumsum(self.sizes)[:-1]))

    def of(self, rows) -> np.ndarray:
        """The member of each of ``rows`` (a slice or index array)."""
        return self.member[rows] if isinstance(rows, slice) else np.take(self.member, rows)

    @cached_property
    def _runs_of_slices(self) -> dict:
        return {}

    @cached_property
    def _kept_rows(self) -> set:
        """Index arrays of the organisation whose runs are kept (``keep_runs``)."""
        return set()

    def keep_runs(self, *rows) -> None:
        """Keep the runs of these index arrays (rows the outputs reduce over every week)."""
        self._kept_rows.update(id(r) for r in rows if not isinstance(r, slice))

    @cached_property
    def _strategies(self) -> dict:
        return {}

    def runs(self, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``rows`` as runs of consecutive rows of one member in one level: (where each run starts
        among the rows, its member, its length). A member's runs are the same whatever others
        share the ensemble (so are its sums: ``sums``). Kept for slices and for the index arrays
        named by ``keep_runs`` (the same every week)."""
        key = (rows.start, rows.stop) if isinstance(rows, slice) else id(rows)
        kept = self._runs_of_slices.get(key)
        if kept is not None and (isinstance(rows, slice) or kept[0] is rows):
            return kept[1]
        who = self.of(rows)
        level = self.depth[rows] if isinstance(rows, slice) else np.take(self.depth, rows)
        starts = np.flatnonzero(np.concatenate(([len(who) > 0], (who[1:] != who[:-1]) | (level[1:] != level[:-1]))))
        out = (starts, who[starts], np.diff(np.append(starts, len(who))))
        if isinstance(rows, slice) or id(rows) in self._kept_rows:
            self._runs_of_slices[key] = (rows, out)
        return out

    def sums(self, values: np.ndarray, rows) -> np.ndarray:
        """The sum of ``values`` (one per row of ``rows``) over each member's rows: over each run
        (``np.add.reduceat``), then the runs of each member (a few per member)."""
        starts, member, _ = self.runs(rows)
        if not len(starts):
            return np.zeros(self.count)
        return np.bincount(member, np.add.reduceat(values, starts, dtype=np.float64), minlength=self.count)

    def sizes_of(self, rows) -> np.ndarray:
        """How many of ``rows`` each member has."""
        _, member, lengths = self.runs(rows)
        return np.bincount(member, lengths, minlength=self.count)


# --------------------------------------------------------------------------- per member -> per row


def strategies(org, st, rows=slice(None)):
    """The strategy each of ``rows`` is measured against (``sim.geometry.alignment``): the
    organisation's, or, for an ensemble, each row's member's (``RowStrategies``, kept while the
    members' strategies stay the same: they change only at pivots)."""
    if org.members is None:
        return st.s
    kept = org.members._strategies
    if "s" not in kept or not np.array_equal(kept["s"], st.s):
        kept.update(s=st.s.copy(), rows=row_strategies(st.s, org.members.member))
    return kept["rows"].rows(rows)


def at_rows(org, values, rows):
    """A per-member value (``(R,)`` or ``(R, K)``) for each of ``rows``; a single organisation's
    value (a scalar, a (K,) vector), or a scalar shared by all members, as it is."""
    if org.members is None or np.ndim(values) == 0:
        return values
    return np.take(np.asarray(values), org.members.of(rows), axis=0)


def at_departments(org, values):
    """A per-member value for each department of the ensemble (the order of ``State.kpi_pull``: each
    member's departments in turn, at least one each); a single organisation's value as it is."""
    if org.members is None or np.ndim(values) == 0:
        return values
    return np.take(np.asarray(values), org.members.departments, axis=0)


def column(values):
    """Per-row values (``at_rows``) as a column, to scale the rows of a (rows, K) array; a scalar as it is."""
    return values if np.ndim(values) == 0 else np.reshape(values, (-1, 1))


def rows_of(org, rows, selected):
    """Those of ``rows`` whose member is ``selected`` (one bool per member); for a single
    organisation, ``rows`` if ``selected`` else no rows."""
    if org.members is None:
        return rows if selected else slice(0, 0)
    rows = np.arange(rows.start, rows.stop) if isinstance(rows, slice) else np.asarray(rows)
    return rows[np.take(selected, org.members.of(rows))]


# --------------------------------------------------------------------------- per row -> per member


def counts(org, rows) -> int | np.ndarray:
    """How many of ``rows`` (an index array) each member has."""
    if org.members is None:
        return len(rows)
    return np.bincount(org.members.of(rows), minlength=org.members.count)


def means(org, values: np.ndarray, rows, empty=np.nan):
    """The mean of ``values`` (one per row of ``rows``) over each member's rows (``empty`` for a
    member without any); a single organisation's ``values.mean()``."""
    if org.members is None:
        return values.mean() if len(values) else empty
    n = org.members.sizes_of(rows)
    return np.where(n > 0, org.members.sums(values, rows) / np.maximum(n, 1), empty)


def shares(org, condition: np.ndarray, rows, empty=np.nan):
    """The share of ``condition`` (one per row of ``rows``) that is true, per member."""
    if org.members is None:
        return np.count_nonzero(condition) / condition.size if condition.size else empty
    return means(org, condition, rows, empty)


# --------------------------------------------------------------------------- scalars or arrays


def pick(selected, a, b):
    """``a`` where ``selected`` else ``b``: per member, or one scalar choice."""
    if np.ndim(selected) == 0:
        return a if selected else b
    return np.where(selected, a, b)


def flags(selected):
    """A Python bool for one organisation (so counts stay Python ints), else the bool array."""
    return bool(selected) if np.ndim(selected) == 0 else selected


def any_of(selected) -> bool:
    return bool(np.any(selected))


# --------------------------------------------------------------------------- random draws


def _filled(org, rng, fill: Callable, tail: tuple = ()) -> np.ndarray:
    """Each member's numbers drawn by ``fill(generator, out)`` straight into its own rows of one
    array (the members one after another), then put in the ensemble's row order."""
    out = np.empty((len(org.members.order), *tail))
    start = 0
    for g, n in zip(rng, org.members.sizes.tolist()):
        fill(g, out[start:start + n])
        start += n
    return np.take(out, org.members.order, axis=0)


def uniform_per_row(org, rng, read: Callable | None = None) -> np.ndarray:
    """``rng.random(n)`` from each member's stream, in the ensemble's row order. ``read(org)``: the
    rows that will be read; a single organisation draws only those where they are a slice
    (``sim.state.uniform_rows``: the same numbers, and the stream left where it would be), the
    members of an ensemble, small, draw all theirs (faster than skipping)."""
    if org.members is None:
        return rng.random(org.n) if read is None else uniform_rows(rng, org.n, read(org))
    return _filled(org, rng, lambda g, out: g.random(out=out))


def normal_per_row(org, rng, k: int) -> np.ndarray:
    """``rng.standard_normal((n, k))`` from each member's stream, in the ensemble's row order."""
    if org.members is None:
        return rng.standard_normal((org.n, k))
    return _filled(org, rng, lambda g, out: g.standard_normal(out=out), (k,))


def per_member(org, rng, draw: Callable):
    """``draw(generator, member_org)`` from each member's own stream, stacked (one per member)."""
    if org.members is None:
        return draw(rng, org)
    return np.stack([np.asarray(draw(g, o)) for g, o in zip(rng, org.members.orgs)])


def per_selected(org, rng, rows: np.ndarray, draw: Callable) -> np.ndarray:
    """``draw(generator, count)`` (an array of ``count`` rows) for each member's share of ``rows``
    (ascending), from its own stream, in the order of ``rows``: a member's rows come in the same
    order as alone (the ensemble keeps each member's rows in its own order). A member with none
    draws nothing (alone, it would draw an empty array, which leaves its stream where it was)."""
    if org.members is None:
        return draw(rng, len(rows))
    who = org.members.of(rows)
    n = np.bincount(who, minlength=org.members.count)
    if not n.any():
        return draw(rng[0], 0)  # (drawing nothing leaves a stream where it was)
    parts = np.concatenate([draw(g, int(k)) for g, k in zip(rng, n) if k])
    out = np.empty_like(parts)
    out[np.argsort(who, kind="stable")] = parts
    return out
