"""The analytic special cases of MODEL.md section 7 (A1-A5), exactly or within stated sampling error.

Every parameter a case depends on is set here; submodels a case must not see are replaced with
no-ops (``conftest.only``), which is the model's own plug-in mechanism.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import only, params
from scipy.sparse.csgraph import connected_components
from scipy.stats import binom

from sim import OrgModel
from sim.org import MANAGER

# --------------------------------------------------------------------------------------------
# A1 control loss (Williamson): delivery probability alpha per hop -> level d reached w.p. alpha^d.

def control_loss_params(alpha, **extra):
    """Every manager's and executive's load is 1/alpha: delivery chance min(1, 1/load) = alpha."""
    return params(**{**dict(executives=4, layers=3, span=6, base_load=1 / alpha, team_load=0.0,
                            initiative_load=0.0, escalation_load=0.0, dialogue=0.0, feedback=0.0,
                            peer_degree=0, communication="cascade", pivot_interval=0.0,
                            p_leave=0.0), **extra})


def informed_share(model):
    return np.array([model.state.informed[model.org.level(d)].mean() for d in range(model.org.levels)])


@pytest.mark.parametrize("alpha", [0.5, 0.8])
def test_a1_control_loss_week_by_week(alpha):
    """``informed`` is recomputed every week from fresh delivery draws, so the weeks are independent
    replicates of one pass. Tolerance: 4 standard errors of the mean over weeks (the SE is
    estimated from the weekly shares themselves, which accounts for the correlation that shared
    bosses create within one week; a binomial SE would understate it)."""
    model = OrgModel(rng=1, **control_loss_params(alpha))
    weeks = 60
    shares = []
    for _ in range(weeks):
        model.step()
        shares.append(informed_share(model))
    shares = np.array(shares)
    expected = alpha ** np.arange(model.org.levels)
    mean, se = shares.mean(axis=0), shares.std(axis=0, ddof=1) / np.sqrt(weeks)
    assert mean[0] == 1.0  # executives hold the strategy
    assert np.all(np.abs(mean - expected) <= 4 * se + 1e-12), (mean, expected, se)
    assert np.all(se[1:] > 0)  # the test has power: drops did happen at every level


def test_a1_control_loss_after_one_step():
    """The very first pass, over 12 seeds: the first week's cascade must already meet the load
    the organisation carries (not an empty start-up load). Tolerance: 4 SE over seeds."""
    alpha = 0.5
    shares = np.array([informed_share(_one_step(seed, alpha)) for seed in range(12)])
    expected = alpha ** np.arange(shares.shape[1])
    mean, se = shares.mean(axis=0), shares.std(axis=0, ddof=1) / np.sqrt(len(shares))
    assert np.all(np.abs(mean - expected) <= 4 * se + 1e-12), (mean, expected, se)
    assert np.all(mean[1:] < 0.75)  # clearly not "everyone reached"


def _one_step(seed, alpha):
    model = OrgModel(rng=seed, **control_loss_params(alpha, executives=2, span=5))
    model.step()
    return model


# --------------------------------------------------------------------------------------------
# A2 DeGroot and A3 Friedkin-Johnsen: commitment on the fixed peer graph.

BETA_M = 0.5


def opinion_model(seed, **extra):
    p = params(executives=2, layers=2, span=4, peer_degree=4, cross_silo_ties=0.2,
               credibility_spread=0.3, beta_m=BETA_M, beta=0.11, phi_h=0.024, **extra)
    model = OrgModel(rng=seed, submodels=only("peers"), **p)
    rng = np.random.default_rng(seed)
    st, org = model.state, model.org
    managers = np.flatnonzero(org.role == MANAGER)
    st.m[managers] = rng.random(len(managers))  # spread-out starting commitments
    st.m0[managers] = rng.random(len(managers))  # and status-quo anchors
    return model, managers


def update_matrix(model):
    """P = (1 - beta_m) I + beta_m W on rows with peers (identity elsewhere), W = state.peer_w."""
    w = model.state.peer_w.toarray()
    has_peers = np.diff(model.state.peer_w.indptr) > 0
    n = model.org.n
    return np.where(has_peers[:, None], (1 - BETA_M) * np.eye(n) + BETA_M * w, np.eye(n))


def level_components(model, managers):
    """The peer graph's connected components among managers (one or more per level)."""
    adj = model.org.peers[managers][:, managers]
    n_comp, labels = connected_components(adj, directed=False)
    return [managers[labels == c] for c in range(n_comp)]


def test_a2_degroot_consensus_is_the_left_eigenvector_mean():
    model, managers = opinion_model(4, defender_share=0.0, champion_share=0.2)
    st = model.state
    P = update_matrix(model)
    m0 = st.m.copy()
    comps = level_components(model, managers)
    assert len(comps) == model.org.levels - 2  # one connected peer graph per management level

    # Exact: each step is the linear DeGroot map.
    expected = m0.copy()
    for _ in range(5):
        model.step()
        expected = P @ expected
        np.testing.assert_allclose(st.m, expected, rtol=0, atol=1e-12)

    # Limit: consensus pi . m0 on each component, pi the left eigenvector of P (eigenvalue 1).
    targets, slowest = {}, 0.0
    for comp in comps:
        Pc = P[np.ix_(comp, comp)]
        vals, vecs = np.linalg.eig(Pc.T)
        top = np.argmin(np.abs(vals - 1))
        pi = np.real(vecs[:, top])
        pi /= pi.sum()
        np.testing.assert_allclose(pi @ Pc, pi, atol=1e-12)
        # a reversible chain: pi_i ~ kappa_i * (sum of neighbours' kappa)
        kappa = st.kappa[comp]
        closed = kappa * (model.org.peers[comp][:, comp] @ kappa)
        np.testing.assert_allclose(pi, closed / closed.sum(), rtol=1e-9)
        targets[tuple(comp)] = pi @ m0[comp]
        slowest = max(slowest, np.sort(np.abs(vals))[-2])
    # Enough steps that the theoretical distance to consensus is below 1e-9.
    steps = int(np.ceil(np.log(1e-9) / np.log(slowest)))
    assert steps < 3000
    for _ in range(steps):
        model.step()
    for comp, target in targets.items():
        np.testing.assert_allclose(st.m[list(comp)], target, atol=1e-6)
    assert np.ptp(list(targets.values())) > 1e-3  # the levels reach different consensuses


def test_a3_friedkin_johnsen_equilibrium():
    model, managers = opinion_model(7, defender_share=0.3, champion_share=0.1,
                                    stubbornness=0.4, stubbornness_decay=0.0)
    st, n = model.state, model.org.n
    lam = st.lam.copy()
    assert np.all(lam[managers][lam[managers] > 0] == 0.4)
    for comp in level_components(model, managers):  # every component has a stubborn member
        assert np.any(lam[comp] > 0)
    P, L, I = update_matrix(model), np.diag(lam), np.eye(n)
    M = (I - L) @ P  # one week: m <- (I - L) P m + L m0

    expected = st.m.copy()
    for _ in range(5):
        model.step()
        expected = M @ expected + L @ st.m0
        np.testing.assert_allclose(st.m, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(st.lam, lam)  # constant stubbornness

    ix = np.ix_(managers, managers)
    equilibrium = np.linalg.solve(I[ix] - M[ix], (L @ st.m0)[managers])
    radius = max(abs(np.linalg.eigvals(M[ix])))
    steps = int(np.ceil(np.log(1e-9) / np.log(radius)))
    assert steps < 3000
    for _ in range(steps):
        model.step()
    np.testing.assert_allclose(st.m[managers], equilibrium, atol=1e-6)
    # Not a consensus: the stubborn keep the equilibrium spread out.
    assert np.ptp(equilibrium) > 0.05


# --------------------------------------------------------------------------------------------
# A4 Bass: complete peer graph, equal credibility, trust 1, only adoption.

P_INNOV, Q_IMIT, WEEKS, REPLICATES = 0.02, 0.4, 25, 40


def bass_runs():
    p = params(executives=5, layers=1, span=10, peer_degree=49, cross_silo_ties=0.0,
               credibility_spread=0.0, leadership_consistency=1.0, trust_offset_spread=0.0,
               champion_share=0.0, defender_share=0.0, p_innov=P_INNOV, q_imit=Q_IMIT,
               m_adopt=0.6, f_relapse=0.6, p_relapse=0.05)
    counts = []
    for seed in range(REPLICATES):
        model = OrgModel(rng=seed, submodels=only("adoption"), **p)
        managers = model.org.role == MANAGER
        n = int(managers.sum())
        assert model.org.peers.nnz == n * (n - 1)  # complete peer graph
        assert np.all(model.state.tau[managers] == 1.0)
        k = [int(np.sum(model.state.m[managers] >= 0.5))]
        for _ in range(WEEKS):
            model.step()
            k.append(int(np.sum(model.state.m[managers] >= 0.5)))
        counts.append(k)
    return np.array(counts), n


@pytest.fixture(scope="module")
def bass():
    return bass_runs()


def test_a4_bass_hazard_is_exact(bass):
    """Each week a non-adopter adopts with chance p + q A, A = adopted share of its peers
    (k / (N - 1) in a complete graph of N): new adopters ~ Binomial(N - k, p + q k / (N - 1)).
    Pooled over replicates and weeks, (observed - expected) / sd is a z-score: |z| < 4."""
    counts, n = bass
    k, k_next = counts[:, :-1], counts[:, 1:]
    hazard = P_INNOV + Q_IMIT * k / (n - 1)
    assert np.all(k_next >= k)  # nobody relapses (no fatigue)
    z = ((k_next - k) - (n - k) * hazard).sum() / np.sqrt(((n - k) * hazard * (1 - hazard)).sum())
    assert abs(z) < 4, z


def test_a4_bass_mean_curve(bass):
    """The mean adopted share follows F(t+1) = F(t) + (1 - F(t)) (p + q F(t)).

    Two statements. (1) Within sampling error of the exact expectation for N managers, computed
    from the Markov chain of the adopter count: 4 SE at every week, SE = exact sd / sqrt(R).
    (2) That expectation is the Bass curve up to the finite-N terms (imitation share
    k / (N - 1) instead of k / N, and the Jensen gap q Var(F) of averaging S-curves that start at
    random times: at most 0.06 here, computed below); so the observed mean is within
    0.06 + 4 SE of the Bass recursion."""
    counts, n = bass
    share = counts / n
    mean = share.mean(axis=0)

    # Exact distribution of the adopter count k_t (N + 1 states, binomial transitions).
    states = np.arange(n + 1)
    T = np.zeros((n + 1, n + 1))
    for k in states:
        h = min(P_INNOV + Q_IMIT * k / (n - 1), 1.0)
        T[k, k:] = binom.pmf(np.arange(n - k + 1), n - k, h)
    dist = np.zeros(n + 1)
    dist[0] = 1.0
    exact_mean, exact_sd = [0.0], [0.0]
    for _ in range(WEEKS):
        dist = dist @ T
        exact_mean.append(dist @ states / n)
        exact_sd.append(np.sqrt(dist @ (states / n) ** 2 - exact_mean[-1] ** 2))
    exact_mean, se = np.array(exact_mean), np.array(exact_sd) / np.sqrt(REPLICATES)
    assert np.all(np.abs(mean - exact_mean) <= 4 * se + 1e-12), (mean - exact_mean) / np.maximum(se, 1e-12)

    bass_curve = [0.0]
    for _ in range(WEEKS):
        f = bass_curve[-1]
        bass_curve.append(f + (1 - f) * (P_INNOV + Q_IMIT * f))
    bass_curve = np.array(bass_curve)
    assert np.max(np.abs(exact_mean - bass_curve)) <= 0.06
    assert np.all(np.abs(mean - bass_curve) <= 0.06 + 4 * se + 1e-12)
    assert mean[-1] > 0.95 and mean[5] < 0.5  # the S has saturated; and it started slowly


# --------------------------------------------------------------------------------------------
# A5: no noise, full clarity, no pivots, no overload, no habit pull -> alignment tends to 1.

def test_a5_alignment_tends_to_one_at_every_level():
    p = params(executives=2, layers=3, span=3, translation_noise=0.0, strategy_clarity=1.0,
               role_clarity=1.0, pivot_interval=0.0, base_load=0.2, team_load=0.05,
               initiative_load=0.05, escalation_load=0.1, dialogue=0.0, feedback=0.3,
               feedback_load=0.05, initiatives=3, phi_h=0.0, leadership_alignment=1.0,
               leadership_consistency=1.0, trust_offset_spread=0.0, eta=0.5, authority_weight=0.55,
               p_leave=0.0, communication="both", c_b=1.0, review_interval=13.0,
               defender_share=0.2, stubbornness=0.4, stubbornness_decay=0.02)
    model = OrgModel(rng=2, **p)
    ts = model.run(300)
    levels = [f"alignment_{d}" for d in range(model.org.levels)]
    assert ts["overload"].max() == 0.0  # no overload: every message is delivered
    assert ts[levels].iloc[0].min() < 0.95  # it starts far from aligned
    assert np.all(1 - ts[levels].iloc[-1].to_numpy() < 1e-5)
    # and it gets there steadily: the employee level's gap shrinks over each 50 weeks
    gap = 1 - ts[levels[-1]].to_numpy()[::50]
    assert np.all(np.diff(gap) < 0)
