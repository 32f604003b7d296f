"""What the performance work must not change: lazily made agents, cached index sets, in-place norm+."""

from __future__ import annotations

import numpy as np
from conftest import params

from sim import OrgModel
from sim.agents import Employee, Executive, MiddleManager
from sim.org import EMPLOYEE, MANAGER, build_org
from sim.state import norm_plus, norm_plus_nonzero, squared_norms


def test_agents_made_on_first_use_change_nothing():
    p = params(executives=2, layers=2, span=3)
    eager, lazy = OrgModel(rng=5, **p), OrgModel(rng=5, **p)
    assert eager._people is None
    assert len(eager.agents) == eager.org.n  # made here, before the run
    assert lazy._people is None
    a, b = eager.run(6), lazy.run(6)
    assert lazy._people is None  # running never needs them
    assert a.equals(b)
    assert [type(x) for x in lazy.people] == [(Executive, MiddleManager, Employee)[r] for r in lazy.org.role]
    assert [x.unique_id for x in lazy.people] == list(range(1, lazy.org.n + 1))
    assert {t: len(s) for t, s in lazy.agents_by_type.items()} == {
        Executive: 2, MiddleManager: 2 * 3 + 2 * 9, Employee: 2 * 27}
    assert lazy.people[7].commitment == lazy.state.m[7]


def test_index_sets_match_the_roles_on_a_regular_and_an_irregular_chart():
    regular = build_org(np.array([-1, 0, 0, 1, 1, 2, 2]), 2, 0.0, np.random.default_rng(0))
    # Row 2 is a level-1 person without reports: employees are not one contiguous block.
    irregular = build_org(np.array([-1, 0, 0, 0, 1, 1, 3, 3]), 2, 0.0, np.random.default_rng(0))
    for org in (regular, irregular):
        rows = np.arange(org.n)
        assert list(rows[org.employees]) == list(np.flatnonzero(org.role == EMPLOYEE))
        assert list(rows[org.managers]) == list(np.flatnonzero(org.role == MANAGER))
        assert list(rows[org.staff]) == list(np.flatnonzero(org.depth > 0))
        assert list(rows[org.leaders]) == list(np.flatnonzero(org.n_reports > 0))
        assert list(org.team_leaders) == sorted(set(org.boss[org.role == EMPLOYEE]))
        assert list(org.team_size) == [np.sum(org.boss[org.role == EMPLOYEE] == t) for t in org.team_leaders]
    assert isinstance(regular.employees, slice) and isinstance(irregular.employees, np.ndarray)


def test_norm_plus_in_place_and_row_helpers():
    v = np.array([[3.0, -1.0, 4.0, 0.0], [-1.0, -2.0, 0.0, 0.0], [1e-200, 0.0, 0.0, 0.0]])
    expected = norm_plus(v)
    np.testing.assert_allclose(expected[0], [0.6, 0.0, 0.8, 0.0], atol=1e-15)
    w = v.copy()
    assert norm_plus(w, out=w) is w
    np.testing.assert_array_equal(w, expected)
    np.testing.assert_allclose(squared_norms(v), np.einsum("ik,ik->i", v, v), rtol=1e-15)
    # The tiny row's square vanishes but it is not empty: v.any(axis=1) exactly.
    w = v.copy()
    assert list(norm_plus_nonzero(w)) == list(expected.any(axis=1)) == [True, False, True]
    np.testing.assert_array_equal(w, expected)
