"""What the performance work must not change: lazily made agents, cached index sets, in-place norm+,
column-major state arrays, clipping against shared bounds, uniforms drawn only where they are read."""

from __future__ import annotations

import numpy as np
from conftest import params

from sim import OrgModel
from sim.agents import Employee, Executive, MiddleManager
from sim.org import EMPLOYEE, MANAGER, Groups, build_org
from sim.state import (bound, norm_plus, norm_plus_nonzero, peer_weights, per_person, put_rows, sparse_product,
                       squared_norms, take_rows, take_runs, uniform_rows, unit)


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
        np.testing.assert_array_equal(org.reports.keys, np.flatnonzero(org.n_reports))
    assert isinstance(regular.employees, slice) and isinstance(irregular.employees, np.ndarray)


def test_group_sums_in_runs_and_in_any_order():
    """Rows sorted by key are summed as runs; any other order gives the same sums by bincount."""
    key = np.array([2, 2, 5, 5, 5, 7])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    runs = Groups(key)
    assert runs.starts is not None
    np.testing.assert_array_equal(runs.keys, [2, 5, 7])
    np.testing.assert_array_equal(runs.sizes, [2, 3, 1])
    np.testing.assert_array_equal(Groups(np.array([4, 4, 1, 4])).runs, [4, 1, 4])
    np.testing.assert_array_equal(Groups(np.array([4, 4, 1, 4])).run_lengths, [2, 1, 1])
    np.testing.assert_array_equal(runs.sums(values), [3.0, 12.0, 6.0])
    order = np.array([4, 0, 5, 2, 1, 3])
    shuffled = Groups(key[order])
    assert shuffled.starts is None
    np.testing.assert_array_equal(shuffled.sums(values[order]), [3.0, 12.0, 6.0])
    assert Groups(np.zeros(0, dtype=np.int64)).sums(np.zeros(0)).shape == (0,)
    # Each row handed its key's value: repeated over runs, gathered otherwise, the same either way.
    rng = np.random.default_rng(0)
    for groups in (runs, shuffled, Groups(np.array([0, 0, 1, 1, 1, 2])), Groups(np.array([4, 4, 4, 1, 1, 4, 4, 4])),
                   Groups(np.zeros(0, dtype=np.int64))):
        for a in (rng.random(8), rng.random(8) > 0.5, per_person(rng.random((8, 4))), rng.random((8, 3))):
            got = take_runs(a, groups)
            np.testing.assert_array_equal(got, a[groups.key])
            assert got.dtype == a.dtype
            assert a.ndim == 1 or len(got) < 2 or got.flags.f_contiguous == a.flags.f_contiguous  # the layout kept


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
    # Without negatives, unit is norm+ (in place), whatever the layout.
    w = per_person(np.abs(v))
    assert unit(w) is w and w.flags.f_contiguous
    np.testing.assert_array_equal(w, norm_plus(np.abs(v)))


def test_index_arrays_give_the_results_of_slices():
    """A client's chart gets index arrays where a regular tree gets slices: the same organisation
    run with its sets given as index arrays must end where the slices do, week by week."""
    p = params(executives=2, layers=2, span=[3, 2, 4], feedback=0.5, dialogue=0.3, broadcast_interval=3.0,
               pivot_interval=4.0, pivot_schedule="fixed", review_interval=3.0, review_strength=0.2,
               base_load=1.2, a_over=0.6, f_burnout=0.3, p_leave=0.3, defender_share=0.3,
               stubbornness=0.4, change_rewards=0.2, capability_investment=0.05)
    sliced, indexed = OrgModel(rng=4, **p), OrgModel(rng=4, **p)
    for name in ("managers", "employees", "leaders"):
        rows = getattr(sliced.org, name)
        assert isinstance(rows, slice)
        indexed.org.__dict__[name] = np.arange(rows.start, rows.stop)  # what a chart would get
    a, b = sliced.run(12), indexed.run(12)
    assert sliced.state.turnover > 0 and sliced.state.pivots > 0  # the busy paths ran
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=0, atol=1e-12)
    for name in ("b", "x", "u", "m", "f", "tau", "c", "load", "o"):
        np.testing.assert_allclose(getattr(sliced.state, name), getattr(indexed.state, name), rtol=0,
                                   atol=1e-12, err_msg=name)


def test_row_helpers_and_the_kept_peer_rows():
    rows = np.array([4, 1])
    for a in (np.arange(24.0).reshape(6, 4), per_person(np.arange(24.0).reshape(6, 4))):
        np.testing.assert_array_equal(take_rows(a, rows), a[rows])
        assert np.shares_memory(take_rows(a, slice(1, 3)), a)  # a slice: a view
        expected = a.copy()
        expected[rows] = [[-1, -2, -3, -4], [-5, -6, -7, -8]]
        put_rows(a, rows, expected[rows])
        np.testing.assert_array_equal(a, expected)

    model = OrgModel(rng=3, **params(executives=1, layers=2, span=4, peer_degree=2))
    st = model.state
    assert st.b.flags.f_contiguous and st.h.flags.f_contiguous and st.zeta.flags.f_contiguous
    np.testing.assert_array_equal(sparse_product(st.peer_w, st.b), st.peer_w @ np.ascontiguousarray(st.b))
    rows, w = st.with_peers(st.peer_w)
    assert st.with_peers(st.peer_w)[1] is w  # kept while peer_w is the same matrix
    np.testing.assert_array_equal(rows, np.flatnonzero(np.diff(st.peer_w.indptr)))
    np.testing.assert_array_equal(w.toarray(), st.peer_w[rows].toarray())
    # A manager without credibility: its peers stop listening to it; they keep their other peers.
    quiet = rows[0]
    st.kappa[quiet] = 0.0
    st.peer_w = peer_weights(model.org, st.kappa)
    assert not st.peer_w[:, quiet].toarray().any()
    new_rows, new_w = st.with_peers(st.peer_w)
    assert new_w is not w
    np.testing.assert_array_equal(new_rows, rows)
    np.testing.assert_array_equal(new_w.toarray(), st.peer_w[new_rows].toarray())
    # When all of someone's peers lack credibility, they have no peers to listen to.
    st.kappa[model.org.peers[quiet].indices] = 0.0
    st.peer_w = peer_weights(model.org, st.kappa)
    new_rows, new_w = st.with_peers(st.peer_w)
    assert quiet not in new_rows and st.peer_w[quiet].nnz == 0
    np.testing.assert_array_equal(new_w.toarray(), st.peer_w[new_rows].toarray())


def test_clipping_against_a_bound_is_clipping_against_the_scalar_bit_for_bit():
    """np.maximum and np.minimum against ``bound`` (faster) give what they give against the scalar,
    signed zeros, NaN, infinities and subnormals included, in vector bodies and tails, 1-D and
    column-major 2-D."""
    rng = np.random.default_rng(3)
    special = np.array([-0.0, 0.0, np.nan, -np.nan, -1e-320, 1e-320, -np.inf, np.inf, 1.5, -2.0, 1.0])
    for size in (1, 3, 7, 8, 9, 17, 64, 1001):
        x = rng.choice(special, size=size)
        for a in (x, per_person(np.stack([x, x[::-1], -x, x], axis=1))):
            n = len(a)
            lo, hi = (bound(0.0, n), bound(1.0, n)) if a.ndim == 1 else (bound(0.0, n)[:, None], bound(1.0, n)[:, None])
            for scalar, array in ((np.maximum(a, 0.0), np.maximum(a, lo)), (np.maximum(0.0, a), np.maximum(lo, a)),
                                  (np.minimum(a, 1.0), np.minimum(a, hi))):
                np.testing.assert_array_equal(scalar.view(np.int64), array.view(np.int64))
    assert not bound(0.0, 5).flags.writeable and len(bound(0.0, 2000)) == 2000 and not bound(0.0, 2000).any()


def test_uniforms_drawn_only_where_read_are_the_same_numbers():
    """``uniform_rows`` draws only the rows of a slice and advances the generator past the others:
    the rows read and every later number are those of ``rng.random(n)``."""
    n = 10_000
    for rows, skipped in ((slice(10, 400), True), (slice(0, n), False), (slice(60, 60), True),
                          (slice(2000, 9000), False), (np.array([3, 50, 9999]), False)):
        fast, plain = np.random.default_rng(7), np.random.default_rng(7)
        got, want = uniform_rows(fast, n, rows), plain.random(n)
        np.testing.assert_array_equal(got[rows], want[rows])
        assert np.isnan(got).any() == skipped  # (few numbers are drawn rather than skipped)
        np.testing.assert_array_equal(fast.random(50), plain.random(50))
    # A generator holding half of a 64-bit draw (a 32-bit number was drawn) draws everything.
    fast, plain = np.random.default_rng(8), np.random.default_rng(8)
    fast.random(3, dtype=np.float32), plain.random(3, dtype=np.float32)
    np.testing.assert_array_equal(uniform_rows(fast, n, slice(5, 9)), plain.random(n))
    np.testing.assert_array_equal(fast.random(5, dtype=np.float32), plain.random(5, dtype=np.float32))
