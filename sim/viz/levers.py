"""The levers the view offers, described entirely by ``sim.params.PARAMS`` (ranges, defaults and
meanings are never repeated here), and for each the idea from the source material behind it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..params import BY_NAME, PARAMS, Param

# The main levers, in the order a class meets them (issue 5).
MAIN_LEVERS = ("pivot_interval", "role_clarity", "capability_investment", "feedback", "communication",
               "dialogue", "leadership_consistency", "change_rewards", "layers", "span",
               "cross_silo_ties")

# What each main lever stands for in the source material (shared/seeds), in a sentence or two.
EXPLAIN = {
    "pivot_interval": (
        "Endless pivots cause strategic fatigue: new initiatives arrive before old ones are finished, "
        "people stop owning goals they expect to be replaced, and trust withers. Agility is not "
        "continuous pivoting; the true killer of change is inconsistency."),
    "role_clarity": (
        "Role ambiguity leads to overload: managers who do not know which decisions they own "
        "either over-escalate or overstep, and cannot tell the urgent from the important. Clarity of "
        "role and expectations is the first step in enabling the middle."),
    "capability_investment": (
        "The capability gap: managers are promoted for executing, then expected to become strategic "
        "communicators and change leaders overnight. Developing coaching and change skills is "
        "mandatory, not a nice-to-have."),
    "feedback": (
        "Feedback loops must work in both directions: managers carry execution challenges up, "
        "leaders explain the rationale down. Without them each level hears a modified version of "
        "the intended strategy, and executives take messages sent for messages understood: only "
        "candid reports show them how aligned the organisation really is."),
    "communication": (
        "The communication illusion: a single top-down broadcast at an all-hands makes leaders "
        "assume the organisation is aligned, but hearing a message is not understanding it, and "
        "repeating it unchanged breeds noise fatigue."),
    "dialogue": (
        "Strategic communication is not a one-time download: continuous clarification and dialogue "
        "let people ask their questions and connect the strategy to their own work, at the cost of "
        "managers' time."),
    "leadership_consistency": (
        "People hear what leaders value, not only what they say: when actions contradict the "
        "message (collaboration preached, individual performance rewarded) trust begins to wither "
        "and a coherent strategy becomes impossible."),
    "change_rewards": (
        "Rewards signal what is valued: recognising change leadership, not just task completion, "
        "makes the hard work of implementing strategy part of everyday performance."),
    "layers": (
        "Overcomplication: too many layers create confusion rather than clarity. Every layer is "
        "another translation, where the strategy can be diluted or misunderstood."),
    "span": (
        "The middle manager's load grows with the team: more direct reports mean more messages to "
        "translate, more escalations and less time for each conversation. About ten reports are a full "
        "week for a manager whose role is clear (Gallup's typical spans are 8-12); unclear roles "
        "fill it sooner."),
    "cross_silo_ties": (
        "Silos: departments without visibility into each other's goals chase the KPIs they can "
        "measure. Ties across silos let change spread through credibility rather than authority "
        "alone."),
}

MEASURES = {  # organisation-chart colour measures: state array, label, colour map
    "alignment": ("alignment", "alignment with the strategy (0 = chance or vague, or below; 1 = the strategy)", "viridis"),
    "understanding": ("u", "understanding of the why", "viridis"),
    "confidence": ("conf", "confidence (believed clarity)", "cividis"),
    "fatigue": ("f", "fatigue", "magma_r"),
    "commitment": ("m", "commitment (adopted at 0.5)", "viridis"),
}


@dataclass(frozen=True)
class Lever:
    """A widget description derived from a ``Param``."""

    param: Param
    widget: str  # "int", "float", "stops" (a slider over ``stops(param)``) or "choice"
    step: float = 1

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    def help_at(self, value) -> str:
        """The line under the widget: a slider's current value and range, then what it means (a
        choice shows its value itself, and the line lists the choices)."""
        p = self.param
        if p.choices:
            return f"{p.meaning} ({' / '.join(p.choices)})"
        unit = f" {p.unit}" if p.unit else ""
        return f"Now {self.widget_value(value):g} (range {p.low:g}-{p.high:g}{unit}). {p.meaning}"

    def shows(self, value) -> bool:
        """Whether the widget can show ``value`` (a rejected value the browser sent may be anything:
        text, a list, not a number; the widget then shows the running model's value)."""
        if self.param.choices:
            return value in self.param.choices
        value = self.widget_value(value)
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    def widget_value(self, value):
        """The value a slider can show (a per-level span list shows its first entry)."""
        if isinstance(value, list):
            value = value[0]
        return value


# A weeks lever over a long range (pivot_interval: 0-520) moves along these instead of linearly,
# so the teaching range (a month to a year) is most of the slider, not its first 5%.
WEEK_STOPS = (1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 26, 32, 39, 52, 65, 78, 104, 130, 156, 208, 260,
              312, 390, 520)


def stops(p: Param) -> tuple:
    """The values a stepped slider offers for ``p`` (() for an ordinary slider)."""
    if p.unit != "weeks" or p.high <= 104:
        return ()
    return (p.low, *(w for w in WEEK_STOPS if p.low < w < p.high), p.high)


def _step(p: Param) -> float:
    if p.kind is int:
        return 1
    width = p.high - p.low
    return 10.0 ** math.floor(math.log10(width / 100)) if width > 0 else 0.01


def lever(name: str) -> Lever:
    p = BY_NAME[name]
    if p.choices:
        return Lever(p, "choice")
    if stops(p):
        return Lever(p, "stops")
    return Lever(p, "int" if p.kind is int else "float", _step(p))


LEVERS = tuple(lever(n) for n in MAIN_LEVERS)
# Every other parameter, by group, for the "more parameters" panel.
OTHER_LEVERS: dict[str, tuple[Lever, ...]] = {}
for _p in PARAMS:
    if _p.name not in MAIN_LEVERS:
        OTHER_LEVERS.setdefault(_p.group, ())
        OTHER_LEVERS[_p.group] += (lever(_p.name),)
