"""Every model parameter, once: name, default, allowed range, unit, meaning, seed idea.

This table is the single source of truth. The scenario schema, the CLI's ``--set`` keys, the
Solara sliders and the parameter reference in the docs are all generated from ``PARAMS``.
Names are MODEL.md's; where MODEL.md uses a Greek symbol for a lever a person would set, the
parameter takes a descriptive name (``translation_noise`` for sigma0) and keeps the symbol in
``Param.symbol``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any, Literal

import pydantic


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    low: float | None = None
    high: float | None = None
    unit: str = ""
    meaning: str = ""
    seed: str = ""
    group: str = ""
    symbol: str = ""
    choices: tuple[str, ...] = ()
    kind: type = float
    structural: bool = False  # changes the organisation: not allowed in a running model
    source: str = ""  # where the default comes from: a figure, a paper, a calibration, an assumption

    @property
    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.name == "span":
            return f"an integer in [{self.low:g}, {self.high:g}] or a list of them, one per level"
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in [{self.low:g}, {self.high:g}]"


_S = "structure"
_L = "leadership and pivots"
_C = "cascade and communication"
_P = "peers and adoption"
_F = "feedback"
_W = "workload, fatigue and turnover"
_T = "trust, rewards, capability and KPIs"
_I = "initiatives"
_M = "confidence"

PARAMS: tuple[Param, ...] = (
    # --- structure (MODEL.md section 2)
    Param("executives", 2, 1, 20, "people", "Size of the executive team; each heads a division.",
          "overcomplication (too many layers)", _S, kind=int, structural=True),
    Param("layers", 2, 1, 8, "levels", "Middle-management layers between executives and employees.",
          "overcomplication (too many layers)", _S, "L", kind=int, structural=True),
    Param("span", 8, 1, 60, "reports", "Span of control: reports per manager (one number, or one per level).",
          "overcomplication (too many layers)", _S, kind=int, structural=True),
    Param("n_goals", 4, 2, 8, "goals", "Strategic goals (one per balanced-scorecard perspective by default).",
          "balanced scorecard's four perspectives", _S, "K", kind=int, structural=True),
    Param("cross_silo_ties", 0.1, 0.0, 1.0, "share", "Share of peer ties that cross departments.",
          "cascading goals, misaligned KPIs, silos", _S, structural=True),
    Param("peer_degree", 4, 0, 50, "ties", "Peer ties per manager within a level (ring lattice, even: odd rounds down; before rewiring).",
          "change spreads through credibility, not authority alone", _S, kind=int, structural=True),
    Param("credibility_spread", 0.2, 0.0, 0.45, "sd", "Spread of managers' credibility (peers' respect) around 0.5.",
          "change spreads through credibility, not authority alone", _S, "kappa spread", structural=True),
    Param("trait_spread", 0.1, 0.0, 0.45, "sd", "Spread of individual capability and role clarity around the organisation's level.",
          "translation layer; if the middle is unclear the whole org is", _S, structural=True),
    Param("champion_share", 0.1, 0.0, 1.0, "share", "Share of managers who start as champions of the change.",
          "champions vs defenders", _S, structural=True),
    Param("defender_share", 0.23, 0.0, 1.0, "share", "Share of managers who start as defenders of the status quo.",
          "champions vs defenders; innovation as preservation", _S, structural=True),
    Param("champion_selection", "random", unit="", meaning="Who the initial champions are.",
          seed="change spreads through credibility, not authority alone", group=_S,
          choices=("random", "high_credibility", "low_credibility", "betweenness"), kind=str, structural=True),
    Param("initial_change_magnitude", 0.7, 0.0, 1.0, "mix", "How far the new strategy departs from the status quo.",
          "translation layer", _S, structural=True),
    # --- leadership and pivots (4.1)
    Param("strategy_clarity", 0.6, 0.0, 1.0, "share", "How clearly the executives articulate the strategy (cuts their translation noise).",
          "translation layer; if the middle is unclear the whole org is", _L),
    Param("pivot_interval", 26.0, 0.0, 520.0, "weeks", "Mean weeks between strategy pivots (0 = never pivot).",
          "endless pivots, strategic fatigue", _L),
    Param("pivot_schedule", "poisson", meaning="Pivots every pivot_interval weeks exactly, or at random with that mean.",
          seed="endless pivots, strategic fatigue", group=_L, choices=("poisson", "fixed"), kind=str),
    Param("pivot_magnitude", 0.75, 0.0, 1.0, "mix", "How far a pivot moves the strategy.",
          "endless pivots, strategic fatigue", _L, "mu"),
    Param("a_pivot", 0.08, 0.0, 1.0, "fatigue", "Fatigue from a pivot, scaled by the unfinished share of the abandoned initiative.",
          "endless pivots, strategic fatigue", _L),
    Param("tau_pivot_loss", 0.017, 0.0, 1.0, "trust", "Trust in leadership lost at each pivot.",
          "inconsistent leadership, say-do gap", _L),
    Param("m_pivot_loss", 0.03, 0.0, 1.0, "share", "Share of commitment lost per unit pivot magnitude.",
          "endless pivots, strategic fatigue", _L),
    Param("u_pivot_loss", 0.28, 0.0, 1.0, "share", "Share of understanding lost per unit pivot magnitude.",
          "endless pivots, strategic fatigue", _L),
    Param("leadership_alignment", 0.9, 0.0, 1.0, "share", "How closely each executive's version matches the agreed strategy.",
          "inconsistent leadership, say-do gap", _L),
    Param("leadership_consistency", 0.6, 0.0, 1.0, "share", "How far leaders' actions match their words: the level trust drifts to.",
          "inconsistent leadership, say-do gap", _L),
    # --- cascade and communication (4.2, 4.3)
    Param("translation_noise", 0.45, 0.0, 3.0, "sd", "Noise a sender adds when translating the strategy for a report.",
          "translation layer; if the middle is unclear the whole org is", _C, "sigma0"),
    Param("translation_persistence", 0.85, 0.0, 1.0, "share", "Share of translation noise that is the receiver's own lasting frame.",
          "translation layer", _C, "rho"),
    Param("capability", 0.5, 0.0, 1.0, "share", "Managers' mean skill at translating strategy and leading change.",
          "role ambiguity -> overload; capability gap", _C, "c"),
    Param("rationale", 0.3, 0.0, 1.0, "probability", "Chance a message carries the why.",
          "translation layer; if the middle is unclear the whole org is", _C),
    Param("eta", 0.3, 0.0, 1.0, "weight", "Weight of a delivered message in the receiver's belief.",
          "translation layer", _C),
    Param("authority_weight", 0.55, 0.0, 1.0, "share", "Weight of formal authority (vs the sender's credibility) in a message.",
          "change spreads through credibility, not authority alone", _C),
    Param("eta_m", 1.0, 0.0, 10.0, "gain", "Commitment passed on through the boss, per unit message weight.",
          "translation layer", _C),
    Param("gamma_u", 0.18, 0.0, 1.0, "share", "Share of the understanding gap closed when a message carries the why.",
          "translation layer", _C),
    Param("k_rush", 1.3, 0.0, 5.0, "factor", "Extra translation noise per unit overload (translating in a rush).",
          "overload, burnout, disengagement", _C),
    Param("communication", "both", meaning="Channels: the cascade through managers, executive broadcasts, or both.",
          seed="communication illusion, single broadcast, noise fatigue", group=_C,
          choices=("cascade", "broadcast", "both"), kind=str),
    Param("broadcast_interval", 13.0, 1.0, 104.0, "weeks", "Weeks between all-hands broadcasts.",
          "communication illusion, single broadcast, noise fatigue", _C),
    Param("eta_b", 0.15, 0.0, 1.0, "weight", "Weight of a fresh broadcast in belief.",
          "communication illusion", _C),
    Param("nu", 0.85, 0.0, 1.0, "factor", "Weight kept per repeat of an unchanged broadcast (noise fatigue).",
          "communication illusion, single broadcast, noise fatigue", _C),
    Param("a_repeat", 0.01, 0.0, 0.5, "fatigue", "Fatigue from each repeat of an unchanged broadcast.",
          "noise fatigue", _C),
    Param("c_b", 2.5, 0.0, 3.0, "factor", "Noise in reading a broadcast through one's own frame, per unit translation noise.",
          "communication illusion", _C),
    Param("dialogue", 0.0, 0.0, 1.0, "share", "Two-way conversation in the cascade: corrects frames, passes on the why, costs load.",
          "communication illusion; two-way feedback loops", _C),
    Param("dialogue_load", 0.03, 0.0, 0.5, "load", "Manager load per report at full dialogue.",
          "overload", _C),
    # --- peers and adoption (4.4)
    Param("beta", 0.11, 0.0, 1.0, "weight", "Pull of peers' beliefs (credibility-weighted), per week.",
          "change spreads through credibility, not authority alone", _P),
    Param("beta_m", 0.05, 0.0, 1.0, "weight", "Pull of peers' commitment (credibility-weighted), per week.",
          "change spreads through credibility, not authority alone", _P),
    Param("phi_h", 0.015, 0.0, 1.0, "weight", "Habit: weekly pull back to one's status-quo direction.",
          "innovation as preservation", _P),
    Param("stubbornness", 0.4, 0.0, 1.0, "share", "Defenders' initial pull back to their status-quo values (Friedkin-Johnsen).",
          "champions vs defenders; innovation as preservation", _P, "lambda0"),
    Param("stubbornness_decay", 0.02, 0.0, 1.0, "per week", "Weekly decay of defenders' stubbornness.",
          "innovation as preservation", _P),
    Param("p_innov", 0.007, 0.0, 1.0, "per week", "Bass innovation: adoption hazard without peers.",
          "change spreads through credibility", _P),
    Param("q_imit", 0.45, 0.0, 2.0, "per week", "Bass imitation: adoption hazard per share of adopted peers.",
          "change spreads through credibility", _P),
    Param("w_c", 0.5, 0.0, 1.0, "weight", "Weight of content in adoption: hazard x (1 - w_c + w_c u max(0, A(b, s))); 0 = content-free Bass.",
          "people commit to what they understand; change must be purposeful and coherent", _P),
    Param("m_listen", 0.8, 0.0, 1.0, "weight", "How much commitment raises listening: a message weighs (1 - m_listen + m_listen m).",
          "people commit to what they understand", _P),
    Param("m_adopt", 0.8, 0.55, 1.0, "commitment", "Commitment of a manager at adoption (at least).",
          "change spreads through credibility", _P),
    Param("f_relapse", 0.6, 0.0, 1.0, "fatigue", "Fatigue above which an adopted manager may relapse.",
          "overload, burnout, disengagement", _P),
    Param("p_relapse", 0.05, 0.0, 1.0, "per week", "Chance per week that a manager above f_relapse relapses.",
          "overload, burnout, disengagement", _P),
    # --- feedback (4.5)
    Param("feedback", 0.0, 0.0, 1.0, "probability", "Two-way feedback: chance per week a manager's report is heard upward.",
          "two-way feedback loops; leadership values MM insight", _F, "phi"),
    Param("eta_fb", 0.43, 0.0, 1.0, "weight", "Pull toward the boss's belief when a manager is heard (questions answered).",
          "two-way feedback loops", _F),
    Param("overload_alarm", 0.01, 0.0, 2.0, "overload", "Reported mean overload above which executives cut one concurrent initiative.",
          "prioritisation: when all is vital nothing is", _F),
    Param("understanding_alarm", 0.5, 0.0, 1.0, "understanding", "Reported mean understanding below which executives explain the why more.",
          "two-way feedback loops", _F),
    Param("rationale_step", 0.02, 0.0, 1.0, "probability", "Rise in the share of messages carrying the why when executives hear understanding is low.",
          "two-way feedback loops; leadership values MM insight", _F),
    Param("feedback_load", 0.05, 0.0, 0.5, "load", "Manager load at full feedback.",
          "two-way feedback loops", _F),
    Param("candour", 1.0, 0.0, 1.0, "share", "How candid reports upward are, times the reporter's trust (0 = every report says all is well).",
          "two-way feedback loops; the communication illusion", _F),
    Param("eta_p", 0.1, 0.0, 1.0, "per week", "Speed at which executives' perceived alignment moves to what they hear.",
          "communication illusion", _F),
    Param("feedback_trust_gain", 0.02, 0.0, 1.0, "share", "Trust gained by a manager who is heard.",
          "leadership values MM insight", _F),
    # --- workload, fatigue, turnover (4.6, 4.7)
    Param("initiatives", 3, 1, 10, "initiatives", "Concurrent initiatives the executives run.",
          "prioritisation: when all is vital nothing is", _W, kind=int),
    Param("role_clarity", 0.5, 0.0, 1.0, "share", "How clear managers' roles are; ambiguity escalates work upward.",
          "role ambiguity -> overload", _W, "r"),
    Param("base_load", 0.30, 0.0, 5.0, "load", "A manager's load before team and initiatives (capacity is 1).",
          "overload", _W),
    Param("team_load", 0.40, 0.0, 1.0, "load", "Load of a full team (span_capacity reports) at full role clarity.",
          "overload", _W),
    Param("initiative_load", 0.08, 0.0, 1.0, "load", "Load per concurrent initiative.",
          "prioritisation: when all is vital nothing is", _W),
    Param("escalation_load", 0.30, 0.0, 1.0, "load", "Load of a full team per unit role ambiguity (work escalated upward).",
          "role ambiguity -> overload", _W),
    Param("span_capacity", 10.0, 1.0, 60.0, "reports", "Reports that make a full team's load (team_load) at full role clarity.",
          "overload; Gallup's typical spans of 8-12", _W),
    Param("a_absorb", 0.023, 0.0, 1.0, "fatigue", "Fatigue a manager absorbs per unit mean team fatigue.",
          "overload, burnout, disengagement", _W),
    Param("a_over", 0.19, 0.0, 1.0, "fatigue", "Fatigue gained per unit overload per week.",
          "overload, burnout, disengagement, turnover", _W),
    Param("recovery", 0.05, 0.0, 1.0, "per week", "Share of fatigue recovered per week without overload.",
          "overload, burnout, disengagement, turnover", _W),
    Param("f_burnout", 0.7, 0.0, 1.0, "fatigue", "Fatigue at which a person is burnt out.",
          "overload, burnout, disengagement, turnover", _W),
    Param("p_leave", 0.08, 0.0, 1.0, "per week", "Chance per week that a burnt-out person leaves (and is replaced).",
          "overload, burnout, disengagement, turnover", _W),
    Param("p_quit", 0.0025, 0.0, 0.1, "per week", "Chance per week that anyone below the top leaves for ordinary reasons (and is replaced).",
          "turnover", _W),
    # --- trust, rewards, capability, KPIs, reviews (4.8)
    Param("delta_tau", 0.02, 0.0, 1.0, "per week", "Speed at which trust drifts to what leaders do.",
          "inconsistent leadership, say-do gap", _T),
    Param("g_boss", 2.0, 0.0, 3.0, "factor", "How much an employee's trust follows the quality of their boss.",
          "managers explain most of the variance in team engagement", _T),
    Param("trust_offset_spread", 0.05, 0.0, 0.5, "sd", "Spread of personal offsets in employees' trust.",
          "managers explain most of the variance in team engagement", _T),
    Param("change_rewards", 0.0, 0.0, 1.0, "share", "Rewards for leading change: commitment drifts up, recovery improves.",
          "rewards for change leadership", _T),
    Param("delta_m", 0.05, 0.0, 1.0, "per week", "Weekly commitment drift at full change rewards.",
          "rewards for change leadership", _T),
    Param("capability_investment", 0.0, 0.0, 0.2, "per week", "Coaching: share of the capability gap closed per week.",
          "role ambiguity -> overload; capability gap", _T, "g"),
    Param("kpi_alignment", 0.5, 0.0, 1.0, "share", "How well departments' KPIs match the strategy (1 = no local pull).",
          "cascading goals, misaligned KPIs, silos", _T),
    Param("lambda_kpi", 0.45, 0.0, 3.0, "weight", "Pull of a department's KPI on employees' work.",
          "cascading goals, misaligned KPIs", _T),
    Param("k_silo", 0.9, 0.0, 5.0, "factor", "How much silos (few cross-silo ties) strengthen the KPI pull.",
          "cascading goals, silos", _T),
    Param("kpi_drift", 0.017, 0.0, 1.0, "per week", "Weekly drift of a department's KPI pull back to full strength.",
          "cascading goals, misaligned KPIs", _T),
    Param("review_interval", 13.0, 0.0, 104.0, "weeks", "Weeks between goal reviews (0 = never).",
          "follow-through, visible goals", _T),
    Param("review_strength", 0.1, 0.0, 1.0, "share", "How much a review cuts the KPI pull and aligns a team with its manager.",
          "follow-through, visible goals", _T),
    # --- initiatives (4.9)
    Param("k_win", 0.3, 0.0, 1.0, "share", "Commitment and trust gap closed by a whole initiative's visible progress, per unit line of sight.",
          "visible goals; results sustain the change (Repenning 2002)", _I),
    Param("k_fail", 0.5, 0.0, 1.0, "share", "Share of commitment and trust lost when an initiative runs to its deadline unfinished (a pivot's abandoned initiative costs the pivot's shocks instead).",
          "endless pivots; failures erode commitment (Repenning 2002)", _I),
    Param("k_pace", 0.0, 0.0, 0.2, "per week", "Commitment and trust lost per week by an initiative with no progress at its deadline: times the share of the pace missed and the squared share of the deadline run.",
          "results sustain the change, their absence erodes it (Repenning 2002)", _I),
    Param("initiative_effort", 1.5, 0.1, 50.0, "progress", "Progress an initiative needs to succeed.",
          "prioritisation", _I),
    Param("initiative_deadline", 42.0, 1.0, 520.0, "weeks", "Weeks before an unfinished initiative fails.",
          "endless pivots", _I),
    Param("a_split", 0.4, 0.0, 2.0, "factor", "Attention lost per extra concurrent initiative.",
          "prioritisation: when all is vital nothing is", _I),
    Param("theta", 0.5, -1.0, 0.99, "alignment", "Progress floor: only work aligned above this counts.",
          "strategy execution", _I),
    # --- confidence (4.3)
    Param("conf_message", 0.036, 0.0, 1.0, "share", "Confidence gap closed by each message received.",
          "communication illusion", _M),
    Param("conf_broadcast", 0.3, 0.0, 1.0, "share", "Confidence gap closed by each broadcast.",
          "communication illusion", _M),
    Param("conf_surprise", 0.05, 0.0, 1.0, "share", "Confidence lost per unit disagreement between a message and one's belief.",
          "communication illusion", _M),
    Param("conf_pivot_loss", 0.47, 0.0, 1.0, "share", "Share of confidence lost per unit pivot magnitude.",
          "communication illusion", _M),
)

# Where each default comes from (shown by `cascade params` and in docs/PARAMETERS.md). Kinds:
# figure (an empirical number), paper (a published form or value), prototype (MODEL.md 9, unchanged),
# calibrated (tuned against the named pattern on the calibration seeds; docs/TRACE.md), structure
# (a typical organisation's setting), assumption (no source: a judgement, say so).
SOURCES: dict[str, str] = {
    'executives': "structure: 2 divisions, the MODEL.md 9 prototype's executive team",
    'layers': "structure: 2 management layers at span 8 (1,168 people); MODEL.md 9 had 3 at span 5",
    'span': "figure: Gallup's typical spans of 8-12 (E5, MODEL.md 10.4); the prototype's 5 was below it",
    'n_goals': "structure: four balanced-scorecard perspectives (seed article; MODEL.md 2)",
    'cross_silo_ties': "assumption: 10% of peer ties rewired across departments (MODEL.md: small-world, no value)",
    'peer_degree': "assumption: 4 peer ties per manager (ring lattice); no source",
    'credibility_spread': "assumption: moderate spread (sd 0.2) of credibility around 0.5; no source",
    'trait_spread': "assumption: small spread (sd 0.1) of capability and role clarity; no source",
    'champion_share': "assumption: 10% of managers start as champions; no source",
    'defender_share': "prototype: coefficient (MODEL.md 9), 0.23",
    'champion_selection': "structure: random champions as the neutral baseline (S4 compares by credibility)",
    'initial_change_magnitude': "calibrated: 0.6 -> 0.7 so the change is real yet S2 holds and E4 in band (VALIDATION)",
    'strategy_clarity': "prototype: coefficient (MODEL.md 9), 0.6",
    'pivot_interval': "structure: two pivots a year, E3's 2016 rate of 2 changes a year; not tuned",
    'pivot_schedule': "structure: random (Poisson) pivot timing around the mean interval",
    'pivot_magnitude': "prototype: coefficient (MODEL.md 9), 0.75",
    'a_pivot': "prototype: coefficient (MODEL.md 9), 0.08",
    'tau_pivot_loss': "prototype: coefficient (MODEL.md 9), 0.017",
    'm_pivot_loss': "calibrated: 0.07 -> 0.02 -> 0.03 against E3 (43% support at 10 pivots a year; 0.03 once pivots stopped costing k_fail, docs/TRACE.md step 25)",
    'u_pivot_loss': "prototype: coefficient (MODEL.md 9), 0.28",
    'leadership_alignment': "assumption: a fairly united top team (0.9); no source",
    'leadership_consistency': "assumption: middling say-do consistency (0.6), the level trust drifts to; no source",
    'translation_noise': "calibrated: 0.6 (the prototype's sigma0) -> 0.45 against E1 (middle managers' 'can state') and E2 on the calibration root (docs/TRACE.md)",
    'translation_persistence': "prototype: coefficient (MODEL.md 9), rho = 0.85",
    'capability': "assumption: mid-scale managerial capability (0.5); no source",
    'rationale': "prototype: coefficient (MODEL.md 9), 0.3",
    'eta': "calibrated: 0.15 -> 0.3 against S13 (noise must hurt, with pivots) and S2; MODEL.md 9 had 0.15",
    'authority_weight': "prototype: coefficient (MODEL.md 9), 0.55",
    'eta_m': "calibrated: 3 -> 1.0 against S4 (credible champions matter) and S9 (S-shape)",
    'gamma_u': "prototype: coefficient (MODEL.md 9), 0.18",
    'k_rush': "prototype: coefficient (MODEL.md 9), 1.3",
    'communication': "structure: cascade plus broadcasts, as in a typical organisation",
    'broadcast_interval': "prototype: coefficient (MODEL.md 9), 13 weeks (quarterly all-hands)",
    'eta_b': "calibrated: 0.43 -> 0.15 against S12 (clarity gap, broadcast vs cascade)",
    'nu': "prototype: coefficient (MODEL.md 9), 0.85",
    'a_repeat': "assumption: small fatigue (0.01) per repeated broadcast; no source",
    'c_b': "calibrated: 1 -> 2.5 against S12 (broadcast read through one's own frame)",
    'dialogue': "structure: lever off at baseline (no two-way dialogue in a typical cascade)",
    'dialogue_load': "assumption: 0.03 load per report at full dialogue; no source",
    'beta': "prototype: coefficient (MODEL.md 9), 0.11",
    'beta_m': "prototype: coefficient (MODEL.md 9), 0.05",
    'phi_h': "calibrated: 0.024 -> 0.015 against E3 and E1 (habit pull; MODEL.md 9 had 0.024)",
    'stubbornness': "prototype: coefficient (MODEL.md 9), lambda0 = 0.4",
    'stubbornness_decay': "prototype: coefficient (MODEL.md 9), 0.02",
    'p_innov': "prototype: coefficient (MODEL.md 9), 0.007 per week (Bass form, value not from Bass)",
    'q_imit': "prototype: coefficient (MODEL.md 9), 0.45 per week (Bass form, value not from Bass)",
    'm_adopt': "calibrated: against E3 (74% support at 2 changes a year); MODEL.md gives 0.5 + ...",
    'f_relapse': "prototype: coefficient (MODEL.md 9), 0.6",
    'p_relapse': "assumption: 5% a week relapse above f_relapse; no source",
    'feedback': "structure: lever off at baseline (no two-way feedback in a typical organisation)",
    'eta_fb': "prototype: coefficient (MODEL.md 9), 0.43",
    'overload_alarm': "calibrated: 0.02 -> 0.01 against S6 on the calibration root: heard managers' mean overload at span 8 with feedback's own cost is ~0.012 (docs/TRACE.md)",
    'understanding_alarm': "assumption: executives act when reported team understanding is below half; no source",
    'rationale_step': "assumption: why-share rises 0.02 a week while the alarm holds; no source",
    'feedback_load': "assumption: 0.05 load at full feedback; no source",
    'feedback_trust_gain': "assumption: being heard closes 2% of the trust gap; no source",
    'initiatives': "prototype: 3 concurrent initiatives (MODEL.md 9 load row, 0.08 x3)",
    'role_clarity': "assumption: middling role clarity (0.5); no source",
    'base_load': "calibrated: 0.3 against E6 (spans 8-12 sustainable) and S3; MODEL.md 9 had 0.40 with per-report loads",
    'team_load': "calibrated: 0.4 for a full team of span_capacity reports, against E6 and S3 (MODEL.md 10.4)",
    'initiative_load': "prototype: coefficient (MODEL.md 9), 0.08 per initiative",
    'escalation_load': "calibrated: 0.3 per full team per unit ambiguity, against E6 and S3 (MODEL.md 10.4)",
    'a_absorb': "prototype: coefficient (MODEL.md 9), 0.023",
    'a_over': "prototype: coefficient (MODEL.md 9), 0.19",
    'recovery': "prototype: coefficient (MODEL.md 9), 0.05",
    'f_burnout': "prototype: coefficient (MODEL.md 9), 0.7",
    'p_leave': "prototype: coefficient (MODEL.md 9), 0.08",
    'delta_tau': "prototype: coefficient (MODEL.md 9), 0.02",
    'g_boss': "calibrated: 1 -> 2 against E5 (between-team share of engagement variance about 70%)",
    'trust_offset_spread': "assumption: small personal trust offsets (sd 0.05); no source",
    'change_rewards': "structure: lever off at baseline (no rewards for leading change)",
    'delta_m': "assumption: 5% a week commitment drift at full rewards; no source",
    'capability_investment': "structure: lever off at baseline (no coaching)",
    'kpi_alignment': "assumption: KPIs half aligned with the strategy (0.5); no source",
    'lambda_kpi': "prototype: coefficient (MODEL.md 9), 0.45",
    'k_silo': "prototype: coefficient (MODEL.md 9), 0.9",
    'kpi_drift': "prototype: coefficient (MODEL.md 9), 0.017",
    'review_interval': "assumption: quarterly goal reviews (13 weeks); no source",
    'review_strength': "prototype: coefficient (MODEL.md 9), 0.1",
    'initiative_effort': "calibrated: 1.0 against E4 (50-90% failure) and S7, with effort = engagement x commitment",
    'initiative_deadline': "prototype: coefficient (MODEL.md 9), 42 weeks",
    'a_split': "prototype: coefficient (MODEL.md 9), 0.4",
    'theta': "calibrated: 0.5 on the alignment scale against E4 (MODEL.md 9's 0.77 was on the raw cosine)",
    'conf_message': "prototype: coefficient (MODEL.md 9), 0.036",
    'conf_broadcast': "calibrated: 0.23 -> 0.3 against E2 (84% say they are clear)",
    'conf_pivot_loss': "prototype: coefficient (MODEL.md 9), 0.47",
    'w_c': "calibrated: 0.8 -> 0.5 against E3 (support at 10 changes a year); MODEL.md 10.2 gives the form only",
    'm_listen': "calibrated: 0.8 against finding 2 (champions must move execution); MODEL.md 10.2 gives no value",
    'k_win': "assumption: 0.3 of the commitment gap per whole initiative seen; Repenning 2002 loop, not tuned",
    'k_pace': "structure: off by default; on (0.09, with k_win 0.8 and the old k_fail 0.04) organisations tip (S14) but support with pivots falls below E3 and S4 loses its power (docs/TRACE.md, step 24); Repenning 2002 loop, no value given",
    'k_fail': "calibrated: 0.5 against S14 (a tipping region at the default champion share, 48 calibration seeds) with E3 and E4 kept in their bands (docs/TRACE.md step 25); Repenning 2002 loop, no value given",
    'span_capacity': "figure: Gallup 8-12 reports (E5), ~10 at full role clarity is a full week (MODEL.md 10.4)",
    'p_quit': "calibrated: 0.0025 a week (about 12% a year) against E6 (10-20% leaving a year)",
    'eta_p': "assumption: executives' view moves a tenth of the way to what they hear each week; not tuned",
    'conf_surprise': "calibrated: 0.05 against E2 (84% say they are clear); MODEL.md 10.5 gives the form only",
    'candour': "assumption: reports are as candid as the reporter's trust (candour 1); not tuned",
}
PARAMS = tuple(replace(p, source=SOURCES[p.name]) for p in PARAMS)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
DEFAULTS: dict[str, Any] = {p.name: p.default for p in PARAMS}
STRUCTURAL: frozenset[str] = frozenset(p.name for p in PARAMS if p.structural)


class ParameterError(ValueError):
    """A parameter is unknown or out of its allowed range; the message names it."""


def _field(p: Param):
    if p.choices:
        return (Literal[p.choices], p.default)  # type: ignore[valid-type]
    if p.name == "span":
        item = pydantic.conint(ge=int(p.low), le=int(p.high), strict=True)
        return (item | list[item], p.default)  # type: ignore[valid-type]
    kind = pydantic.StrictInt if p.kind is int else pydantic.StrictFloat | pydantic.StrictInt
    return (kind, pydantic.Field(p.default, ge=p.low, le=p.high))


Params = pydantic.create_model(
    "Params",
    __config__=pydantic.ConfigDict(extra="forbid", frozen=True),
    **{p.name: _field(p) for p in PARAMS},
)
Params.__doc__ = "Validated model parameters; build with ``validate(**overrides)``."


def suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _message(err: dict) -> str:
    name = str(err["loc"][0]) if err["loc"] else "?"
    if err["type"] == "extra_forbidden":
        return f"unknown parameter {name!r}{suggest(name, BY_NAME)}"
    value = err.get("input")
    return f"parameter {name!r} = {value!r} is not allowed: expected {BY_NAME[name].allowed}"


def validate(**values: Any) -> Any:
    """Return a validated ``Params``; raise ``ParameterError`` naming parameter, value, range."""
    try:
        params = Params(**values)
    except pydantic.ValidationError as exc:
        raise ParameterError("; ".join(dict.fromkeys(_message(e) for e in exc.errors()))) from None
    span = params.span
    if isinstance(span, list) and len(span) != params.layers + 1:
        raise ParameterError(
            f"parameter 'span' = {span!r} is not allowed: a list needs one entry per level "
            f"(layers + 1 = {params.layers + 1})"
        )
    if params.champion_share + params.defender_share > 1:
        raise ParameterError(
            f"parameters 'champion_share' + 'defender_share' = "
            f"{params.champion_share + params.defender_share:g} is not allowed: at most 1"
        )
    return params


def coerce(name: str, text: str) -> Any:
    """Turn a command-line or slider string into the parameter's type (validated later)."""
    if name not in BY_NAME:
        raise ParameterError(f"unknown parameter {name!r}{suggest(name, BY_NAME)}")
    p = BY_NAME[name]
    if p.choices:
        return text
    if name == "span" and "," in text:
        parts = text.split(",")
    else:
        parts = [text]
    try:
        values = [int(t) if p.kind is int else float(t) for t in parts]
    except ValueError:
        raise ParameterError(f"parameter {name!r} = {text!r} is not allowed: expected {p.allowed}") from None
    return values if len(parts) > 1 else values[0]
