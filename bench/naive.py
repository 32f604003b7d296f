"""A naive per-agent reference implementation of the organisation model's step (MODEL.md 3-4).

Idiomatic Mesa: every person is an agent that holds its own state (small numpy vectors for
belief, habit, frame and work; plain floats for the rest) and has one method per submodel phase;
the model runs each phase as a Python loop over its agents. It is the vectorised model's
reference and the peer of its performance benchmark, so it stays honestly per-agent: no array
operation over people anywhere in a step.

Same random draws: each week the model calls the vectorised submodels' own ``draw`` functions
(``sim.submodels.SCHEDULE``) with the same per-submodel streams, in the same order, and the agents
consume those draws. Phases that MODEL.md section 3 calls synchronous compute every agent's next
value from the state at the start of the phase and commit it afterwards; the cascade goes level by
level from the top. So ``NaiveOrgModel(rng=s, **params)`` and ``sim.OrgModel(rng=s, **params)``
agree to rounding error, step by step.

Construction (the organisation, the people's starting state and the random streams) is borrowed
from ``sim.OrgModel``; only the step is reimplemented.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.metrics import measure
from sim.model import OrgModel
from sim.org import EMPLOYEE, EXECUTIVE, MANAGER
from sim.state import (BELIEF_SPREAD, NEUTRAL, NEWCOMER_CONFIDENCE, NEWCOMER_UNDERSTANDING,
                       START_COMMITMENT, State)
from sim.submodels import SCHEDULE

# A person's own state, by the names of MODEL.md (and of ``sim.state.State``).
VECTORS = ("b", "h", "zeta", "x")  # belief, habit, interpretation frame, direction of work
SCALARS = ("u", "m", "m0", "f", "tau", "conf", "kappa", "c", "r", "lam", "stance", "tenure",
           "trust_offset", "load", "o", "informed", "heard", "sight")
PERSONAL = VECTORS + SCALARS


def norm_plus(v: np.ndarray) -> np.ndarray:
    """``norm+`` of one vector: clip negatives to 0 and scale to unit length (zero stays zero)."""
    v = np.maximum(v, 0.0)
    n = math.sqrt(float(v @ v))
    return v / n if n > 0 else v


def clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def centred_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Centred cosine (Pearson correlation across the goals) of two mixes, 0 if either has no
    spread (MODEL.md 10.1). Written as ``sim.geometry`` writes it: the centred dot product and
    spreads from plain sums, ``a.b - sum a sum b / K`` and ``|a|^2 - (sum a)^2 / K``; a spread
    product at or below 1e-24 counts as none (see ``sim.geometry._correlation``)."""
    k = len(a)
    sa, sb = float(a.sum()), float(b.sum())
    spread = (float(a @ a) - sa * sa / k) * (float(b @ b) - sb * sb / k)
    if spread <= 1e-24:
        return 0.0
    return (float(a @ b) - sa * sb / k) / math.sqrt(spread)


def alignment(b: np.ndarray, s: np.ndarray) -> float:
    """``A(b, s)``: the centred cosine of one mix with the strategy (``sim.geometry.alignment``):
    ``b . centred(s) / |b - mean b|``, with ``centred(s)`` the strategy minus its mean, at unit
    length; 0 for a mix with no spread."""
    k = len(b)
    c = s - s.mean()
    n = math.sqrt(float(c @ c))
    if n > 0:
        c = c / n
    total = float(b.sum())
    spread = float(b @ b) - total * total / k
    if spread <= 1e-12:
        return 0.0
    return float(b @ c) / math.sqrt(spread)


class Person(mesa.Agent):
    """One seat of the organisation and the person in it."""

    def __init__(self, model: NaiveOrgModel, row: int, st: State):
        super().__init__(model)
        self.row = row
        self.level = int(model.org.depth[row])
        self.department = int(model.org.dept[row])
        for name in VECTORS:
            setattr(self, name, getattr(st, name)[row].copy())
        for name in SCALARS:
            setattr(self, name, getattr(st, name)[row].item())
        self.boss: Person | None = None
        self.reports: list[Person] = []
        self.peers: list[MiddleManager] = []

    # --- 1. leadership
    def pivot_shock(self, p, unfinished: float) -> None:
        """A pivot tires, costs trust, and loses commitment, the why and confidence."""
        mu = p.pivot_magnitude
        self.f = min(self.f + p.a_pivot * unfinished, 1.0)
        self.tau = max(self.tau - p.tau_pivot_loss, 0.0)
        self.m *= 1.0 - mu * p.m_pivot_loss
        self.u *= 1.0 - mu * p.u_pivot_loss
        self.conf *= 1.0 - mu * p.conf_pivot_loss

    def read_broadcast(self, p, s: np.ndarray, n_repeat: int) -> None:
        """Read the official strategy through one's own frame: belief and confidence, not the why."""
        msg = norm_plus(s + p.c_b * p.translation_noise * (1 - self.u) * self.zeta)
        w = p.eta_b * self.tau * (1 - self.f) * p.nu**n_repeat * bool(msg.any())
        self.b = norm_plus((1 - w) * self.b + w * msg)
        self.conf += p.conf_broadcast * (1 - self.conf)
        if n_repeat > 0:
            self.f = min(self.f + p.a_repeat, 1.0)

    def sense(self, p, s: np.ndarray) -> float:
        """How far the change makes sense: 1 - w_c + w_c u max(0, A(b, s)) (MODEL.md 10.2):
        scales adoption, relapse and how far a message passes on the boss's commitment."""
        if not p.w_c:
            return 1.0
        return 1 - p.w_c + p.w_c * (self.u * max(alignment(self.b, s), 0.0))

    # --- 2. downward cascade (as a receiver; the boss has already heard from their own boss)
    def receive_message(self, p, s: np.ndarray, xi: np.ndarray, deliver_u: float, why_u: float,
                        rationale: float) -> bool:
        """One message from the boss; returns whether it was delivered."""
        boss = self.boss
        commit = p.eta_m * self.sense(p, s)  # the boss's commitment passes as far as it makes sense
        rho = p.translation_persistence
        noise = math.sqrt(rho) * (1 - p.dialogue) * self.zeta + math.sqrt(1 - rho) * xi
        msg = norm_plus(boss.b + boss.translation_noise(p) * noise)
        delivered = deliver_u * boss.load < 1.0  # chance min(1, 1/load): the bottleneck
        why = why_u < rationale
        gap = max(0.0, boss.u - self.u)  # nobody passes on more understanding than they have
        self.u = min(self.u + delivered * p.gamma_u * gap * (why + p.dialogue), 1.0)
        credibility = p.authority_weight + (1 - p.authority_weight) * boss.kappa
        listening = 1 - p.m_listen + p.m_listen * self.m  # the committed listen harder
        carries = bool(msg.any())  # noise can clip every priority away: such a message says nothing
        heard = delivered and carries
        w = heard * p.eta * self.tau * (1 - self.f) * credibility * listening
        # A message that disagrees with what one believed is a surprise: it costs confidence.
        surprise = heard * max(1.0 - centred_cosine(msg, self.b), 0.0) / 2 if p.conf_surprise else 0.0
        self.b = norm_plus((1 - w) * self.b + w * msg)
        self.m = clip01(self.m + w * commit * (boss.m - self.m))
        self.conf += delivered * p.conf_message * (1 - self.conf)
        if p.conf_surprise:
            self.conf -= p.conf_surprise * surprise * self.conf
        self.informed = delivered and boss.informed
        return delivered

    # --- 3. habit and stubbornness (after peer influence)
    def keep_habit(self, p) -> None:
        self.b = norm_plus((1 - p.phi_h) * self.b + p.phi_h * self.h)
        if self.lam > 0:  # a defender is pulled back to their status quo (Friedkin-Johnsen)
            lam = self.lam
            self.b = norm_plus((1 - lam) * self.b + lam * self.h)
            self.m = (1 - lam) * self.m + lam * self.m0
            self.lam = lam * (1 - p.stubbornness_decay)

    # --- 5. workload, fatigue, turnover
    def take_on_work(self, p, initiatives: int) -> None:
        """Load and overload; the fatigue absorbed from the team is committed by ``advance``."""
        span = len(self.reports)
        if span:
            team = span / p.span_capacity  # a team of span_capacity reports is team_load
            self.load = (p.base_load + team * (p.team_load + (1 - self.r) * p.escalation_load)
                         + initiatives * p.initiative_load
                         + p.dialogue * p.dialogue_load * span + p.feedback * p.feedback_load)
        else:
            self.load = 0.0
        self.o = max(self.load - 1.0, 0.0)
        team_f = sum(r.f for r in self.reports) / max(span, 1)
        self._next_f = min(self.f + p.a_absorb * team_f, 1.0)

    def absorb_team_fatigue(self) -> None:
        self.f = self._next_f

    def tire_or_recover(self, p) -> None:
        o = self.o
        self.f = clip01(self.f + p.a_over * o * (1 - self.f)
                        - p.recovery * self.f * (1 - min(o, 1)) * (1 + p.change_rewards))

    def serve_another_week(self) -> None:
        self.tenure += 1

    def hand_over_to_newcomer(self, p, s0, habit_noise, zeta, kappa, c, r) -> None:
        """Burnt out and gone: a newcomer takes the seat."""
        h = norm_plus(s0 + BELIEF_SPREAD * habit_noise)
        self.h, self.b, self.x = h, h.copy(), h.copy()
        self.zeta = zeta.copy()
        self.u = NEWCOMER_UNDERSTANDING
        self.m = self.m0 = START_COMMITMENT
        self.f = 0.0
        self.conf = NEWCOMER_CONFIDENCE
        self.tau = clip01(p.leadership_consistency + self.trust_offset)
        self.kappa, self.c, self.r = kappa, c, r
        self.lam = 0.0
        self.stance = NEUTRAL
        self.tenure = 0

    # --- 6. trust, reviews
    def quality_as_boss(self) -> float:
        return (1 - self.f) * (0.5 + 0.5 * self.c)

    def update_trust(self, p, mean_boss_quality: float) -> None:
        target = p.leadership_consistency
        self.tau = clip01(self.tau + p.delta_tau * (target - self.tau))

    def prepare_review(self, p) -> None:
        rs = p.review_strength
        self._next_b = norm_plus((1 - rs) * self.b + rs * self.boss.b)

    def commit_review(self) -> None:
        self.b = self._next_b

    # --- initiatives: the results loop (MODEL.md 10.3)
    def lose_heart(self, loss: float) -> None:
        """The initiative failed or was abandoned, or progress lags its pace: commitment and trust
        fall by ``loss``."""
        self.m *= 1 - loss
        self.tau *= 1 - loss

    def see_results(self, p, share: float) -> None:
        """Visible progress (``share`` of a whole initiative) lifts commitment and trust, in
        proportion to one's line of sight (``self.sight``, set by ``set_direction``)."""
        lift = p.k_win * share * max(self.sight, 0.0)
        self.m += lift * (1 - self.m)
        self.tau += lift * (1 - self.tau)

    def set_direction(self, p, s: np.ndarray, kpi_pull: float, kpi_bias: np.ndarray) -> None:
        """The direction of one's work: belief, habit and the department's KPIs (everyone below
        the executives; the initiative counts the employees' work)."""
        kpi_weight = (1 - p.kpi_alignment) * p.lambda_kpi * (1 + p.k_silo * (1 - p.cross_silo_ties))
        kpi = kpi_weight * kpi_pull * kpi_bias
        self.x = norm_plus(self.m * self.b + (1 - self.m) * self.h + kpi)
        self.sight = alignment(self.x, s)  # line of sight: how well the work aims at the strategy


class Executive(Person):
    """Sets the strategy for a division and pivots it."""

    def hold_strategy(self, s: np.ndarray, z: np.ndarray, leadership_alignment: float) -> None:
        la = leadership_alignment
        self.b = norm_plus(la * s + (1 - la) * z)
        self.u = self.m = self.conf = 1.0

    def translation_noise(self, p) -> float:
        return p.translation_noise * (1 - p.strategy_clarity)


class MiddleManager(Person):
    """Translates the strategy for their reports; influences and is influenced by peers."""

    def translation_noise(self, p) -> float:
        return p.translation_noise * (1 - self.c * self.u) * (1 + p.k_rush * self.o)

    def _peer_weights(self) -> list[tuple[float, MiddleManager]]:
        """Credibility weights kappa_k / sum kappa over the peers (none if nobody is credible)."""
        total = sum(k.kappa for k in self.peers)
        return [(k.kappa / total, k) for k in self.peers] if total > 0 else []

    # --- 3. peers (synchronous: prepare from the start of the phase, then commit)
    def listen_to_peers(self, p) -> None:
        weights = self._peer_weights()
        self._next_b, self._next_m = self.b, self.m
        if weights:
            wb = sum(w * k.b for w, k in weights)
            wm = sum(w * k.m for w, k in weights)
            self._next_b = norm_plus(self.b + p.beta * (wb - self.b))
            self._next_m = clip01(self.m + p.beta_m * (wm - self.m))

    def commit_peer_influence(self) -> None:
        self.b, self.m = self._next_b, self._next_m

    def consider_adoption(self, p, s: np.ndarray, adopt_u: float, relapse_u: float) -> None:
        adopted = self.m >= 0.5
        share = sum(w for w, k in self._peer_weights() if k.m >= 0.5)  # credibility-weighted
        sense = self.sense(p, s)
        chance = min((p.p_innov + p.q_imit * share) * self.tau * sense, 1.0)
        self._adopts = not adopted and adopt_u < chance
        self._relapses = adopted and self.f > p.f_relapse and relapse_u < p.p_relapse * (2 - sense)

    def commit_adoption(self, p) -> None:
        if self._adopts:
            self.m = max(self.m, p.m_adopt)
        if self._relapses:
            self.m = min(self.m, 1 - p.m_adopt)

    # --- 4. feedback
    def speak_up(self, p, heard_u: float) -> None:
        self.heard = heard_u < p.feedback
        if self.heard:  # questions get answered: pulled toward the boss's belief
            self._next_b = norm_plus((1 - p.eta_fb) * self.b + p.eta_fb * self.boss.b)

    def commit_feedback(self, p) -> None:
        if self.heard:
            self.b = self._next_b
            self.tau += p.feedback_trust_gain * (1 - self.tau)

    def team_understanding(self) -> float:
        return sum(r.u for r in self.reports) / max(len(self.reports), 1)

    def report_alignment(self, p, s: np.ndarray) -> float:
        """What this manager tells the executives of its team's alignment: softened by candour
        times its own trust (a distrustful or uncandid report says all is well)."""
        team = sum(alignment(r.b, s) for r in self.reports) / max(len(self.reports), 1)
        return 1 - p.candour * self.tau * (1 - team)

    # --- 6. development
    def develop(self, p) -> None:
        self.m += p.change_rewards * p.delta_m * (1 - self.m)
        self.c += p.capability_investment * (1 - self.c)


class Employee(Person):
    """Works along their belief, their habit and their department's KPIs."""

    def update_trust(self, p, mean_boss_quality: float) -> None:
        """Trust follows what leaders do, and how good one's own boss is."""
        target = p.leadership_consistency
        target += p.g_boss * (self.boss.quality_as_boss() - mean_boss_quality) + self.trust_offset
        self.tau = clip01(self.tau + p.delta_tau * (target - self.tau))

    def work(self, p) -> float:
        """This week's contribution to the initiative: effort (engagement times commitment) on
        target (``sight`` is set by ``set_direction``)."""
        on_target = max(0.0, self.sight - p.theta) / (1 - p.theta)
        engagement = (1 - self.f) * (0.5 + 0.5 * self.tau)
        return engagement * self.m * on_target


ROLE_CLASSES = {EXECUTIVE: Executive, MANAGER: MiddleManager, EMPLOYEE: Employee}


class _StateView:
    """What a draw function may read: per-person arrays gathered from the agents, the rest from
    the model (the draws are shared with the vectorised model; the step itself is per agent)."""

    def __init__(self, model: NaiveOrgModel):
        self._model = model

    def __getattr__(self, name):
        if name in PERSONAL:
            return np.array([getattr(a, name) for a in self._model.people])
        return getattr(self._model, name)


class NaiveOrgModel(mesa.Model):
    """``NaiveOrgModel(rng=None, **params)``: the organisation model, one agent at a time.

    ``collect=False`` skips the weekly measurement (for benchmarking the step alone).
    """

    def __init__(self, rng=None, *, collect: bool = True, strategy=None, kpi_bias=None, **params):
        # The same organisation, people and random streams as the vectorised model.
        template = OrgModel(rng=rng, strategy=strategy, kpi_bias=kpi_bias, **params)
        super().__init__(rng=rng)
        self.p, self.org, st = template.p, template.org, template.state
        self.streams = template.streams
        self._draw = {sm.name: sm.draw for sm in SCHEDULE}
        self._phases = [(sm.name, getattr(self, f"_{sm.name}")) for sm in SCHEDULE]
        self.collect = collect

        # organisation-wide state
        self.s, self.s0 = st.s.copy(), st.s0.copy()
        self.kpi_bias = [v.copy() for v in st.kpi_bias]  # per department
        self.kpi_pull = [float(v) for v in st.kpi_pull]
        for name in ("week", "initiatives_now", "rationale_now", "progress", "initiative_start",
                     "launched", "succeeded", "failed", "pivots", "n_repeat", "next_broadcast",
                     "next_review", "turnover", "perceived", "delivered", "force_pivot"):
            setattr(self, name, getattr(st, name))

        self.people: list[Person] = [ROLE_CLASSES[role](self, row, st)
                                     for row, role in enumerate(self.org.role.tolist())]
        for person in self.people:
            if self.org.boss[person.row] >= 0:
                person.boss = self.people[self.org.boss[person.row]]
                person.boss.reports.append(person)
        peers = self.org.peers
        for person in self.people:
            ties = peers.indices[peers.indptr[person.row]:peers.indptr[person.row + 1]]
            person.peers = [self.people[k] for k in sorted(ties.tolist())]
        self.levels = [[a for a in self.people if a.level == d] for d in range(self.org.levels)]
        self.executives = self.levels[0]
        self.staff = [a for a in self.people if a.level > 0]  # everyone below the executives
        self.managers = [a for a in self.people if isinstance(a, MiddleManager)]
        self.employees = [a for a in self.people if isinstance(a, Employee)]
        self._view = _StateView(self)

        if collect:
            self.metrics = measure(self.org, self.snapshot(), self.p)
            self.datacollector = mesa.DataCollector(
                model_reporters={name: _reporter(name) for name in self.metrics})
            self.datacollector.collect(self)

    # --- the week
    def step(self) -> None:
        for name, phase in self._phases:
            phase(self._draw[name](self.org, self._view, self.p, self.streams[name]))
        self.week += 1
        if self.collect:
            self.metrics = measure(self.org, self.snapshot(), self.p)
            self.datacollector.collect(self)

    def run(self, weeks: int):
        for _ in range(weeks):
            self.step()
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True) if self.collect else None

    # 1. leadership
    def _launch_initiative(self) -> None:
        self.launched += 1
        self.progress = 0.0
        self.initiative_start = self.week

    def _fail_initiative(self) -> None:
        """The initiative ran to its deadline unfinished: everyone below the top loses k_fail of their
        commitment and trust, and a new initiative starts."""
        if self.p.k_fail:
            for person in self.staff:
                person.lose_heart(self.p.k_fail)
        self._abandon_initiative()

    def _abandon_initiative(self) -> None:
        """The initiative ends unfinished (a pivot dropped it, or it failed); a new one starts."""
        self.failed += 1
        self._launch_initiative()

    def _pivot_due(self, pivot_u: float) -> bool:
        p = self.p
        if self.force_pivot:
            return True
        if p.pivot_interval <= 0 or self.week == 0:
            return False
        if p.pivot_schedule == "fixed":
            return self.week % max(1, round(p.pivot_interval)) == 0
        return pivot_u < 1.0 / p.pivot_interval

    def _pivots(self, dr) -> None:
        p = self.p
        if not self._pivot_due(dr["pivot_u"]):
            if self.week - self.initiative_start >= p.initiative_deadline:
                self._fail_initiative()  # deadline passed: failed, and a new initiative starts
            return
        self.force_pivot = False
        unfinished = 1.0 - min(self.progress / p.initiative_effort, 1.0)
        self._abandon_initiative()  # the pivot drops the current initiative (its losses: the pivot shocks)
        self.pivots += 1
        self.n_repeat = 0
        self.initiatives_now = p.initiatives
        for person in self.staff:
            person.pivot_shock(p, unfinished)
        mu = p.pivot_magnitude
        self.s = norm_plus((1 - mu) * self.s + mu * dr["z"])
        for i, executive in enumerate(self.executives):
            executive.hold_strategy(self.s, dr["z_exec"][i], p.leadership_alignment)

    def _broadcast(self, dr) -> None:
        p = self.p
        if p.communication == "cascade" or self.week < self.next_broadcast:
            return
        self.next_broadcast = self.week + p.broadcast_interval
        for person in self.staff:
            person.read_broadcast(p, self.s, self.n_repeat)
        self.n_repeat += 1

    # 2. downward cascade, level by level from the top
    def _cascade(self, dr) -> None:
        if self.p.communication == "broadcast":
            for person in self.staff:
                person.informed = False
            return
        delivered = 0
        for level in self.levels[1:]:
            for person in level:
                i = person.row
                delivered += bool(person.receive_message(self.p, self.s, dr["xi"][i], dr["deliver_u"][i],
                                                         dr["why_u"][i], self.rationale_now))
        if self.staff:  # what executives see of the cascade without feedback
            self.delivered = delivered / len(self.staff)

    # 3. peers and adoption
    def _peers(self, dr) -> None:
        for manager in self.managers:
            manager.listen_to_peers(self.p)
        for manager in self.managers:
            manager.commit_peer_influence()
        for person in self.staff:
            person.keep_habit(self.p)

    def _adoption(self, dr) -> None:
        for manager in self.managers:
            manager.consider_adoption(self.p, self.s, dr["adopt_u"][manager.row],
                                      dr["relapse_u"][manager.row])
        for manager in self.managers:
            manager.commit_adoption(self.p)

    # 4. feedback and the executives' responses
    def _feedback(self, dr) -> None:
        p = self.p
        for person in self.people:
            person.heard = False
        for manager in self.managers:
            manager.speak_up(p, dr["heard_u"][manager.row])
        heard = [m for m in self.managers if m.heard]
        # Executives' perceived alignment moves toward what they hear (before the heard are pulled
        # toward their bosses); with nobody heard, toward the share of messages delivered.
        if heard:
            target = sum(m.report_alignment(p, self.s) for m in heard) / len(heard)
        else:
            target = self.delivered
        self.perceived += p.eta_p * (target - self.perceived)
        for manager in heard:
            manager.commit_feedback(p)
        if not heard:
            return
        if sum(m.o for m in heard) / len(heard) > p.overload_alarm:
            self.initiatives_now = max(1, self.initiatives_now - 1)
        if sum(m.team_understanding() for m in heard) / len(heard) < p.understanding_alarm:
            self.rationale_now = min(1.0, self.rationale_now + p.rationale_step)

    # 5. workload, fatigue, turnover
    def _workload(self, dr) -> None:
        for person in self.people:
            person.take_on_work(self.p, self.initiatives_now)
        for person in self.people:
            person.absorb_team_fatigue()

    def _fatigue(self, dr) -> None:
        for person in self.people:
            person.tire_or_recover(self.p)

    def _turnover(self, dr) -> None:
        leaving = {int(row): i for i, row in enumerate(dr["leavers"])}
        for person in self.people:
            person.serve_another_week()
            i = leaving.get(person.row)
            if i is not None:
                person.hand_over_to_newcomer(self.p, self.s0, dr["habit_noise"][i], dr["zeta"][i],
                                             float(dr["kappa"][i]), float(dr["c"][i]), float(dr["r"][i]))
        self.turnover += len(leaving)

    # 6. trust, rewards, capability, reviews
    def _trust(self, dr) -> None:
        bosses = {e.boss.row: e.boss for e in self.employees}
        mean_quality = sum(b.quality_as_boss() for b in bosses.values()) / max(len(bosses), 1)
        for person in self.staff:
            person.update_trust(self.p, mean_quality)

    def _development(self, dr) -> None:
        for manager in self.managers:
            manager.develop(self.p)

    def _reviews(self, dr) -> None:
        p = self.p
        self.kpi_pull = [pull + p.kpi_drift * (1 - pull) for pull in self.kpi_pull]
        if p.review_interval <= 0 or self.week < self.next_review:
            return
        self.next_review = self.week + p.review_interval
        if self.week == 0:
            return
        self.kpi_pull = [pull * (1 - p.review_strength) for pull in self.kpi_pull]
        for person in self.staff:
            person.prepare_review(p)
        for person in self.staff:
            person.commit_review()

    # initiatives and execution
    def _execution(self, dr) -> None:
        p = self.p
        for person in self.staff:
            person.set_direction(p, self.s, self.kpi_pull[person.department],
                                 self.kpi_bias[person.department])
        if not self.employees:
            return
        total = sum(e.work(p) for e in self.employees)
        gain = total / len(self.employees) / (1 + p.a_split * (self.initiatives_now - 1))
        self.progress += gain
        share = min(gain, p.initiative_effort) / p.initiative_effort  # of a whole initiative
        behind = max(0.0, 1.0 - share * p.initiative_deadline)  # of the deadline's pace, missed
        if p.k_pace and behind > 0:  # no visible results: everyone loses heart, the more the longer
            ran = min(1.0, (self.week - self.initiative_start) / p.initiative_deadline)
            for person in self.staff:
                person.lose_heart(p.k_pace * behind * ran**2)
        if p.k_win and share > 0:  # the results loop: everyone sees the progress
            for person in self.staff:
                person.see_results(p, share)
        if self.progress >= p.initiative_effort:
            self.succeeded += 1
            self._launch_initiative()

    # --- measurement
    def snapshot(self) -> State:
        """The people's state gathered into arrays (rows as in ``sim.org``), for comparison
        with the vectorised model and for the metric functions."""
        arrays = {name: np.array([getattr(a, name) for a in self.people]) for name in PERSONAL}
        scalars = {name: getattr(self, name) for name in (
            "week", "initiatives_now", "rationale_now", "progress", "initiative_start", "launched",
            "succeeded", "failed", "pivots", "n_repeat", "next_broadcast", "next_review",
            "turnover", "perceived", "delivered", "force_pivot")}
        return State(s=self.s.copy(), s0=self.s0.copy(), kpi_bias=np.array(self.kpi_bias),
                     kpi_pull=np.array(self.kpi_pull), **arrays, **scalars)


def _reporter(name: str):
    return lambda model: model.metrics[name]
