"""The workshop game: teams of a class run the same organisation from the same seed, choose levers
each quarter under a budget, and are ranked on a leaderboard; the teacher's debrief shows every
team's path. Anchors: NetLogo HubNet's participatory simulations; business-school change games.

A workshop is one file (JSON lines, ``<folder>/<code>.jsonl``): a header (scenario, seed, quarters,
budget, lever costs), then one line per join and per decision, appended as they happen. A team's
run is rebuilt by replaying its decisions on the seed, so the file alone restores every team after
a server restart, bit for bit.

The game's rules (not model parameters): each quarter a team sets its levers, a quarter's cost
must fit the budget, then 13 weeks run. The score is the mean alignment of everyone over the weeks
played (MODEL.md's ``alignment``, 1 = the strategy). What a quarter costs:

- When the scenario has a ``costs`` section (``sim.costs``, as ``cascade optimise`` reads it), the
  game's levers are the numeric levers it prices, in its currency. A team's plan is the scenario
  with the team's levers set at the start of each quarter played; ``sim.costs.costs`` prices it,
  less what the organisation as it started costs over the same weeks, and a quarter costs what
  that grows by in the quarter (so a ``fixed`` set-up cost falls in the first quarter a lever is
  on, and lowering a lever the scenario had raised saves what it cost). The costs section has no
  budget: the teacher gives one (``--budget``), else it is ``BUDGET_SHARE`` of what a first
  quarter with every game lever at the top of its range costs, to two significant figures.
- Otherwise the game's levers and prices are ``COSTS``: a lever raised above the scenario's
  starting value costs ``cost x (value - start)`` budget units for that quarter (lowering is
  free), under a budget of ``BUDGET`` units a quarter.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model import OrgModel
from ..params import BY_NAME, ParameterError

WEEKS_PER_QUARTER = 13
QUARTERS = 4
BUDGET = 5.0  # budget units a quarter
# Budget units for raising a lever by its whole range (0 -> 1, or 0 -> 0.2 for capability).
COSTS = {"role_clarity": 10.0, "capability_investment": 50.0, "feedback": 8.0, "dialogue": 8.0,
         "change_rewards": 6.0, "leadership_consistency": 10.0}
# A costs section's default budget: this share of every lever at its top for a quarter (the default
# game's BUDGET is about an eighth of its 41 units on the baseline).
BUDGET_SHARE = 0.125
SCORE = "alignment"
MAX_TEAM_NAME = 40


class WorkshopError(ValueError):
    """A move the game does not allow; the message is one line for the player."""


def _load(scenario: str | None):
    if not scenario:
        return None
    from ..scenario import load_scenario

    return load_scenario(scenario)


def priced_levers(scenario) -> dict:
    """The game's levers from a scenario's costs section: the numeric levers it prices (their
    entries as ``sim.costs.check_costs`` left them); empty without a costs section."""
    return {k: v for k, v in (scenario.costs if scenario is not None else {}).items()
            if k != "fixed" and not BY_NAME[k].choices}


@dataclass
class Team:
    name: str
    model: OrgModel
    decisions: list[dict] = field(default_factory=list)

    @property
    def quarter(self) -> int:
        """Quarters played."""
        return len(self.decisions)

    def score(self) -> float:
        played = np.asarray(self.model.datacollector.model_vars[SCORE][1:], dtype=float)
        return float(played.mean()) if len(played) else float("nan")


class Workshop:
    """One workshop: its rules, its teams, and the file that records them."""

    def __init__(self, path: Path, header: dict):
        self.path = Path(path)
        self.code = header["code"]
        self.scenario = header.get("scenario")
        self.seed = int(header["seed"])
        self.quarters = int(header["quarters"])
        self.budget = float(header["budget"])
        self.costs = dict(header["costs"])  # lever -> its price: COSTS' units, or a costs section's entry
        self.priced = header.get("priced_by") == "scenario"
        self._scenario = _load(self.scenario)
        self.kwargs = self._scenario.model_kwargs() if self._scenario is not None else {}
        base = OrgModel(rng=self.seed, **self.kwargs).p
        self.start = {k: float(getattr(base, k)) for k in self.costs}
        self.teams: dict[str, Team] = {}
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ files
    @classmethod
    def create(cls, folder, scenario: str | None = None, seed: int = 1, quarters: int = QUARTERS,
               budget: float | None = None, costs: dict | None = None, code: str | None = None) -> "Workshop":
        """A new workshop. Its levers and prices: ``costs`` (units per point, as ``COSTS``) if given,
        else the scenario's costs section if it has one, else ``COSTS``; ``budget`` by default
        ``BUDGET``, or for a costs section ``BUDGET_SHARE`` of every lever at its top for a quarter."""
        priced = {} if costs else priced_levers(_load(scenario))
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        code = code or "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
        path = folder / f"{code}.jsonl"
        if path.exists():
            raise WorkshopError(f"workshop {code} exists already ({path})")
        header = {"code": code, "scenario": str(scenario) if scenario else None, "seed": int(seed),
                  "quarters": int(quarters), "budget": float(BUDGET if budget is None else budget),
                  "costs": dict(priced or costs or COSTS), "priced_by": "scenario" if priced else "game"}
        workshop = cls(path, header)  # a broken scenario fails here, before the file is written
        if priced and budget is None:
            top = workshop.cost({k: BY_NAME[k].high for k in workshop.costs}, [])
            workshop.budget = header["budget"] = float(f"{BUDGET_SHARE * top:.2g}")
        path.write_text(json.dumps({"header": header}) + "\n")
        return workshop

    @classmethod
    def open(cls, path) -> "Workshop":
        """A workshop as its file left it: every team rebuilt by replaying its decisions."""
        lines = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
        workshop = cls(path, lines[0]["header"])
        for line in lines[1:]:
            if "join" in line:
                workshop._join(line["join"])
            else:
                workshop._decide(line["team"], line["levers"])
        return workshop

    def _record(self, line: dict) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(line) + "\n")

    # ------------------------------------------------------------------ play
    def join(self, team: str) -> Team:
        """Join (or rejoin) as ``team``."""
        name = " ".join(str(team).split())
        if not name or len(name) > MAX_TEAM_NAME:
            raise WorkshopError(f"team name: 1 to {MAX_TEAM_NAME} characters, got {len(name)}")
        with self.lock:
            if name in self.teams:
                return self.teams[name]
            self._record({"join": name})
            return self._join(name)

    def _join(self, name: str) -> Team:
        self.teams[name] = Team(name, OrgModel(rng=self.seed, **self.kwargs))
        return self.teams[name]

    def cost(self, levers: dict, played: list[dict]) -> float:
        """What the next quarter costs with these lever values, after the quarters ``played``."""
        if not self.priced:
            return float(sum(self.costs[k] * max(0.0, float(v) - self.start[k]) for k, v in levers.items()))
        return self._spent([*played, levers]) - self._spent(played)

    def _spent(self, plan: list[dict]) -> float:
        """What ``sim.costs`` prices a plan at (levers set at the start of each quarter), less what
        the organisation as it started costs over the same weeks."""
        from ..costs import costs
        from ..scenario import InterventionSpec

        if not plan:
            return 0.0
        weeks = WEEKS_PER_QUARTER * len(plan)

        def priced(quarters: list[dict]) -> float:
            changes = {iv.week: dict(iv.changes) for iv in self._scenario.interventions}
            for q, levers in enumerate(quarters):
                changes.setdefault(WEEKS_PER_QUARTER * q, {}).update(levers)
            ivs = tuple(InterventionSpec(week=w, changes=c) for w, c in sorted(changes.items()))
            return costs(self._scenario.model_copy(update={"horizon": weeks, "interventions": ivs,
                                                           "costs": self.costs}))["total"]

        return priced(plan) - priced([{}] * len(plan))

    def price(self, lever: str) -> str:
        """A lever's price, in words for the team's page."""
        if not self.priced:
            return f"{self.costs[lever]:g} per unit above the start"
        return "; ".join(f"{kind.replace('_', ' ')} {amount:,.0f}" for kind, amount in self.costs[lever].items())

    def check(self, levers: dict, played: list[dict] | None = None) -> dict:
        """The levers as floats, or WorkshopError naming the lever, the value and what is allowed."""
        out = {}
        for name, value in levers.items():
            if name not in self.costs:
                raise WorkshopError(f"lever {str(name)[:40]!r} is not in this game "
                                    f"(levers: {', '.join(self.costs)})")
            p = BY_NAME[name]
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise WorkshopError(f"{name} = {str(value)[:20]!r}: a number is needed") from None
            if not p.low <= v <= p.high:
                raise WorkshopError(f"{name} = {v:g}: allowed {p.low:g} to {p.high:g}")
            out[name] = v
        cost = self.cost(out, played or [])
        if cost > self.budget + 1e-9:
            raise WorkshopError(f"these levers cost {cost:,.2f} this quarter: the budget is {self.budget:,.2f}")
        return out

    def decide(self, team: str, levers: dict) -> Team:
        """Set ``team``'s levers for its next quarter and play the quarter (13 weeks)."""
        with self.lock:
            if team not in self.teams:
                raise WorkshopError(f"team {str(team)[:40]!r} has not joined workshop {self.code}")
            if self.teams[team].quarter >= self.quarters:
                raise WorkshopError(f"team {team!r} has played all {self.quarters} quarters")
            levers = self.check(levers, self.teams[team].decisions)
            self._record({"team": team, "levers": levers})
            return self._decide(team, levers)

    def _decide(self, team: str, levers: dict) -> Team:
        t = self.teams[team]
        try:
            t.model.set_params(**levers)
        except ParameterError as exc:  # pragma: no cover - check() holds the same ranges
            raise WorkshopError(str(exc)) from None
        for _ in range(WEEKS_PER_QUARTER):
            t.model.step()
        t.decisions.append(levers)
        return t

    # ------------------------------------------------------------------ the teacher's screen
    def leaderboard(self) -> list[dict]:
        """Teams by score, best first: quarters played, score, and where each stands now."""
        with self.lock:
            rows = [{"team": t.name, "quarters": t.quarter, "score": t.score(),
                     "adoption": float(t.model.metrics["adoption"]),
                     "fatigue": float(t.model.metrics["fatigue"])} for t in self.teams.values()]
        return sorted(rows, key=lambda r: (np.isnan(r["score"]), -np.nan_to_num(r["score"]), r["team"]))

    def paths(self) -> dict[str, np.ndarray]:
        """Each team's score measure, a value per week (the debrief chart)."""
        with self.lock:
            return {t.name: np.asarray(t.model.datacollector.model_vars[SCORE], dtype=float)
                    for t in self.teams.values()}


_OPEN: dict[str, Workshop] = {}
_OPEN_LOCK = threading.Lock()


def shared(path) -> Workshop:
    """The one Workshop object of a file for every browser session of this server."""
    key = str(Path(path).resolve())
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = Workshop.open(key)
        return _OPEN[key]
