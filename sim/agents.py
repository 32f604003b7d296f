"""Mesa agents: executives, middle managers and employees as views onto rows of the state.

An agent holds only its row; every attribute reads the model's state arrays, so the vectorised
step and the agents never disagree. When a person leaves, the newcomer takes the same seat
(the same agent and row), with ``tenure`` back at 0.
"""

from __future__ import annotations

import mesa
import numpy as np

from .geometry import alignment
from .state import STANCE_NAMES


def _state(attr: str, doc: str):
    return property(lambda self: float(getattr(self.model.state, attr)[self.row]), doc=doc)


class Person(mesa.Agent):
    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    belief = property(lambda self: self.model.state.b[self.row].copy(),
                      doc="What they think the priorities are (unit vector over the goals).")
    understanding = _state("u", "Grasp of the why, in [0, 1].")
    confidence = _state("conf", "How clear they believe the strategy is, in [0, 1].")
    commitment = _state("m", "Adoption of the change, in [0, 1]; adopted at 0.5.")
    fatigue = _state("f", "Fatigue, in [0, 1].")
    trust = _state("tau", "Trust in leadership, in [0, 1].")
    credibility = _state("kappa", "Peers' respect, in [0, 1].")
    capability = _state("c", "Skill at translating strategy and leading change, in [0, 1].")
    role_clarity = _state("r", "How clear their role is, in [0, 1].")
    load = _state("load", "Workload (capacity is 1).")
    overload = _state("o", "Load above capacity.")

    @property
    def alignment(self) -> float:
        """Alignment of their belief with the strategy in force (``sim.geometry.alignment``, the
        centred cosine): 0 = a random or vague mix, 1 = the strategy, below 0 = reversed."""
        return float(alignment(self.model.state.b[self.row], self.model.state.s))

    @property
    def tenure(self) -> int:
        return int(self.model.state.tenure[self.row])

    @property
    def stance(self) -> str:
        return STANCE_NAMES[self.model.state.stance[self.row]]

    @property
    def adopted(self) -> bool:
        return bool(self.model.state.m[self.row] >= 0.5)

    @property
    def level(self) -> int:
        return int(self.model.org.depth[self.row])

    @property
    def department(self) -> int:
        return int(self.model.org.dept[self.row])

    @property
    def boss(self) -> Person | None:
        b = self.model.org.boss[self.row]
        return self.model.people[b] if b >= 0 else None

    @property
    def reports(self) -> list[Person]:
        rows = np.flatnonzero(self.model.org.boss == self.row)
        return [self.model.people[r] for r in rows]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row}, level={self.level})"


class Executive(Person):
    """Sets the strategy for a division and pivots it."""


class MiddleManager(Person):
    """Translates the strategy for their reports; influences and is influenced by peers."""


class Employee(Person):
    """Works along their belief, their habit and their department's KPIs."""

    @property
    def work(self) -> np.ndarray:
        """Direction of their work (unit vector over the goals)."""
        return self.model.state.x[self.row].copy()


AGENT_TYPES = (Executive, MiddleManager, Employee)  # indexed by org role
