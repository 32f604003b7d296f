"""The organisation (MODEL.md section 2): hierarchy, departments and peer graphs as index arrays.

People are rows ``0..n-1``, sorted by depth (level) so that each level is a contiguous slice and
every boss comes before its reports. That layout lets the cascade update a whole level with one
fancy-indexing expression, and it holds for any tree, regular or a client's own chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

EXECUTIVE, MANAGER, EMPLOYEE = 0, 1, 2
ROLE_NAMES = ("executive", "manager", "employee")


LONG_RUN = 10  # rows a run (on average) from which np.repeat beats a gather whatever the lengths


class Groups:
    """Rows grouped by a key (each row's boss, or department), for sums over each group and for
    handing each row its key's value.

    ``keys``: the keys that have rows, ascending; ``sizes``: their rows. Rows sorted by key (a
    regular tree, and a chart read by ``sim.orgchart``, whose rows are sorted by depth, department
    and boss) are summed as runs with ``np.add.reduceat``, about three times faster than
    ``np.bincount``, which serves any other order. ``runs`` and ``run_lengths``: the key of each
    run of consecutive rows with one key, in row order, and its rows (``run_rows``: the runs' keys
    as a slice where they are contiguous), for handing the rows their key's value with
    ``np.repeat`` (``sim.state.take_runs``), about three times faster than a gather where the runs
    are long or all of one length (``long_runs``); numpy's ``repeat`` costs per run when lengths
    vary, and short runs of varied lengths (a chart's small teams) are gathered faster.
    """

    def __init__(self, key: np.ndarray):
        self.key = key
        first = np.flatnonzero(np.concatenate(([len(key) > 0], key[1:] != key[:-1])))
        self.runs, self.run_lengths = key[first], np.diff(np.append(first, len(key)))
        self.run_rows = _rows(self.runs) if np.all(self.runs[1:] > self.runs[:-1]) else self.runs
        mean_run = len(key) / max(len(self.runs), 1)
        self.long_runs = bool(mean_run >= LONG_RUN or (mean_run >= 2 and np.all(self.run_lengths == mean_run)))
        in_runs = bool(np.all(key[1:] >= key[:-1]))
        if in_runs:  # (np.unique would sort what is sorted already)
            self.keys, self.sizes = self.runs, self.run_lengths
        else:
            self.keys, self.sizes = np.unique(key, return_counts=True)
        self.starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1])) if in_runs else None

    def sums(self, values: np.ndarray) -> np.ndarray:
        """The sum of ``values`` (one per row) over each group, in the order of ``keys``."""
        if not len(self.keys):
            return np.zeros(0)
        if self.starts is None:
            return np.bincount(self.key, values)[self.keys]
        return np.add.reduceat(values, self.starts)


@dataclass(frozen=True)
class Org:
    boss: np.ndarray  # (n,) row of the boss, -1 for executives
    depth: np.ndarray  # (n,) 0 = executives, 1..L middle managers, L+1 employees
    role: np.ndarray  # (n,) EXECUTIVE, MANAGER or EMPLOYEE
    dept: np.ndarray  # (n,) department (subtree of a level-1 manager), -1 for executives
    n_reports: np.ndarray  # (n,) direct reports
    level_start: np.ndarray  # (levels + 1,) rows of level d are level_start[d]:level_start[d+1]
    peers: sp.csr_matrix  # (n, n) symmetric 0/1 adjacency among managers of one level
    members: object = None  # an ensemble's ``sim.members.Members``; None for one organisation

    @property
    def n(self) -> int:
        return len(self.boss)

    @property
    def levels(self) -> int:
        return len(self.level_start) - 1

    @property
    def n_depts(self) -> int:
        return int(self.dept.max()) + 1

    def level(self, d: int) -> slice:
        return slice(int(self.level_start[d]), int(self.level_start[d + 1]))

    # Index sets the step and the metrics use every week, computed once per organisation. Each is
    # a slice where its rows are contiguous (as in a regular tree), so that ``state.b[rows]`` is a
    # view rather than a gathered copy, and an index array otherwise (a client's own chart).
    @cached_property
    def staff(self) -> slice:
        """Everyone below the executives (rows are sorted by depth)."""
        return slice(int(self.level_start[1]), self.n)

    @cached_property
    def staff_boss(self) -> np.ndarray:
        return self.boss[self.staff]

    @cached_property
    def is_manager(self) -> np.ndarray:
        return self.role == MANAGER

    @cached_property
    def manager_rows(self) -> np.ndarray:
        return np.flatnonzero(self.is_manager)

    @cached_property
    def managers(self) -> slice | np.ndarray:
        return _rows(self.manager_rows)

    @cached_property
    def employee_rows(self) -> np.ndarray:
        return np.flatnonzero(self.role == EMPLOYEE)

    @cached_property
    def employees(self) -> slice | np.ndarray:
        return _rows(self.employee_rows)

    @cached_property
    def employee_boss(self) -> np.ndarray:
        return self.boss[self.employees]

    @cached_property
    def employee_dept(self) -> np.ndarray:
        return self.dept[self.employees]

    @cached_property
    def staff_dept(self) -> np.ndarray:
        return self.dept[self.staff]

    @cached_property
    def staff_depts(self) -> Groups:
        """Everyone below the executives grouped by department (in runs within each level)."""
        return Groups(self.staff_dept)

    @cached_property
    def n_employees(self) -> int:
        return len(self.employee_rows)

    @cached_property
    def teams(self) -> Groups:
        """The employees grouped by their boss (the team leader)."""
        return Groups(self.employee_boss)

    @cached_property
    def reports(self) -> Groups:
        """Everyone below the executives grouped by their boss."""
        return Groups(self.staff_boss)

    @property
    def team_leaders(self) -> np.ndarray:
        """Rows of those who lead employees."""
        return self.teams.keys

    @cached_property
    def peer_row(self) -> np.ndarray:
        """The row of each stored tie of ``peers`` (CSR order)."""
        return np.repeat(np.arange(self.n), np.diff(self.peers.indptr))

    @property
    def team_size(self) -> np.ndarray:
        """Employees of each of the ``team_leaders``."""
        return self.teams.sizes

    @cached_property
    def leaders(self) -> slice | np.ndarray:
        """Everyone with reports (executives and managers)."""
        return _rows(np.flatnonzero(self.n_reports > 0))

    @cached_property
    def level_bosses(self) -> tuple[np.ndarray, ...]:
        """``level_bosses[d]``: the boss of each person at level d (empty for the executives)."""
        return (self.boss[:0],) + tuple(self.boss[self.level(d)] for d in range(1, self.levels))

    @cached_property
    def level_reports(self) -> tuple[Groups, ...]:
        """``level_reports[d]``: the people at level d grouped by their boss."""
        return tuple(Groups(bosses) for bosses in self.level_bosses)


def _rows(rows: np.ndarray) -> slice | np.ndarray:
    """Sorted rows as a slice when they are contiguous, else as they are."""
    if len(rows) == 0:
        return slice(0, 0)
    if rows[-1] - rows[0] + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def regular_bosses(executives: int, spans: list[int]) -> np.ndarray:
    """Boss rows of a regular tree: ``executives`` roots, then ``spans[d]`` reports per person at d."""
    bosses = [np.full(executives, -1)]
    start, size = 0, executives
    for s in spans:
        bosses.append(start + np.repeat(np.arange(size), s))
        start, size = start + size, size * s
    return np.concatenate(bosses)


def people(p) -> int:
    """How many people the regular tree of parameters ``p`` (executives, layers, span) holds."""
    spans = p.span if isinstance(p.span, list) else [p.span] * (p.layers + 1)
    return int(p.executives * sum(math.prod(spans[:d]) for d in range(len(spans) + 1)))


@dataclass(frozen=True)
class Chart:
    """A given organisation (a client's org chart): rows sorted by depth, bosses before reports.

    ``departments`` (optional, codes 0..D-1, -1 for executives) replaces the level-1 subtrees;
    ``traits`` (optional) maps ``credibility``, ``capability``, ``role_clarity`` or ``tenure`` to
    one value per row (NaN where unknown: drawn as usual).
    """

    bosses: np.ndarray
    departments: np.ndarray | None = None
    traits: dict = field(default_factory=dict)


TRAIT_COLUMNS = {"credibility": "kappa", "capability": "c", "role_clarity": "r", "tenure": "tenure"}


def build_org(boss: np.ndarray, peer_degree: int, cross_silo_ties: float,
              rng: np.random.Generator, departments: np.ndarray | None = None) -> Org:
    """Derive levels, roles, departments and peer graphs from a boss array sorted by depth."""
    boss = np.asarray(boss, dtype=np.int64)
    n = len(boss)
    depth = np.zeros(n, dtype=np.int64)
    has_boss = boss >= 0
    if np.any(boss[has_boss] >= np.flatnonzero(has_boss)):
        raise ValueError("rows must be sorted so that every boss comes before its reports")
    while True:  # one pass per level: depth is the boss's depth plus one
        new = np.where(has_boss, depth[boss] + 1, 0)
        if np.array_equal(new, depth):
            break
        depth = new
    if np.any(np.diff(depth) < 0):
        raise ValueError("rows must be sorted by depth")
    n_reports = np.bincount(boss[has_boss], minlength=n)
    role = np.where(depth == 0, EXECUTIVE, np.where(n_reports > 0, MANAGER, EMPLOYEE))
    level_start = np.searchsorted(depth, np.arange(depth.max() + 2))

    if departments is not None:
        dept = np.where(depth == 0, -1, np.asarray(departments, dtype=np.int64))
    else:  # a department is the subtree of a level-1 manager
        dept = np.full(n, -1, dtype=np.int64)
        lvl1 = slice(level_start[1], level_start[2]) if depth.max() >= 1 else slice(0, 0)
        dept[lvl1] = np.arange(lvl1.stop - lvl1.start)
        for d in range(2, depth.max() + 1):
            rows = slice(level_start[d], level_start[d + 1])
            dept[rows] = dept[boss[rows]]

    peers = _peer_graph(depth, role, dept, level_start, peer_degree, cross_silo_ties, rng)
    return Org(boss, depth, role, dept, n_reports, level_start, peers)


def stack_orgs(orgs) -> Org:
    """R organisations as one (an ensemble, ``sim.members``): rows sorted by (level, member, the
    member's own row), so each level is contiguous and each member keeps its rows' order; each
    member's departments and peer ties are its own."""
    from .members import Members

    sizes = [o.n for o in orgs]
    offsets = np.cumsum([0] + sizes)[:-1]
    depth_c = np.concatenate([o.depth for o in orgs])
    order = np.argsort(depth_c, kind="stable")  # row i of the ensemble is row order[i] of the members'
    where = np.empty_like(order)
    where[order] = np.arange(len(order))  # and back
    boss_c = np.concatenate([np.where(o.boss >= 0, o.boss + off, -1) for o, off in zip(orgs, offsets)])
    dept_offsets = np.cumsum([0] + [max(o.n_depts, 1) for o in orgs])[:-1]
    dept_c = np.concatenate([np.where(o.dept >= 0, o.dept + off, -1) for o, off in zip(orgs, dept_offsets)])
    boss = boss_c[order]
    boss = np.where(boss >= 0, where[np.maximum(boss, 0)], -1)
    depth = depth_c[order]
    ties = [o.peers.tocoo() for o in orgs]
    rows = np.concatenate([where[t.row + off] for t, off in zip(ties, offsets)])
    cols = np.concatenate([where[t.col + off] for t, off in zip(ties, offsets)])
    n = len(order)
    peers = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    peers.sort_indices()
    member = np.repeat(np.arange(len(orgs)), sizes)[order]
    org = Org(boss, depth, np.concatenate([o.role for o in orgs])[order], dept_c[order],
              np.concatenate([o.n_reports for o in orgs])[order],
              np.searchsorted(depth, np.arange(depth.max() + 2)), peers,
              Members(tuple(orgs), member, order, depth))
    org.members.keep_runs(org.managers, org.employees, org.team_leaders, org.leaders)  # (reduced every week)
    return org


def _peer_graph(depth, role, dept, level_start, k, cross, rng) -> sp.csr_matrix:
    """Small-world peer ties among the managers of each level.

    Managers of a level are placed on a ring in department order and tied to their ``k`` nearest
    neighbours (so ties fall inside departments), then each tie is rewired with probability
    ``cross`` to a random manager of the same level (Watts-Strogatz), which mostly crosses silos.
    """
    n = len(depth)
    rows, cols = [], []
    for d in range(1, len(level_start) - 1):
        members = np.arange(level_start[d], level_start[d + 1])
        members = members[role[members] == 1]
        m = len(members)
        if m < 2 or k == 0:
            continue
        half = max(k // 2, 1)
        if k >= m - 1:  # complete graph: nothing to rewire
            i, j = np.triu_indices(m, 1)
        else:
            i = np.repeat(np.arange(m), half)
            j = (i + np.tile(np.arange(1, half + 1), m)) % m
            rewire = rng.random(len(i)) < cross
            j = np.where(rewire, rng.integers(0, m, len(i)), j)
        keep = i != j
        rows.append(members[i[keep]])
        cols.append(members[j[keep]])
    if not rows:
        return sp.csr_matrix((n, n))
    r, c = np.concatenate(rows), np.concatenate(cols)
    a = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()
    a = ((a + a.T) > 0).astype(np.float64).tocsr()
    a.sort_indices()
    return a
