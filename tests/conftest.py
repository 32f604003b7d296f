"""Shared helpers for the organisation model's tests.

``params(**overrides)`` gives a complete parameter set with every value written out here (the
coefficients of MODEL.md section 9), so no test depends on ``sim.params`` defaults, which are
being calibrated; the mechanisms model v2 added (MODEL.md 10) are off unless a test turns them on.
``only(*names)`` replaces every other submodel of the schedule with a no-op.
"""

from __future__ import annotations

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # for ``bench.naive``
    sys.path.insert(0, str(ROOT))

from sim.params import BY_NAME  # noqa: E402
from sim.submodels import SCHEDULE, Submodel  # noqa: E402

BASE = dict(
    executives=1, layers=2, span=2, n_goals=4, cross_silo_ties=0.1, peer_degree=4,
    credibility_spread=0.2, trait_spread=0.1, champion_share=0.1, defender_share=0.23,
    champion_selection="random", initial_change_magnitude=0.6,
    strategy_clarity=0.6, pivot_interval=26.0, pivot_schedule="poisson", pivot_magnitude=0.75,
    a_pivot=0.08, tau_pivot_loss=0.017, m_pivot_loss=0.07, u_pivot_loss=0.28,
    leadership_alignment=0.9, leadership_consistency=0.6,
    translation_noise=0.6, translation_persistence=0.85, capability=0.5, rationale=0.3, eta=0.15,
    authority_weight=0.55, eta_m=3.0, gamma_u=0.18, k_rush=1.3, communication="both",
    broadcast_interval=13.0, eta_b=0.43, nu=0.85, a_repeat=0.01, c_b=1.0, dialogue=0.0,
    dialogue_load=0.03,
    beta=0.11, beta_m=0.05, phi_h=0.024, stubbornness=0.4, stubbornness_decay=0.02,
    p_innov=0.007, q_imit=0.45, m_adopt=0.6, f_relapse=0.6, p_relapse=0.05,
    feedback=0.0, eta_fb=0.43, overload_alarm=0.15, understanding_alarm=0.5, rationale_step=0.02,
    feedback_load=0.05, feedback_trust_gain=0.02,
    initiatives=3, role_clarity=0.5, base_load=0.4, team_load=0.05, initiative_load=0.08,
    escalation_load=0.12, a_absorb=0.023, a_over=0.19, recovery=0.05, f_burnout=0.7, p_leave=0.08,
    delta_tau=0.02, g_boss=1.0, trust_offset_spread=0.05, change_rewards=0.0, delta_m=0.05,
    capability_investment=0.0, kpi_alignment=0.5, lambda_kpi=0.45, k_silo=0.9, kpi_drift=0.017,
    review_interval=13.0, review_strength=0.1,
    initiative_effort=1.8, initiative_deadline=42.0, a_split=0.4, theta=0.77,
    conf_message=0.036, conf_broadcast=0.23, conf_pivot_loss=0.47,
    # Model v2 (MODEL.md 10), switched off here unless a test turns it on: content-free adoption
    # (the Bass form), listening that ignores commitment, no results loop, the first model's load
    # per report (span_capacity 1), no ordinary leaving, confidence that ignores content.
    w_c=0.0, m_listen=0.0, k_win=0.0, k_fail=0.0, span_capacity=1.0, p_quit=0.0,
    candour=1.0, eta_p=0.1, conf_surprise=0.0,
)


def params(**overrides) -> dict:
    """Every parameter explicit: BASE (known names only) updated with ``overrides``."""
    out = {k: v for k, v in BASE.items() if k in BY_NAME}
    out.update(overrides)
    return out


def noop(org, st, p, dr) -> None:
    return None


def only(*names: str) -> dict:
    """Submodel replacements that switch off every submodel but ``names``."""
    known = {sm.name for sm in SCHEDULE}
    assert set(names) <= known, set(names) - known
    return {sm.name: Submodel(sm.name, noop) for sm in SCHEDULE if sm.name not in names}


@pytest.fixture
def make_model():
    from sim import OrgModel

    def make(rng=0, submodels=None, **overrides):
        return OrgModel(rng=rng, submodels=submodels, **params(**overrides))

    return make
