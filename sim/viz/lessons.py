"""Guided lessons for the teaching view: each sets up a scenario, says what to try and what to
notice, and asks one question.

A lesson is data. Its ``settings`` are the levers it starts from (every other lever at its
default: the organisation the validation runs used, 1 executive, 2 layers, span 8, unless the lesson
says otherwise); its ``changes`` are the levers its "try" text asks the class to move, in order, each
on top of the ones before. The figures the texts quote are the model's own validated effects
(docs/VALIDATION.md, second-year averages over many seeds); ``evidence`` names each figure's row
there, so a test checks the quote against the report and that the effect holds.
"""

from __future__ import annotations

from dataclasses import dataclass

VALIDATION_ORG = {"executives": 1, "layers": 2, "span": 8}  # sim.validation.ORG: 585 people


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    settings: dict  # parameter values (sim.params names) the lesson starts from
    to_try: str
    notice: str
    question: str
    changes: tuple[dict, ...] = ()  # the levers to_try moves, in order, each on top of the last
    # (pattern, effect, column, quoted): a figure the notice quotes, from docs/VALIDATION.md's table;
    # column is "a", "b" or "difference" (quoted as a size, without its sign)
    evidence: tuple[tuple[str, str, str, str], ...] = ()


ONE_RUN = ("One run varies with its seed: before concluding, try a second seed, or compare with the "
           "averages quoted here.")

LESSONS = (
    Lesson(
        key="telephone",
        title="1. The telephone game: translation noise and depth",
        settings={**VALIDATION_ORG, "translation_noise": 0.0},
        to_try=(
            "Here managers add no noise of their own when they translate the strategy (translation "
            "noise 0). Play to week 104 and press Freeze this run as A. Then set translation noise (under More parameters) to "
            "0.3, press Reset and play to week 104 again; then try 0.9. At each setting, send a new "
            "message in the telephone game and follow it hop by hop. Then depth: translation noise "
            "back to 0.35, executives 2 (under More parameters) and span 4; freeze a run with 2 "
            "layers and compare it with 4 layers."),
        notice=(
            "The alignment by level chart and the alignment (employees) readout: the front line falls "
            "furthest. In the validation runs (second-year averages over 12 seeds or more), raising "
            "the noise from 0 to 0.3 lowered the front line's belief alignment by 0.12, and from 0.3 "
            "to 0.9 by a further 0.24; at the first step the front line lost 0.09 more than the top "
            "management layer did: the damage grows with every hop. With span 4, four layers instead "
            "of two lowered the front line's alignment by 0.12 and its understanding of the why by "
            "0.24. " + ONE_RUN),
        question=(
            "Each manager adds only a little noise. Why does the front line end up so far from the "
            "strategy, and what would you change first: fewer layers, or clearer translation at "
            "each one?"),
        changes=({"translation_noise": 0.3}, {"translation_noise": 0.9},
                 {"translation_noise": 0.35, "executives": 2, "span": 4}, {"layers": 4}),
        evidence=(
            ("S13", "front-line belief alignment, noise 0 -> 0.3", "difference", "0.12"),
            ("S13", "front-line belief alignment, noise 0.3 -> 0.9", "difference", "0.24"),
            ("S13", "front line minus top layer, noise 0 -> 0.3 (the fall grows with depth)", "difference",
             "0.09"),
            ("S1", "front-line belief alignment", "difference", "0.12"),
            ("S1", "front-line understanding", "difference", "0.24"),
        ),
    ),
    Lesson(
        key="pivots",
        title="2. Pivots and fatigue",
        settings={**VALIDATION_ORG, "pivot_interval": 52.0},
        to_try=(
            "The strategy changes about once a year here (pivot interval 52 weeks). Play to week 104 "
            "and press Freeze this run as A. Then move pivot interval to 8 weeks, press Reset and "
            "play to week 104 again."),
        notice=(
            "The fatigue and burnout chart, the alignment by level chart (it drops at each pivot: how "
            "far does it climb back before the next?) and the initiatives chart. In the validation "
            "runs (second-year averages), pivots every 8 weeks instead of every 52 raised mean "
            "fatigue by 0.13 (from 0.04 to 0.17), lowered belief alignment by 0.36 (from 0.43 to "
            "0.07) and raised the share of ended initiatives that failed by 0.45 (from 0.48 to "
            "0.93). " + ONE_RUN),
        question=(
            "Each pivot may be a sensible answer to the market. What does the organisation lose at "
            "each one, and how often could it afford to change course?"),
        changes=({"pivot_interval": 8.0},),
        evidence=(
            ("S2", "fatigue", "difference", "0.13"), ("S2", "fatigue", "a", "0.04"),
            ("S2", "fatigue", "b", "0.17"),
            ("S2", "belief alignment", "difference", "0.36"), ("S2", "belief alignment", "a", "0.43"),
            ("S2", "belief alignment", "b", "0.07"),
            ("S2", "failure rate", "difference", "0.45"), ("S2", "failure rate", "a", "0.48"),
            ("S2", "failure rate", "b", "0.93"),
        ),
    ),
    Lesson(
        key="champions",
        title="3. Credibility and champions",
        settings={**VALIDATION_ORG, "champion_selection": "low_credibility"},
        to_try=(
            "A tenth of the managers start as champions of the change, and here they are the least "
            "credible ones. Play until the managers adopted line passes 0.5, note the week, and "
            "press Freeze this run as A. Then set champion selection (under More parameters) to "
            "high_credibility: the organisation is rebuilt at week 0; play again. Finally set "
            "credibility spread to 0 (everyone equally respected) and compare high_credibility with "
            "low_credibility once more."),
        notice=(
            "The adoption among managers chart: the week the managers adopted line crosses 0.5. On "
            "the organisation chart champions are triangles and a marker's size is its credibility. "
            "In the validation runs (48 seeds), the most credible champions instead of the least "
            "credible brought 50% adoption about 7 weeks sooner (week 19 instead of week 26, on "
            "average); when everyone was equally credible, the choice made no difference. " + ONE_RUN),
        question=(
            "The number of champions did not change, only who they were. Why do the same few "
            "champions move the organisation faster when they are respected, and how would you find "
            "such people in a real organisation?"),
        changes=({"champion_selection": "high_credibility"}, {"credibility_spread": 0.0},
                 {"champion_selection": "low_credibility"}),
        evidence=(
            ("S4", "weeks to 50% adoption", "difference", "7"), ("S4", "weeks to 50% adoption", "a", "26"),
            ("S4", "weeks to 50% adoption", "b", "19"),
        ),
    ),
    Lesson(
        key="illusion",
        title="4. The communication illusion",
        settings={**VALIDATION_ORG, "communication": "broadcast", "broadcast_interval": 4.0},
        to_try=(
            "The executives broadcast the strategy to everyone every 4 weeks, and nobody talks back "
            "(communication broadcast). Play to week 104 and press Freeze this run as A. Then set "
            "communication to cascade, dialogue to 0.8 and feedback to 0.5, press Reset and play to "
            "week 104 again."),
        notice=(
            "The communication illusion chart: the shaded gap between confidence (how clear people "
            "believe the strategy is) and the share actually aligned with it. In the validation runs "
            "(second-year averages), that gap was 0.82 with broadcasts alone and 0.23 with the "
            "cascade, dialogue and feedback: 0.58 narrower. " + ONE_RUN),
        question=(
            "Everyone heard the all-hands message many times. Why are people confident they know the "
            "strategy when most of them are not aligned with it, and what closes the gap?"),
        changes=({"communication": "cascade", "dialogue": 0.8, "feedback": 0.5},),
        evidence=(
            ("S12", "clarity gap (confidence minus share clear)", "a", "0.82"),
            ("S12", "clarity gap (confidence minus share clear)", "b", "0.23"),
            ("S12", "clarity gap (confidence minus share clear)", "difference", "0.58"),
        ),
    ),
    Lesson(
        key="enabling",
        title="5. Enabling the middle",
        settings=dict(VALIDATION_ORG),
        to_try=(
            "A typical organisation: every lever at its default. Play to week 104 and look. Then talk "
            "louder: set broadcast interval (under More parameters) to 7 weeks, about twice as often "
            "as the default 13; press Reset, play to week 104 and press Freeze this run as A. Then "
            "broadcast interval back to 13 and enable the middle instead: role clarity 0.8, "
            "capability investment 0.01, feedback 0.5, dialogue 0.3, leadership consistency 0.8, "
            "change rewards 0.5 and, under More parameters, capability 0.7 and leadership alignment "
            "1; press Reset and play to week 104 again."),
        notice=(
            "The alignment by level and initiatives charts, and the alignment (everyone) readout. In "
            "the validation runs (second-year averages), the enabled organisation's alignment was "
            "0.76 against 0.34 for the typical one with broadcasts doubled (every 6.5 weeks): 0.42 "
            "higher; and the share of its ended initiatives that failed was 0.39 lower than the "
            "typical organisation's. " + ONE_RUN),
        question=(
            "Doubling the all-hands messages costs the executives little; enabling the middle costs "
            "time and money. Why does the second move alignment so much more, and which of its levers "
            "would you fund first?"),
        changes=({"broadcast_interval": 7.0},
                 {"broadcast_interval": 13.0, "role_clarity": 0.8, "capability_investment": 0.01,
                  "feedback": 0.5, "dialogue": 0.3, "leadership_consistency": 0.8, "change_rewards": 0.5,
                  "capability": 0.7, "leadership_alignment": 1.0}),
        evidence=(
            ("S7", "failure rate", "difference", "0.39"),
            ("S8", "enabling the middle minus doubling broadcasts", "a", "0.34"),
            ("S8", "enabling the middle minus doubling broadcasts", "b", "0.76"),
            ("S8", "enabling the middle minus doubling broadcasts", "difference", "0.42"),
        ),
    ),
)

BY_KEY = {lesson.key: lesson for lesson in LESSONS}
