"""The workshop game's pages (``cascade app --workshop``): a team joins with the workshop's code,
sets its levers each quarter under the budget and plays the quarter; the teacher's screen shows
the live leaderboard and the debrief chart of every team's path. Rules: ``sim.viz.workshop``."""

from __future__ import annotations

import solara

from ..params import BY_NAME
from .charts import alignment_by_level, paths_spec, readouts
from .levers import lever
from .workshop import WEEKS_PER_QUARTER, Workshop, WorkshopError, shared

TEXT = {"font-size": "14px"}
REFRESH = 1.0  # seconds between updates of the teacher's screen


@solara.component
def WorkshopPage(path: str):
    workshop = shared(path)
    team = solara.use_reactive("")
    teacher = solara.use_reactive(False)
    solara.Title(f"Cascade workshop {workshop.code}")
    with solara.AppBar():
        solara.AppBarTitle(f"Cascade workshop: {workshop.quarters} quarters, budget "
                           f"{workshop.budget:,g} a quarter")
    if teacher.value:
        solara.Button("Back to the team page", on_click=lambda: teacher.set(False))
        TeacherScreen(workshop)
    elif not team.value:
        Join(workshop, team)
        solara.Button("Teacher's screen", on_click=lambda: teacher.set(True), classes=["teacher"])
    else:
        TeamScreen(workshop, team.value)


@solara.component
def Join(workshop: Workshop, team: solara.Reactive[str]):
    code, name, error = solara.use_reactive(""), solara.use_reactive(""), solara.use_reactive("")

    def join():
        if code.value.strip().upper() != workshop.code:
            error.set(f"workshop code {code.value.strip()[:12]!r} is not this workshop's")
            return
        try:
            team.set(workshop.join(name.value).name)
        except WorkshopError as exc:
            error.set(str(exc))

    with solara.Card("Join the workshop", margin=0, style={"max-width": "480px"}):
        solara.InputText("workshop code", value=code)
        solara.InputText("team name", value=name)
        solara.Button("Join", color="primary", on_click=join)
        if error.value:
            solara.Error(error.value)


@solara.component
def TeamScreen(workshop: Workshop, name: str):
    version = solara.use_reactive(0)
    t = workshop.teams[name]
    _ = version.value
    levers = solara.use_reactive({k: workshop.start[k] for k in workshop.costs})
    error = solara.use_reactive("")
    cost = workshop.cost(levers.value, t.decisions)

    def play():
        try:
            workshop.decide(name, levers.value)
            error.set("")
        except WorkshopError as exc:
            error.set(str(exc))
        version.set(version.value + 1)

    done = t.quarter >= workshop.quarters
    with solara.Columns([4, 8]):
        with solara.Card(f"Team {name}", margin=0):
            solara.Text(f"Quarter {t.quarter} of {workshop.quarters} played (week {t.model.week})",
                        classes=["quarter"], style=TEXT | {"font-weight": "bold", "display": "block"})
            for key in workshop.costs:
                lv = lever(key)
                solara.SliderFloat(lv.label, value=levers.value[key], min=BY_NAME[key].low,
                                   max=BY_NAME[key].high, step=lv.step, thumb_label=True,
                                   on_value=lambda v, k=key: levers.set({**levers.value, k: v}))
                solara.Text(f"{levers.value[key]:g} (start {workshop.start[key]:g}; {workshop.price(key)})",
                            style={"font-size": "12px"})
            solara.Text(f"This quarter costs {cost:,.2f} of {workshop.budget:,g}", classes=["cost"],
                        style=TEXT | {"display": "block", "color": "red" if cost > workshop.budget else "black"})
            solara.Button(f"Play quarter {t.quarter + 1} ({WEEKS_PER_QUARTER} weeks)" if not done
                          else "All quarters played", color="primary", on_click=play, disabled=done)
            if error.value:
                solara.Error(error.value)
        with solara.Card("Your organisation", margin=0):
            with solara.Row(style={"flex-wrap": "wrap", "gap": "2px 18px"} | TEXT):
                solara.Text(f"score (mean alignment so far): {t.score():.3f}", classes=["score"])
                for r in readouts(t.model):
                    solara.Text(f"{r['outcome']}: {r['now']:.2f}")
            solara.widgets.VegaLite.element(spec=alignment_by_level(t.model))


@solara.component
def TeacherScreen(workshop: Workshop):
    tick = solara.use_reactive(0)

    def refresh(cancel):
        while not cancel.wait(REFRESH):
            tick.set(tick.value + 1)

    solara.use_thread(refresh, dependencies=[], intrusive_cancel=False)
    _ = tick.value
    board = workshop.leaderboard()
    with solara.Card(f"Leaderboard: workshop {workshop.code}", margin=0):
        solara.Text(f"Teams join with the code {workshop.code}. Score: mean alignment of everyone over "
                    "the weeks played (1 = the strategy).", style=TEXT)
        rows = "".join(f"| {i + 1} | {r['team']} | {r['quarters']} | {r['score']:.3f} | {r['adoption']:.2f} "
                       f"| {r['fatigue']:.2f} |\n" for i, r in enumerate(board))
        solara.Markdown("| rank | team | quarters | score | adoption | fatigue |\n|---|---|---|---|---|---|\n"
                        + rows, style=TEXT)
    if board:
        with solara.Card("Debrief: every team's path", margin=0):
            solara.widgets.VegaLite.element(spec=paths_spec(workshop.paths(), "alignment (1 = the strategy)",
                                                            WEEKS_PER_QUARTER))
