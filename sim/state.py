"""The people's state as a struct of numpy arrays, one row per person (rows as in ``sim.org``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .org import EXECUTIVE, MANAGER, TRAIT_COLUMNS, Groups, Org

NEUTRAL, CHAMPION, DEFENDER = 0, 1, 2
STANCE_NAMES = ("neutral", "champion", "defender")

# Starting values (MODEL.md sections 2, 4.7): the why is barely known before the change is
# explained; commitment starts neutral; newcomers are less credible and less capable.
BELIEF_SPREAD = 0.2  # individual spread of status-quo beliefs around s0
START_UNDERSTANDING = 0.2
START_COMMITMENT = 0.3  # neutral: below adoption (0.5)
DEFENDER_COMMITMENT = 0.1
START_CONFIDENCE = 0.3
NEWCOMER_UNDERSTANDING = 0.1
NEWCOMER_CONFIDENCE = 0.2
NEWCOMER_TRAIT_SHARE = 0.5  # a newcomer's credibility and capability, as a share of the usual


def keep_freed_memory() -> None:
    """Let the C allocator keep the memory numpy frees, instead of handing it back to the system.

    A step makes and drops temporaries of a few MB (n x goals floats); glibc returns such blocks
    to the kernel and page-faults them back in the next week, about 15% of a step at 100,000
    people. Arrays below 64 MB come from the heap, and up to 512 MB of freed heap is kept. Done
    once per process, and only where the C library is glibc.
    """
    global _memory_kept
    if _memory_kept:
        return
    _memory_kept = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 64 << 20)
        libc.mallopt(m_trim_threshold, 512 << 20)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_memory_kept = False


_BOUNDS: dict[float, np.ndarray] = {}


def bound(value: float, n: int) -> np.ndarray:
    """``n`` copies of ``value`` (read-only, shared), to clip with: ``np.maximum(x, bound(0.0,
    len(x)))`` is ``np.maximum(x, 0.0)`` bit for bit, signed zeros and NaN included, and about three
    times faster (numpy 2.5's ``maximum`` and ``minimum`` take a slow loop for a scalar operand)."""
    a = _BOUNDS.get(value)
    if a is None or len(a) < n:
        a = _BOUNDS[value] = np.full(n, value)
        a.flags.writeable = False
    return a[:n]


def norm_plus(v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``norm+``: clip negatives to 0 and scale each row to unit length (zero rows stay zero).

    ``out=v`` works in place (no temporaries of v's size).
    """
    return unit(_no_negatives(v, out))


def _no_negatives(v: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    return np.maximum(v, bound(0.0, len(v))[:, None] if v.ndim == 2 else 0.0, out=out)


def unit(v: np.ndarray) -> np.ndarray:
    """``norm+`` of a v with no negative entries (a mix of beliefs with weights in [0, 1]), in
    place: the clip would change nothing, so it is skipped."""
    _scale_rows(v)
    return v


def norm_plus_nonzero(v: np.ndarray) -> np.ndarray:
    """``norm+`` of v in place; returns which rows are not zero (``v.any(axis=1)`` afterwards), from
    the lengths norm+ computes anyway. Rows so tiny their squares vanish are checked one by one."""
    length = _scale_rows(_no_negatives(v, v))
    out = length > 0
    if not out.all():
        tiny = np.flatnonzero(~out)
        out[tiny] = v[tiny].any(axis=1)
    return out


def _scale_rows(v: np.ndarray) -> np.ndarray:
    """Divide each row of v by its length, in place (zero rows stay zero); returns the lengths."""
    n = squared_norms(v)
    n = np.sqrt(n, out=n if isinstance(n, np.ndarray) else None)
    some_zero = not (np.size(n) and np.minimum.reduce(n, axis=None) > 0)  # (a NaN length counts as zero)
    np.divide(v, (np.where(n > 0, n, 1.0) if some_zero else n)[..., None], out=v)
    return n


def squared_norms(v: np.ndarray) -> np.ndarray:
    """Squared length of each row: the squares in one pass, then added up a column at a time
    (several times faster than einsum on (n, 4))."""
    if v.ndim != 2 or v.shape[1] == 0:
        return np.einsum("...k,...k->...", v, v)
    sq = np.multiply(v, v)
    if v.shape[1] == 1:
        return sq[:, 0]
    out = np.add(sq[:, 0], sq[:, 1])
    for j in range(2, v.shape[1]):
        out += sq[:, j]
    return out


def per_person(a: np.ndarray) -> np.ndarray:
    """An (n, k) array of the state, stored column-major (one goal's column after another).

    Most of the step scales each person's row by a number of their own (a weight, a length):
    column-major, numpy runs such a product as k long passes down the columns; row-major, its inner
    loop would run once per short row, several times slower on (n, 4). Rows are gathered and
    written with ``take_rows`` and ``put_rows``, which work a column at a time.
    """
    return np.asfortranarray(a)


def column_major(a: np.ndarray) -> bool:
    return a.ndim == 2 and a.strides[0] == a.itemsize and a.shape[1] > 1


def take_rows(a: np.ndarray, rows) -> np.ndarray:
    """``a[rows]``: a view where ``rows`` is a slice; gathered with ``np.take`` otherwise (faster
    than fancy indexing: a third faster on (n,), several times on (n, k)), a column-major (n, k)
    array a column at a time. Not to be written to: it may be a view."""
    if isinstance(rows, slice):
        return a[rows]
    if column_major(a) and a.flags.f_contiguous:
        return np.take(a.T, rows, axis=1).T
    return np.take(a, rows, axis=0)


def take_runs(a: np.ndarray, groups: Groups) -> np.ndarray:
    """``take_rows(a, groups.key)``: for each row of the groups, ``a`` at its key (its boss's
    value, its department's). Where the rows come in runs of one key, the keys' values are repeated
    over the runs (``np.repeat``: about three times faster than gathering row by row where the runs
    are long or all of one length: ``Groups.long_runs``)."""
    if not groups.long_runs:
        return take_rows(a, groups.key)
    values = take_rows(a, groups.run_rows)
    if column_major(a):
        return np.repeat(values.T, groups.run_lengths, axis=1).T
    return np.repeat(values, groups.run_lengths, axis=0)


def put_rows(a: np.ndarray, rows, values: np.ndarray) -> None:
    """``a[rows] = values``, a column at a time for a column-major (n, k) array (fancy assignment
    of 2-D rows is several times slower)."""
    if isinstance(rows, slice) or not column_major(a):
        a[rows] = values
        return
    for column, v in zip(a.T, np.asarray(values).T):
        column[rows] = v


def random_direction(rng: np.random.Generator, size, k: int) -> np.ndarray:
    """Random non-negative unit vectors: uniform on the positive orthant of the sphere."""
    return norm_plus(np.abs(rng.standard_normal((*np.atleast_1d(size), k))))


_WORTH_SKIPPING = 4096  # fewer numbers are drawn faster than skipped (numpy's call overheads)


def uniform_rows(rng: np.random.Generator, n: int, rows) -> np.ndarray:
    """``rng.random(n)``, of which only ``rows`` will be read. Where ``rows`` is a slice (and the
    generator a PCG64, whose uniform is one 64-bit step), only those numbers are drawn and the
    generator is advanced past the others: the numbers read and the generator's state afterwards are
    those of ``rng.random(n)``, at a fraction of the cost; the rows not read are NaN."""
    bits = rng.bit_generator
    if not isinstance(rows, slice) or type(bits) is not np.random.PCG64:
        return rng.random(n)
    start, stop, _ = rows.indices(n)
    if n - (stop - start) < _WORTH_SKIPPING or bits.state["has_uint32"]:
        return rng.random(n)
    out = np.full(n, np.nan)
    bits.advance(start)
    out[start:stop] = rng.random(stop - start)
    bits.advance(n - stop)
    return out


def around(rng: np.random.Generator, mean: float, spread: float, n: int) -> np.ndarray:
    """A trait with individual spread, clipped to [0, 1]."""
    return spread_around(mean, spread, rng.standard_normal(n))


def spread_around(mean: float, spread: float, z: np.ndarray) -> np.ndarray:
    """``around`` from the standard normal numbers ``z``."""
    return np.clip(mean + spread * z, 0.0, 1.0)


@dataclass
class State:
    # organisation-wide
    s: np.ndarray  # (K,) the strategy in force
    s0: np.ndarray  # (K,) the status quo
    kpi_bias: np.ndarray  # (departments, K) each department's KPI axis
    kpi_pull: np.ndarray  # (departments,) strength of the KPI pull, cut by reviews
    # per person ((n, K) arrays are column-major: see ``per_person``)
    b: np.ndarray  # (n, K) belief: what they think the priorities are
    h: np.ndarray  # (n, K) habit: their status-quo direction
    zeta: np.ndarray  # (n, K) their own interpretation frame
    u: np.ndarray  # understanding of the why
    m: np.ndarray  # commitment (adopted at >= 0.5)
    m0: np.ndarray  # status-quo commitment (defenders are pulled back to it)
    f: np.ndarray  # fatigue
    tau: np.ndarray  # trust in leadership
    conf: np.ndarray  # confidence: how clear they believe the strategy is
    kappa: np.ndarray  # credibility among peers
    c: np.ndarray  # capability
    r: np.ndarray  # role clarity
    lam: np.ndarray  # stubbornness (Friedkin-Johnsen), defenders only
    stance: np.ndarray  # initial stance: NEUTRAL, CHAMPION, DEFENDER
    tenure: np.ndarray  # weeks in the seat
    trust_offset: np.ndarray  # personal offset of employees' trust
    load: np.ndarray  # workload (capacity 1)
    o: np.ndarray  # overload
    x: np.ndarray  # (n, K) direction of work (everyone below the executives; employees' counts)
    sight: np.ndarray  # alignment of each person's work with the strategy (set with x)
    informed: np.ndarray  # reached by this week's cascade along an unbroken chain
    heard: np.ndarray  # feedback heard upward this week
    peer_w: object = None  # (n, n) CSR: credibility-weighted, row-normalised peer weights
    # scalars
    week: int = 0
    initiatives_now: int = 1
    rationale_now: float = 0.0
    progress: float = 0.0
    initiative_start: int = 0
    launched: int = 1
    succeeded: int = 0
    failed: int = 0
    pivots: int = 0
    n_repeat: int = 0
    next_broadcast: float = 0.0
    next_review: float = 0.0
    turnover: int = 0
    perceived: float = 1.0  # executives' perceived alignment: they start sure communication is understanding
    delivered: float = 1.0  # share of this week's cascade messages delivered (what executives see without feedback)
    force_pivot: bool = False
    extra: dict = field(default_factory=dict)  # room for user submodels' own state
    _with_peers: tuple = field(default=(None, None, None), repr=False, compare=False)

    def with_peers(self, w) -> tuple[np.ndarray, object]:
        """The rows of peer weights ``w`` that have peers, and ``w`` restricted to them. The rows
        are kept while ``w`` has the same ties (``peer_w`` is replaced, never changed, when managers
        leave, and shares the organisation's ties unless a peer without credibility was dropped)."""
        kept, rows, w_rows = self._with_peers
        if kept is not w:
            if kept is None or kept.indptr is not w.indptr:
                rows = np.flatnonzero(np.diff(w.indptr))
            # w[rows] without scipy's row indexing: the rows left out are empty, so the stored
            # ties are all kept, in order, and only the row pointers change.
            w_rows = sp.csr_matrix((w.data, w.indices, np.append(w.indptr[rows], w.indptr[-1])),
                                   shape=(len(rows), w.shape[1]))
            self._with_peers = (w, rows, w_rows)
        return rows, w_rows


def peer_weights(org: Org, kappa: np.ndarray):
    """Row-normalised credibility weights on the peer graph: w_ik = kappa_k / sum_N(i) kappa.

    A peer without credibility weighs 0. Usually the matrix shares the organisation's ties (so
    ``State.with_peers`` keeps its rows); only where all of someone's peers lack credibility are
    that person's ties dropped: they have no peers to listen to.
    """
    peers = org.peers
    data = np.take(kappa, peers.indices).astype(np.float64, copy=False)
    tie_sum = np.take(np.bincount(org.peer_row, data, minlength=org.n), org.peer_row)
    if tie_sum.all():
        data /= tie_sum
        return sp.csr_matrix((data, peers.indices, peers.indptr), shape=peers.shape)
    data /= np.where(tie_sum > 0, tie_sum, 1.0)
    w = sp.csr_matrix((data, peers.indices.copy(), peers.indptr.copy()), shape=peers.shape)
    w.eliminate_zeros()
    return w


def sparse_product(w, a: np.ndarray) -> np.ndarray:
    """``w @ a`` for a sparse ``w`` and a column-major ``a``, a column at a time (scipy would first
    copy all of ``a`` into row-major order)."""
    if not column_major(a):
        return w @ a
    out = np.empty((w.shape[0], a.shape[1]), order="F")
    for j, column in enumerate(a.T):
        out[:, j] = w @ column
    return out


def departing(base: np.ndarray, z: np.ndarray, magnitude: float) -> np.ndarray:
    """A priority mix (non-negative, unit length) that departs from ``base`` by ``magnitude``
    exactly: its centred cosine with ``base`` (the alignment of MODEL.md 10.1) is
    ``cos(magnitude pi / 2)``, turning toward the random direction ``z``: 0 keeps ``base``, 1 is
    unrelated to it (alignment 0). The mix keeps ``base``'s mean weight and spread (raised where a
    weight would go negative, which leaves the alignment unchanged). A mix with no spread, or a
    ``z`` along ``base``, has no direction to turn in: then it is the plain mix of the two."""
    spread = base - base.mean()
    r = np.sqrt(spread @ spread)
    turn = z - z.mean()
    turn -= (turn @ spread) / max(r * r, 1e-300) * spread  # the part of z's spread across base's
    t = np.sqrt(turn @ turn)
    if r < 1e-9 or t < 1e-9:
        return norm_plus(((1 - magnitude) * base + magnitude * z)[None])[0]
    angle = magnitude * np.pi / 2
    d = np.cos(angle) * spread + np.sin(angle) * (r / t) * turn
    return norm_plus((d + max(base.mean(), -d.min()))[None])[0]


def exec_strategies(s, rng_z, leadership_alignment):
    """Each executive's version of s: a divided top team (alignment < 1) sends different ones."""
    return norm_plus(leadership_alignment * s + (1 - leadership_alignment) * rng_z)


def init_state(org: Org, p, rng: np.random.Generator, strategy_rng: np.random.Generator,
               strategy=None, kpi_bias=None, traits=None) -> State:
    """Draw the people's starting state (``rng``) and the strategy (``strategy_rng``)."""
    keep_freed_memory()
    n, k = org.n, p.n_goals
    s0 = random_direction(strategy_rng, 1, k)[0]
    z = random_direction(strategy_rng, 1, k)[0]
    mix = p.initial_change_magnitude
    if strategy is None:
        s = departing(s0, z, mix)
    else:  # the goals' weights are the new strategy; the status quo departs from it as far
        s = norm_plus(np.asarray(strategy, dtype=float)[None])[0]
        s0 = departing(s, z, mix)

    h = per_person(norm_plus(s0 + BELIEF_SPREAD * rng.standard_normal((n, k))))
    zeta = per_person(rng.standard_normal((n, k)))
    kappa = around(rng, 0.5, p.credibility_spread, n)
    c = around(rng, p.capability, p.trait_spread, n)
    r = around(rng, p.role_clarity, p.trait_spread, n)
    trust_offset = p.trust_offset_spread * rng.standard_normal(n)
    tenure = np.zeros(n, dtype=np.int64)
    given = {"kappa": kappa, "c": c, "r": r, "tenure": tenure}
    for name, values in (traits or {}).items():  # a chart's known traits replace the drawn ones
        values = np.asarray(values, dtype=float)
        known = ~np.isnan(values)
        given[TRAIT_COLUMNS[name]][known] = values[known]

    # KPI axes: each department measures one goal, chosen with probability ~ s0_k^2.
    n_depts = max(org.n_depts, 1)
    axis = strategy_rng.choice(k, size=n_depts, p=s0**2 / np.sum(s0**2))
    if kpi_bias is None:
        kpi_bias = np.eye(k)[axis]
    else:  # given per department (cycled over the organisation's departments)
        given = norm_plus(np.atleast_2d(np.asarray(kpi_bias, dtype=float)))
        kpi_bias = given[np.arange(n_depts) % len(given)]

    stance = _stances(org, p, kappa, rng)
    m = np.where(stance == CHAMPION, p.m_adopt, np.where(stance == DEFENDER, DEFENDER_COMMITMENT,
                                                        START_COMMITMENT))
    lam = np.where(stance == DEFENDER, p.stubbornness, 0.0)
    u = np.full(n, START_UNDERSTANDING)
    b = h.copy(order="F")
    execs = org.role == EXECUTIVE
    st = State(
        s=s, s0=s0, kpi_bias=kpi_bias, kpi_pull=np.ones(n_depts),
        b=b, h=h, zeta=zeta, u=u, m=m, m0=m.copy(), f=np.zeros(n),
        tau=np.clip(p.leadership_consistency + trust_offset, 0, 1), conf=np.full(n, START_CONFIDENCE),
        kappa=kappa, c=c, r=r, lam=lam, stance=stance, tenure=tenure,
        trust_offset=trust_offset, load=np.zeros(n), o=np.zeros(n), x=h.copy(order="F"),
        sight=np.zeros(n),
        informed=execs.copy(), heard=np.zeros(n, dtype=bool),
        initiatives_now=p.initiatives, rationale_now=p.rationale,
    )
    set_executives(org, st, exec_strategies(s, random_direction(strategy_rng, int(execs.sum()), k),
                                             p.leadership_alignment))
    st.peer_w = peer_weights(org, st.kappa)
    from .geometry import alignment  # (geometry builds on this module)

    st.sight = alignment(st.x, s, unit=True)
    return st


def set_executives(org: Org, st: State, strategies: np.ndarray, execs=None) -> None:
    """Executives (``execs``: their rows, all of them by default) hold their version of the
    strategy, its why and full commitment."""
    execs = org.level(0) if execs is None else execs
    st.b[execs] = strategies
    st.u[execs] = 1.0
    st.m[execs] = 1.0
    st.conf[execs] = 1.0


# The organisation-level quantities of the state that an ensemble holds per member (the week and the
# broadcast and review clocks follow the week and the shared parameters: one for all).
PER_MEMBER = ("s", "s0", "initiatives_now", "rationale_now", "progress", "initiative_start", "launched",
              "succeeded", "failed", "pivots", "n_repeat", "turnover", "perceived", "delivered")
PER_DEPARTMENT = ("kpi_bias", "kpi_pull")
SHARED = ("week", "next_broadcast", "next_review", "force_pivot")


def stack_states(org: Org, states: list[State]) -> State:
    """The members' starting states as one (``org`` from ``sim.org.stack_orgs``): people's rows in
    the ensemble's order, departments one member's after another, organisation-level quantities
    as arrays with one entry per member. The members' per-person arrays are used up (set to None)."""
    order = org.members.order
    fields = {}
    for name in State.__dataclass_fields__:
        first = getattr(states[0], name)
        if name in PER_MEMBER:
            fields[name] = np.array([getattr(s, name) for s in states])
        elif name in PER_DEPARTMENT:
            fields[name] = np.concatenate([getattr(s, name) for s in states])
        elif name in SHARED:
            fields[name] = first
        elif isinstance(first, np.ndarray):
            rows = np.take(np.concatenate([getattr(s, name) for s in states]), order, axis=0)
            fields[name] = per_person(rows) if rows.ndim == 2 else rows
            for s in states:  # the members' copies go as soon as they are stacked: peak memory
                setattr(s, name, None)
    st = State(**fields)
    st.peer_w = peer_weights(org, st.kappa)
    return st


def member_state(org: Org, st: State, j: int) -> State:
    """Member ``j``'s state in an ensemble (``org`` from ``sim.org.stack_orgs``) as its run alone
    holds it: its people's rows in its own order (copies), its departments, its entries of the
    organisation-level quantities (the inverse of ``stack_states``; ``extra`` is the ensemble's)."""
    members = org.members
    rows = members.rows[j]
    depts = np.cumsum([0] + [max(o.n_depts, 1) for o in members.orgs])
    fields = {}
    for name in State.__dataclass_fields__:
        value = getattr(st, name)
        if name in PER_MEMBER:
            fields[name] = np.asarray(value)[j]
        elif name in PER_DEPARTMENT:
            fields[name] = value[depts[j]:depts[j + 1]]
        elif name == "peer_w":
            fields[name] = value[rows][:, rows]
        elif name in SHARED or name == "extra" or not isinstance(value, np.ndarray):
            fields[name] = value
        else:
            fields[name] = per_person(take_rows(value, rows)) if value.ndim == 2 else take_rows(value, rows)
    fields.pop("_with_peers")
    return State(**fields)


def _stances(org: Org, p, kappa, rng) -> np.ndarray:
    managers = np.flatnonzero(org.role == MANAGER)
    stance = np.full(org.n, NEUTRAL, dtype=np.int8)
    n_champ = int(round(p.champion_share * len(managers)))
    n_def = int(round(p.defender_share * len(managers)))
    order = rng.permutation(managers)  # random by default, and the tie-breaker otherwise
    if p.champion_selection == "high_credibility":
        order = order[np.argsort(-kappa[order], kind="stable")]
    elif p.champion_selection == "low_credibility":
        order = order[np.argsort(kappa[order], kind="stable")]
    elif p.champion_selection == "betweenness":
        order = order[np.argsort(-_betweenness(org, rng)[order], kind="stable")]
    champions = order[:n_champ]
    stance[champions] = CHAMPION
    # Defenders are drawn from the others at random, in an order that does not depend on how many
    # champions there are: a run with more champions keeps the same defenders (but for any who
    # became champions), so runs compared across champion shares share their people.
    others = rng.permutation(managers)
    others = others[stance[others] != CHAMPION]
    stance[others[:n_def]] = DEFENDER
    return stance


def _betweenness(org: Org, rng) -> np.ndarray:
    """Betweenness in the peer graph (sampled with 200 pivots on large graphs)."""
    import networkx as nx

    g = nx.from_scipy_sparse_array(org.peers)
    k = None if org.n <= 2000 else 200
    bc = nx.betweenness_centrality(g, k=k, seed=int(rng.integers(2**31)) if k else None)
    return np.array([bc[i] for i in range(org.n)])
