"""The interactive teaching view: ``solara run sim/app.py`` or ``cascade app [SCENARIO]``.

Plain Solara components around a ``sim.viz.session.Session`` (one running model per browser
session). Mesa's SolaraViz was tried first and does not fit here: it rebuilds the model only on
Reset from sliders it owns, so a preset cannot move the sliders, a rejected combination raises
inside its Reset instead of showing the reason, sliders carry no help text, and a lever cannot
act on the running model. What Mesa gives is kept: the model is a ``mesa.Model`` and the charts
read its ``DataCollector``.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import ipyvuetify
import solara
import traitlets

from sim.params import PARAMS
from sim.viz.charts import CHARTS, PROJECTOR_FONT
from sim.viz.lessons import BY_KEY as LESSON_BY_KEY
from sim.viz.lessons import LESSONS
from sim.viz.levers import EXPLAIN, LEVERS, MEASURES, OTHER_LEVERS, Lever, stops
from sim.viz.orgchart import colour_scale
from sim.viz.server import MAX_SESSIONS_ENV, harden, max_sessions, take_seat
from sim.viz.session import SCENARIO_ENV, Session, presets, teacher_preset
from sim.viz.telephone import spec as telephone_spec

SPEEDS = (1, 30)  # steps per second the speed slider offers (a view setting, not a model one)
DEFAULT_SPEED = 5
MAX_CATCH_UP = 10  # steps one frame may take to keep up with the chosen speed
WORKSHOP_ENV = "CASCADE_WORKSHOP"  # a workshop's file: the page is the workshop game
HELP_STYLE = {"font-size": "11px", "color": "#666", "line-height": "1.2", "margin-top": "-12px",
              "margin-bottom": "6px"}


@solara.component
def Slider(label: str, value: float, low: float, high: float, step: float, on_value):
    """A Vuetify slider that hands on whatever the browser sends, uncast: Solara's SliderFloat and
    SliderInt call ``float``/``int`` on it first, so a forged text value raised inside Solara and
    blanked the page. ``on_value`` checks it (a lever through ``Session.set``)."""
    solara.v.Slider(v_model=value, on_v_model=on_value, label=label, min=low, max=high, step=step,
                    thumb_label=True, hide_details=True)


@solara.component
def LeverInput(session: Session, lever: Lever, params_version: solara.Reactive[int],
               version: solara.Reactive[int]):
    """A slider or a choice for one parameter, with its meaning and range from sim.params."""
    _ = params_version.value  # re-render when levers change (preset, reset, rejection)

    def on_value(value, name=lever.name):
        session.set(name, value)  # checked there: a forged value is rejected with a bounded message
        bump(params_version)
        bump(version)

    value = session.value(lever.name)
    value = lever.widget_value(value if lever.shows(value) else getattr(session.model.p, lever.name))
    p = lever.param
    if lever.widget == "choice":
        solara.Select(label=lever.label, values=list(p.choices), value=value, on_value=on_value)
    elif lever.widget == "stops":  # by position among the stops; a value set elsewhere (a preset) joins them
        values = sorted({*stops(p), value})

        def at(i):  # a position the slider can take, else (forged) not a value of the lever
            ok = isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(values)
            on_value(values[i] if ok else f"slider position {str(i)[:20]}")
        Slider(lever.label, values.index(value), 0, len(values) - 1, 1, at)
    elif lever.widget == "int":
        Slider(lever.label, int(value), int(p.low), int(p.high), 1, on_value)
    else:
        Slider(lever.label, float(value), p.low, p.high, lever.step, on_value)
    # The value is written out here: a bubble shown all the time would cover the line above.
    solara.Text(lever.help_at(value), style=HELP_STYLE)


@solara.component
def Levers(session: Session, params_version: solara.Reactive[int], version: solara.Reactive[int]):
    with solara.Card("Levers", margin=0):
        solara.Text("Structure levers rebuild the organisation at week 0; the others act on the "
                    "running model from next week. Reset replays from week 0 with the same seed.",
                    style=HELP_STYLE | {"margin-top": "0"})
        for lever in LEVERS:
            LeverInput(session, lever, params_version, version)
        # Built only when asked for: a hundred sliders in the page, even folded away, slow every
        # frame while playing (Solara revisits each of them).
        more = solara.use_reactive(False)
        solara.Switch(label="More parameters", value=more)
        if more.value:
            for group, levers in OTHER_LEVERS.items():
                solara.Markdown(f"**{group}**")
                for lever in levers:
                    LeverInput(session, lever, params_version, version)


@solara.component
def Presets(session: Session, params_version: solara.Reactive[int], version: solara.Reactive[int]):
    names = presets()
    _ = params_version.value
    if not names:
        solara.Text("No bundled scenarios available.", style=HELP_STYLE)
        return

    def pick(name):
        session.load_preset(name)
        bump(params_version)
        bump(version)

    solara.Select(label="Scenario preset", values=names, value=session.preset, on_value=pick)
    if session.description:  # the scenario file's own description: what organisation this is
        solara.Text(session.description, classes=["preset-description"],
                    style={"font-size": "13px", "display": "block", "margin": "-8px 0 8px"})


@solara.component
def Lessons(session: Session, params_version: solara.Reactive[int], version: solara.Reactive[int]):
    """A guided lesson (sim.viz.lessons): choosing one sets up its scenario; the text says what to
    try and what to notice, and asks one question."""
    _ = params_version.value
    keys = {lesson.title: lesson.key for lesson in LESSONS}

    def pick(title):
        session.load_lesson(keys.get(title, title))  # checked there: a forged title is refused
        bump(params_version)
        bump(version)

    lesson = LESSON_BY_KEY.get(session.lesson)
    with solara.Card("Guided lesson", margin=0):
        solara.Select(label="Lesson", values=list(keys), value=lesson.title if lesson else None, on_value=pick)
        if lesson is None:
            solara.Text("Choose a lesson: it sets the levers, says what to try and what to notice, and asks "
                        "one question.", style=HELP_STYLE | {"margin-top": "0"})
            return
        for head, text in (("Try", lesson.to_try), ("Notice", lesson.notice), ("Question", lesson.question)):
            with solara.Div(classes=["lesson"], style=CAPTION_STYLE | {"margin": "4px 0"}):
                solara.Text(f"{head}: ", style={"font-weight": "bold"})
                solara.Text(text)


_BUMP = threading.Lock()


def bump(counter: solara.Reactive[int]) -> None:
    """Increment a redraw counter; the play thread and a click may bump at the same moment."""
    with _BUMP:
        counter.value = counter.value + 1


def wait_for_frame(session: Session, frame: int, cancel: threading.Event, timeout: float = 2.0) -> None:
    """Wait until the panels have drawn ``frame``: changing state during a render pass would
    restart it forever. Steps are not lost: the play loop takes more per frame instead.
    A Pause (``cancel``) ends the wait at once, so Play can restart without delay."""
    end = time.monotonic() + timeout
    while session.drawn < frame and time.monotonic() < end and not cancel.is_set():
        time.sleep(0.002)
    cancel.wait(0.005)  # room for clicks (Pause) between frames


@solara.component
def Controls(session: Session, version: solara.Reactive[int], params_version: solara.Reactive[int],
             playing: solara.Reactive[bool], speed: solara.Reactive[int]):
    def loop(cancel):
        """Step at the chosen speed; when drawing is slower, take several steps per frame."""
        start, done = time.monotonic(), 0

        def going():
            return playing.value and not cancel.is_set()

        while going():
            due = int((time.monotonic() - start) * speed.value) + 1 - done
            if due <= 0:
                cancel.wait(0.005)
                continue
            n = min(due, MAX_CATCH_UP)
            session.step(n, only_if=going)  # Pause/Reset win over a late step, between weeks
            done += n
            if n < due:  # too far behind: do not try to make up for it later
                start, done = time.monotonic(), 0
            bump(version)
            wait_for_frame(session, version.value, cancel)

    # A week is atomic with respect to Pause: the loop stops itself between weeks. Solara's default
    # (intrusive) cancel raises inside whatever line runs, OrgModel.step included, which leaves the
    # week half-applied and Mesa's step schedule broken (every later step a no-op); its line tracer
    # also slows every step.
    solara.use_thread(loop, dependencies=[playing.value], intrusive_cancel=False)

    def step():
        session.step()
        bump(version)

    def reset():
        playing.value = False
        with session.lock:  # wait for a step in flight
            session.reset()
        bump(version)
        bump(params_version)

    def set_seed(seed):
        playing.value = False
        session.set_seed(seed)
        bump(version)
        bump(params_version)

    with solara.Card("Run", margin=0):
        with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
            solara.Button("Play", icon_name="mdi-play", color="primary", disabled=playing.value,
                          on_click=lambda: playing.set(True))
            solara.Button("Pause", icon_name="mdi-pause", disabled=not playing.value,
                          on_click=lambda: playing.set(False))
            solara.Button("Step", disabled=playing.value, on_click=step)
            solara.Button("Reset", on_click=reset)
        solara.SliderInt("speed (steps per second)", value=speed, min=SPEEDS[0], max=SPEEDS[1])
        solara.InputInt("seed", value=session.seed, on_value=set_seed)
        Status(session, version)
        solara.FileDownload(session.csv, filename="cascade-run.csv", label="Download this run (CSV)",
                            mime_type="text/csv")
        Compare(session, version)


@solara.component
def Compare(session: Session, version: solara.Reactive[int]):
    """Freeze the run as A, change levers, Reset: run B from the same seed, A dashed beneath it."""
    _ = version.value

    def freeze():
        session.freeze()
        bump(version)

    def clear():
        session.unfreeze()
        bump(version)

    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px", "margin-top": "8px"}):
        solara.Button("Freeze this run as A", icon_name="mdi-snowflake", on_click=freeze)
        solara.Button("Clear A", on_click=clear, disabled=session.reference is None)
    if session.reference is not None:
        solara.Text(f"A: {session.reference_label}. Change levers, Reset and play: the charts draw A "
                    "dashed under this run, from the same seed.", style=HELP_STYLE | {"margin-top": "4px"})


@solara.component
def Status(session: Session, version: solara.Reactive[int]):
    _ = version.value
    m = session.model
    with solara.Row(style={"align-items": "baseline"}):
        solara.Text(f"Week {session.week}", style={"font-weight": "bold", "font-size": "18px"})
        solara.Text(f"{m.org.n:,} people, {m.state.pivots} pivots"
                    + (f", preset {session.preset}" if session.preset else ""))


@solara.component
def ErrorBanner(session: Session, params_version: solara.Reactive[int]):
    _ = params_version.value
    if session.error:
        solara.Error(f"Rejected: {session.error}. Still running the last valid model "
                     f"(week {session.week}).", icon=True)


class ClickImage(ipyvuetify.VuetifyTemplate):
    """A picture that reports where it was clicked, as fractions of its width and height (the
    organisation chart: click a person to inspect them)."""

    template = traitlets.Unicode("""
<template>
  <img class="orgchart" :src="src" style="width: 100%; cursor: crosshair"
       @click="e => picked = {x: e.offsetX / e.target.clientWidth, y: e.offsetY / e.target.clientHeight}" />
</template>""").tag(sync=True)
    src = traitlets.Unicode("").tag(sync=True)
    picked = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)


class AddressBar(ipyvuetify.VuetifyTemplate):
    """Writes ``query`` into the browser's address (history.replaceState: no new history entry,
    no navigation), so that a reload brings the run back."""

    template = traitlets.Unicode("""
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() { this.write(this.query); },
  watch: { query(q) { this.write(q); } },
  methods: {
    write(q) {
      const url = window.location.pathname + (q ? "?" + q : "") + window.location.hash;
      if (url !== window.location.pathname + window.location.search + window.location.hash) {
        window.history.replaceState(window.history.state, "", url);
      }
    },
  },
};
</script>""").tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)


@solara.component
def Address(session: Session, version: solara.Reactive[int], params_version: solara.Reactive[int]):
    """The run in the page's address, kept up to date as it moves."""
    _ = version.value, params_version.value
    AddressBar.element(query=session.address())


CAPTION_STYLE = {"font-size": "14px", "line-height": "1.35", "color": "#333"}
KEY = (("\u25b2", "#555", "champion"), ("\u25a0", "#555", "defender"), ("\u25ef", "red", "burnt out"),
       ("\u25cf", "black", "newcomer"))


@solara.component
def OrgChartPanel(session: Session, version: solara.Reactive[int], measure: solara.Reactive[str],
                  inspected: solara.Reactive[int | None]):
    _ = version.value
    picture, caption = session.draw_orgchart(measure.value)

    def pick(point):
        if point:
            inspected.set(session.person_at(float(point["x"]), float(point["y"])))

    with solara.Card("Organisation chart", margin=0):
        # The colour buttons wrap inside the card rather than push the chart out of it.
        solara.ToggleButtonsSingle(value=measure, values=list(MEASURES), classes=["measures"],
                                   style={"flex-wrap": "wrap", "max-width": "100%"})
        solara.Text(caption, classes=["orgchart-caption"], style=CAPTION_STYLE | {"display": "block"})
        ClickImage.element(src="data:image/jpeg;base64," + base64.b64encode(picture).decode(), picked=None,
                           on_picked=pick)
        Inspect(session, version, inspected)
        # Colour bar and key are page text, not part of the picture: readable at any size.
        with solara.Div(classes=["orgchart-key"], style=CAPTION_STYLE):
            solara.Text(MEASURES[measure.value][1], style={"display": "block"})
            solara.Div(style={"height": "14px", "background": colour_scale(measure.value),
                              "border": "1px solid #999"})
            with solara.Row(justify="space-between", style={"margin": "0"}):
                for tick in ("0", "0.5", "1"):
                    solara.Text(tick)
            with solara.Row(style={"flex-wrap": "wrap", "gap": "4px 14px", "margin": "4px 0"}):
                for mark, colour, meaning in KEY:
                    solara.Text(f"{mark} {meaning}", style={"color": colour})
            solara.Text("Centre: executives; rings: management layers; outside: employees. "
                        "Size: credibility. A team marker gets the red ring when a quarter of its "
                        "people or more are burnt out.", style={"display": "block"})


@solara.component
def Inspect(session: Session, version: solara.Reactive[int], inspected: solara.Reactive[int | None]):
    """The person last clicked on the organisation chart, as they are this week."""
    _ = version.value
    if inspected.value is None or inspected.value >= session.model.org.n:
        solara.Text("Click a person on the chart to inspect them.", style=CAPTION_STYLE | {"display": "block"})
        return
    p = session.person(inspected.value)
    boss = f", reports to #{p['boss']}" if p["boss"] >= 0 else ""
    mix = ", ".join(f"{goal} {share:.0%} ({p['strategy'][goal]:.0%})" for goal, share in p["priorities"].items())
    with solara.Div(classes=["inspect"], style=CAPTION_STYLE | {"border-left": "3px solid #1976d2",
                                                                 "padding-left": "8px", "margin": "6px 0"}):
        solara.Text(f"Person #{p['person']}: {p['level']}{boss}; {p['stance']}", style={"font-weight": "bold",
                                                                                       "display": "block"})
        solara.Text(f"alignment {p['alignment']:.2f}; " + "; ".join(
            f"{k} {p[k]:.2f}" for k in ("understanding", "commitment", "fatigue", "trust", "confidence",
                                        "credibility", "capability")), style={"display": "block"})
        solara.Text(f"priorities (strategy's): {mix}", style={"display": "block"})


@solara.component
def ChartsPanel(session: Session, version: solara.Reactive[int], projector: solara.Reactive[list] | None = None):
    """The live charts; with ``projector`` (the keys of the charts shown), those in large type,
    side by side."""
    frame = version.value
    keys = projector.value if projector is not None else None
    specs = session.chart_specs(keys, PROJECTOR_FONT) if keys is not None else session.chart_specs()

    def drawn():  # effects run once the whole render pass is done
        session.drawn = max(session.drawn, frame)

    solara.use_effect(drawn, [frame])
    with solara.Card("Live charts", margin=0):
        if projector is not None:
            def pick(chosen):  # two at a time: the latest two picked
                projector.set([k for k in CHARTS if k in chosen[-2:]])

            solara.ToggleButtonsMultiple(value=keys, values=list(CHARTS), on_value=pick, classes=["pick"])
        Readouts(session.readouts(), 18 if keys is not None else 14)
        # One chart a row below 1904 px wide (a projector's 1280 included), two a row above; the
        # projector mode's two charts side by side.
        with solara.ColumnsResponsive(default=12, xlarge=6) if keys is None else solara.Columns([1] * len(specs)):
            for spec in specs:
                with solara.Div(classes=["chart", f"chart-{spec['usermeta']['key']}"]):
                    solara.widgets.VegaLite.element(spec=spec)


@solara.component
def Readouts(rows: list[dict], size: int = 14):
    """The key outcomes as numbers this week (and, with a run A, A's and the difference)."""
    with solara.Row(classes=["readouts"], style={"flex-wrap": "wrap", "gap": "2px 18px", "font-size": f"{size}px",
                                                  "margin": "0 0 8px 0"}):
        for r in rows:
            versus = f" (A {r['A']:.2f}, now - A {r['now - A']:+.2f})" if "A" in r else ""
            solara.Text(f"{r['outcome']}: {r['now']:.2f}{versus}")


@solara.component
def TelephonePanel(session: Session, version: solara.Reactive[int]):
    _ = version.value
    trace = session.trace  # replaced only by a new message or a new model: draw it only then
    stages = solara.use_memo(session.telephone, [id(trace)])
    chart = solara.use_memo(lambda: telephone_spec(stages, session.goal_names()), [id(trace)])

    def send():
        session.new_message()
        bump(version)

    with solara.Card("The telephone game", margin=0):
        with solara.Row():
            solara.Button("Send a new message", on_click=send)
            solara.Text(f"One message from an executive down to one employee, sent in week "
                        f"{session.trace_week} (a new one each quarter of the run).")
        with solara.Div(classes=["telephone"]):
            solara.widgets.VegaLite.element(spec=chart)
        dropped = [s["stage"] for s in stages if not s["delivered"]]
        lines = [f"- **{s['stage']}**: {s['note']}" for s in stages[2:]]
        if dropped:
            lines.append(f"- The message was **dropped** at {dropped[0]}.")
        solara.Markdown("\n".join(lines))


@solara.component
def ExplainPanel():
    with solara.Card("Why these levers (the ideas behind them)", margin=0):
        for lever in LEVERS:
            with solara.Details(lever.label):
                solara.Markdown(f"{EXPLAIN[lever.name]}\n\n*In the model:* `{lever.name}`: "
                                f"{lever.param.meaning}")


@solara.component
def ServerFull():
    solara.Title("Cascade: the server is full")
    solara.Error(f"This Cascade server is full: it runs at most {max_sessions()} sessions at once. "
                 "Close a tab you no longer use, or ask the teacher; a closed tab's place is freed "
                 "within a few minutes. Then reload this page.", icon=True)


@solara.component
def Page(values: dict | None = None):
    """The view; ``values`` sets parameters at start (the server uses $CASCADE_SCENARIO instead).
    With $CASCADE_WORKSHOP (``cascade app --workshop``) the page is the workshop game instead."""
    if os.environ.get(WORKSHOP_ENV):
        from sim.viz.workshop_view import WorkshopPage

        WorkshopPage(os.environ[WORKSHOP_ENV])
    else:
        TeachingView(values)


@solara.component
def TeachingView(values: dict | None = None):
    search = solara.use_router().search  # a reloaded page's address holds its run (sim.viz.address)
    session = solara.use_memo(
        lambda: Session.restored(search, scenario=teacher_preset(), values=values) if take_seat() else None, [])
    # Free-standing reactives (not use_reactive, whose owner, the whole page, would re-render on
    # every change): only the panels that read one redraw when it changes.
    version, params_version, playing, speed, measure, shown, inspected = solara.use_memo(
        lambda: (solara.reactive(0),  # the model moved: redraw the panels
                 solara.reactive(0),  # levers changed: redraw the inputs
                 solara.reactive(False), solara.reactive(DEFAULT_SPEED), solara.reactive("alignment"),
                 solara.reactive(list(CHARTS)[:2]),  # the projector mode's two charts
                 solara.reactive(None)),  # the person clicked on the organisation chart
        [])
    projector = solara.use_reactive(False)  # the whole page changes with it
    if session is None:
        ServerFull()
        return

    solara.Title("Cascade")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("Cascade: how strategy travels through the middle")
    # The controls are a column of the page, not Solara's sidebar: below 960 px (a laptop at 150%
    # zoom) the sidebar becomes a drawer over the charts; a column goes above them instead.
    with solara.ColumnsResponsive(default=12, medium=[4, 8], large=[3, 9]):
        with solara.Column(classes=["controls"], margin=0):
            solara.Switch(label="Projector mode: large type, two charts at a time", value=projector)
            Controls(session, version, params_version, playing, speed)
            Presets(session, params_version, version)
            Lessons(session, params_version, version)
            Levers(session, params_version, version)
            Address(session, version, params_version)
        with solara.Column(margin=0):
            ErrorBanner(session, params_version)
            if projector.value:
                ChartsPanel(session, version, shown)
                return
            with solara.ColumnsResponsive(default=12, large=[5, 7]):
                OrgChartPanel(session, version, measure, inspected)
                ChartsPanel(session, version)
            with solara.ColumnsResponsive(default=12, large=[7, 5]):
                TelephonePanel(session, version)
                ExplainPanel()


# Side by side (960 px and wider), the controls stay in view while the page scrolls.
CSS = """
.v-card__title { word-break: normal; }  /* Vuetify breaks card titles mid-word */
@media (min-width: 960px) {
  .controls { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 4px; }
}
"""


def server_command(scenario: str | list[str] | None = None, host: str = "127.0.0.1", port: int = 8765,
                   max_sessions: int | None = None, workshop: str | None = None) -> tuple[list[str], dict]:
    """The command and environment that serve this view (``serve`` runs them; so do the load
    benchmark and the tests). ``scenario``: the file (or files) the view starts from and offers
    besides the bundled ones; ``workshop``: a workshop's file (the page is then the workshop game)."""
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    if scenario:
        files = [scenario] if isinstance(scenario, str) else list(scenario)
        env[SCENARIO_ENV] = os.pathsep.join(map(str, files))
    if max_sessions is not None:
        env[MAX_SESSIONS_ENV] = str(max_sessions)
    if workshop:
        env[WORKSHOP_ENV] = str(workshop)
    solara_bin = Path(sys.executable).with_name("solara")
    cmd = [str(solara_bin) if solara_bin.exists() else "solara", "run", str(Path(__file__)),
           "--host", host, "--port", str(port), "--no-open", "--production",
           "--no-check-version"]  # no call to pypi.org at start: offline
    return cmd, env


def serve(scenario: str | list[str] | None = None, host: str = "127.0.0.1", port: int = 8765,
          max_sessions: int | None = None, workshop: str | None = None) -> int:
    """Run the Solara server for this view (blocks); returns its exit code.

    ``host`` stays on this machine unless a workshop network is asked for (``0.0.0.0``). The page
    assets come from Solara's proxy cache, filled by ``make install``
    (``scripts/fetch_solara_assets.sh``): nothing is fetched from the internet (see
    sim/viz/server.py and docs/SECURITY.md).
    """
    cmd, env = server_command(scenario, host, port, max_sessions, workshop)
    return subprocess.call(cmd, env=env)


_ = PARAMS  # the sliders are generated from this table (via sim.viz.levers)
harden()  # a shared server: sessions culled and capped, page assets only from the offline cache
