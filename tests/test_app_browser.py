"""End to end in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
`solara run sim/app.py` in a subprocess, offline page assets from the proxy cache."""

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from servers import free_port, serving

ROOT = Path(__file__).parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOT = ROOT / "docs" / "images" / "cascade-view.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium; .ci/run installs it)"),
]


@pytest.fixture(scope="module")
def assets():
    """Solara's page assets, fetched from the npm registry into the proxy cache where missing
    (``make install`` has normally done it; the script skips what is there)."""
    cache = Path(sys.prefix) / "share" / "solara" / "cdn"
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR", cache))
    subprocess.run(["bash", str(ROOT / "scripts" / "fetch_solara_assets.sh"), str(cache)],
                   check=True, capture_output=True)
    return cache


@contextlib.contextmanager
def _server(assets, log_path, **extra_env):
    """`solara run sim/app.py` on a free port of 127.0.0.1, offline; yields its URL."""
    port = free_port()
    log = Path(log_path).open("w+")
    # No network for the server either: a proxy that answers nothing, so an asset missing from the
    # cache fails here as it would offline.
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "HTTP_PROXY": dead, "HTTPS_PROXY": dead,
           "http_proxy": dead, "https_proxy": dead, "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost",
           # this checkout's sim, not whichever the environment has installed (a worktree's, say)
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
           **extra_env}
    if "CASCADE_SCENARIO" not in extra_env:
        env.pop("CASCADE_SCENARIO", None)
    solara_bin = Path(sys.executable).with_name("solara")
    try:
        with serving([str(solara_bin), "run", "sim/app.py", "--host", "127.0.0.1", "--port", str(port), "--no-open"],
                     port, log, 60, cwd=ROOT, env=env) as (url, _):
            yield url
    finally:
        log.close()


@pytest.fixture(scope="module")
def app_url(assets, tmp_path_factory):
    with _server(assets, tmp_path_factory.mktemp("solara") / "server.log") as url:
        yield url


def _open(pw, url, width=1600, height=1300):
    """A fresh browser page (a session of its own) on the view, once the week is shown."""
    from playwright.sync_api import expect

    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.set_default_timeout(30_000)
    page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())  # offline
    page.goto(url)
    week = page.get_by_text(re.compile(r"^Week \d+$"))
    expect(week).to_be_visible(timeout=60_000)
    return browser, page, week


def _settled_week(page, week) -> int:
    """The week shown once the page has stopped changing it (a frame may still be on its way)."""
    last = None
    while True:
        now = int(week.inner_text().split()[1])
        if now == last:
            return now
        last = now
        page.wait_for_timeout(700)


def test_page_loads_offline_with_no_missing_asset(app_url):
    """Defect: mermaid@10.8.0 was not in the asset cache: a 404 and a page error on every load."""
    from playwright.sync_api import sync_playwright

    failed, errors, pending = [], [], set()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        page.on("request", lambda r: pending.add(r))
        page.on("requestfinished", lambda r: pending.discard(r))
        page.on("requestfailed", lambda r: (pending.discard(r), failed.append(f"failed {r.url}")))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda e: errors.append(str(e)[:200]))
        page.goto(app_url)
        page.get_by_text(re.compile(r"^Week \d+$")).wait_for(timeout=60_000)
        page.get_by_text("Why these levers").wait_for()
        page.wait_for_timeout(2000)  # Markdown asks for mermaid and katex once it is mounted
        for _ in range(120):  # until every request has an answer (a missing asset takes ~10 s)
            if not pending:
                break
            page.wait_for_timeout(500)
        browser.close()
    assert not failed, failed
    assert not errors, errors


# How long each Play lasts before Pause (ms): varied so that the pauses land all over the week.
PLAY_MS = (150, 420, 90, 730, 260, 1100, 330, 60, 560, 210)


def test_pause_at_top_speed_never_freezes_nor_splits_a_week(app_url):
    """Defect: Solara's intrusive cancel raised inside OrgModel.step on Pause, half-applying the
    week and leaving Mesa's schedule broken (Step and Play then did nothing)."""
    from playwright.sync_api import expect, sync_playwright

    from sim.viz.session import Session

    with sync_playwright() as pw:
        browser, page, week = _open(pw, app_url, 1280, 720)
        speed = page.locator(".v-input:has(label:text-is('speed (steps per second)')) [role=slider]")
        speed.focus()
        speed.press("End")
        expect(speed).to_have_attribute("aria-valuenow", "30")
        play, pause = page.get_by_role("button", name="Play"), page.get_by_role("button", name="Pause")
        step = page.get_by_role("button", name="Step")
        for i in range(30):
            play.click()
            page.wait_for_timeout(PLAY_MS[i % len(PLAY_MS)])
            pause.click()
            expect(step).to_be_enabled()
        weeks = _settled_week(page, week)
        step.click()
        expect(week).to_have_text(f"Week {weeks + 1}")  # not frozen
        assert weeks > 30, "Play hardly moved the model"
        with page.expect_download() as download:
            page.get_by_role("button", name="Download this run (CSV)").click()
        shown = Path(download.value.path()).read_text()
        browser.close()

    # Every week whole: the paused run equals the same seed's uninterrupted run, bit for bit.
    plain = Session()
    assert plain.step(weeks + 1) == weeks + 1
    assert shown.count("\n") == weeks + 3  # header, week 0, weeks 1..weeks+1
    assert shown == plain.csv()


# Every text in the charts', the organisation chart's and the telephone game's cards (buttons
# aside), with its rendered size in px (an SVG text's font size times its scale on screen).
TEXT_SIZES = """() => {
  const out = [];
  for (const card of document.querySelectorAll('.v-card')) {
    const title = card.querySelector('.v-card__title');
    if (!title || !/Live charts|Organisation chart|The telephone game/.test(title.innerText)) continue;
    for (const t of card.querySelectorAll('svg text')) {
      if (!t.textContent.trim()) continue;
      const m = t.getScreenCTM();
      out.push([t.textContent.slice(0, 40), parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)]);
    }
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const n = walker.currentNode, el = n.parentElement;
      if (!n.textContent.trim() || el.closest('svg') || el.closest('.v-card__title')) continue;
      if (el.closest('.vega-actions') || el.closest('.v-btn')) continue;  // menus and buttons: controls
      out.push([n.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(el).fontSize)]);
    }
  }
  return out;
}"""
PROJECTOR_SHOT = ROOT / "docs" / "images" / "cascade-view-1280x720.png"
PROJECTOR_MODE_SHOT = ROOT / "docs" / "images" / "cascade-projector-mode-1280x720.png"


def test_projector_size_every_chart_text_at_least_12px(app_url, tmp_path):
    """Defect: the charts were 460x270 images shown at about 233x137 px, their text 4-6 px high;
    the organisation chart's legend and colour bar about 5 px; the telephone game's 8 px."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page, week = _open(pw, app_url, 1280, 720)
        expect(page.locator(".chart svg.marks")).to_have_count(5)
        page.get_by_role("button", name="Step").click()
        expect(week).to_have_text("Week 1")
        page.wait_for_timeout(1000)  # the browser draws the charts after the numbers arrive
        sizes = page.evaluate(TEXT_SIZES)
        svg_texts = [t for t, _ in sizes]
        for title in ("Alignment by level", "week", "employees", "Initiatives succeeded and failed",
                      "the strategy"):
            assert title in svg_texts, f"{title!r} not found among the chart texts"
        small = [(t, round(px, 1)) for t, px in sizes if px < 12]
        assert not small, f"text under 12 px at 1280x720: {small[:10]}"
        # click a person on the organisation chart: the panel below it inspects them
        org = page.locator("img.orgchart")
        org.click(position={"x": org.bounding_box()["width"] / 2, "y": org.bounding_box()["height"] / 2})
        expect(page.locator(".inspect")).to_contain_text(re.compile(r"Person #\d+: executives"))
        # the colour buttons stay inside their card
        card = page.locator(".v-card:has(.orgchart)").bounding_box()
        for i in range(5):
            box = page.locator(".measures .v-btn").nth(i).bounding_box()
            assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
        shot = PROJECTOR_SHOT if os.environ.get("CASCADE_UPDATE_SCREENSHOT") else tmp_path / PROJECTOR_SHOT.name
        page.screenshot(path=str(shot))

        # Projector mode: two charts side by side, their text at least 18 px.
        page.get_by_label(re.compile("^Projector mode")).check(force=True)
        charts = page.locator(".chart svg.marks")
        expect(charts).to_have_count(2)
        page.wait_for_timeout(1000)
        a, b = charts.nth(0).bounding_box(), charts.nth(1).bounding_box()
        assert abs(a["y"] - b["y"]) < 5 and a["x"] + a["width"] <= b["x"] + 1  # side by side
        assert b["x"] + b["width"] <= 1280
        sizes = page.evaluate(TEXT_SIZES)
        small = [(t, round(px, 1)) for t, px in sizes if px < 18]
        assert not small, f"text under 18 px in projector mode: {small[:10]}"
        shot = PROJECTOR_MODE_SHOT if os.environ.get("CASCADE_UPDATE_SCREENSHOT") else tmp_path / "mode.png"
        page.screenshot(path=str(shot))
        browser.close()

        # 150% browser zoom on the projector: 853x480 CSS px. The controls must not cover the charts.
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 853, "height": 480}, device_scale_factor=1.5)
        page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        page.goto(app_url)
        title = page.locator(".v-card__title", has_text="Live charts")
        title.scroll_into_view_if_needed(timeout=60_000)
        page.wait_for_timeout(500)
        box = title.bounding_box()
        on_top = page.evaluate("([x, y]) => !!document.elementFromPoint(x, y)?.closest('.v-card')"
                               "?.querySelector('.chart')", [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert on_top, "something covers the live charts at 150% zoom"
        browser.close()


def test_preset_slider_step_change_the_page(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        page.set_default_timeout(30_000)
        page.goto(app_url)
        week = page.get_by_text(re.compile(r"^Week \d+$"))
        expect(week).to_be_visible(timeout=60_000)
        org = page.locator("img.orgchart")
        charts = page.locator(".chart svg.marks")
        expect(charts).to_have_count(5)

        # pick a preset (when sim.scenario offers them)
        preset = page.locator(".v-select:has(label:text-is('Scenario preset'))")
        if preset.count():
            preset.click()
            option = page.locator(".v-menu__content .v-list-item").first
            name = option.inner_text().strip()
            option.click()
            expect(page.get_by_text(re.compile(f"preset {re.escape(name)}"))).to_be_visible()
            # its description, from the scenario file, shown under the choice
            from sim.scenario import load_scenario

            described = page.locator(".preset-description")
            expect(described).to_have_text(load_scenario(name).description)
            expect(described).to_be_visible()

        # move a slider (feedback: a live lever) with the keyboard
        thumb = page.locator(".v-input:has(label:text-is('feedback')) [role=slider]")
        before_value = thumb.get_attribute("aria-valuenow")
        thumb.focus()
        for _ in range(10):
            thumb.press("ArrowRight")
        expect(thumb).not_to_have_attribute("aria-valuenow", before_value)

        before_week = int(week.inner_text().split()[1])
        before_org = org.get_attribute("src")
        before_charts = [charts.nth(i).inner_html() for i in range(5)]
        page.get_by_role("button", name="Step").click()
        expect(week).to_have_text(f"Week {before_week + 1}")
        expect(org).not_to_have_attribute("src", before_org)
        for i in range(5):  # each chart redrawn (the browser draws it; wait for it)
            page.wait_for_function("([i, before]) => document.querySelectorAll('.chart svg.marks')[i]"
                                   ".innerHTML !== before", arg=[i, before_charts[i]])

        # play for a while (the figure is printed, not asserted), then the screenshot
        start = int(week.inner_text().split()[1])
        t0 = time.monotonic()
        page.get_by_role("button", name="Play").click()
        page.wait_for_timeout(4000)
        page.get_by_role("button", name="Pause").click()
        elapsed = time.monotonic() - t0
        page.wait_for_timeout(500)
        played = int(week.inner_text().split()[1]) - start
        print(f"browser: {played} steps in {elapsed:.1f} s while playing ({played / elapsed:.1f} steps/s)")
        # the README's screenshot is refreshed only when asked (CASCADE_UPDATE_SCREENSHOT=1)
        shot = SHOT if os.environ.get("CASCADE_UPDATE_SCREENSHOT") else tmp_path / SHOT.name
        page.screenshot(path=str(shot), full_page=True)
        browser.close()


# Each team's plan: how many slider steps (0.01 each) it raises one lever by, every quarter.
TEAM_PLANS = {"steady": None, "clarity": ("role clarity", 30), "listeners": ("feedback", 50)}


def test_workshop_teams_join_play_a_year_and_the_leaderboard_matches(assets, tmp_path):
    """Three teams in their own browser pages join with the code, play four quarters with their
    levers, and the teacher's leaderboard shows the scores of the teams' own runs."""
    from playwright.sync_api import expect, sync_playwright

    from sim.model import OrgModel
    from sim.viz.workshop import WEEKS_PER_QUARTER, Workshop

    workshop = Workshop.create(tmp_path, seed=2, code="CLASS")
    chosen = {}
    with _server(assets, tmp_path / "server.log", CASCADE_WORKSHOP=str(workshop.path)) as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        pages = {}
        for team, plan in TEAM_PLANS.items():
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(60_000)
            page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
            page.goto(url)
            page.get_by_label("workshop code").fill("class")
            page.get_by_label("team name").fill(team)
            page.get_by_role("button", name="Join").click()
            expect(page.locator(".quarter")).to_have_text(re.compile(r"^Quarter 0 of 4"))
            chosen[team] = {}
            if plan:
                label, steps = plan
                thumb = page.locator(f".v-input:has(label:text-is('{label}')) [role=slider]")
                thumb.focus()
                for _ in range(steps):
                    thumb.press("ArrowRight")
                chosen[team] = {label.replace(" ", "_"): float(thumb.get_attribute("aria-valuenow"))}
            pages[team] = page
        for quarter in range(1, 5):
            for team, page in pages.items():
                page.get_by_role("button", name=re.compile(f"^Play quarter {quarter}")).click()
                expect(page.locator(".quarter")).to_have_text(re.compile(f"^Quarter {quarter} of 4"))
        teacher = browser.new_page(viewport={"width": 1280, "height": 720})
        teacher.goto(url)
        teacher.get_by_role("button", name="Teacher's screen").click()
        rows = teacher.locator("table tbody tr")
        expect(rows).to_have_count(3)
        expect(teacher.locator(".chart, .vega-embed svg.marks").first).to_be_visible()
        board = [[c.strip() for c in rows.nth(i).inner_text().split("\t")] for i in range(3)]
        browser.close()

    expected = {}
    for team, levers in chosen.items():  # each team's own run: the seed, its levers, 52 weeks
        model = OrgModel(rng=workshop.seed)
        model.set_params(**levers)
        for _ in range(4 * WEEKS_PER_QUARTER):
            model.step()
        expected[team] = np.asarray(model.datacollector.model_vars["alignment"][1:], dtype=float).mean()
    ranked = sorted(expected, key=lambda t: -expected[t])
    assert [row[1] for row in board] == ranked
    assert [row[3] for row in board] == [f"{expected[t]:.3f}" for t in ranked]
    assert all(row[2] == "4" for row in board)
    assert chosen["clarity"]["role_clarity"] > workshop.start["role_clarity"]


def test_workshop_from_a_costed_scenario_shows_its_prices_and_budget(assets, tmp_path):
    """A workshop started from a scenario with a costs section: the team's page offers the levers
    it prices, in its currency, and the quarter's cost on the page is the game's."""
    from playwright.sync_api import expect, sync_playwright

    from sim.scenario import find
    from sim.viz.workshop import Workshop

    workshop = Workshop.create(tmp_path, find("baseline_costed"), seed=2, code="PRICED")
    with _server(assets, tmp_path / "server.log", CASCADE_WORKSHOP=str(workshop.path)) as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(60_000)
        page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        page.goto(url)
        expect(page.get_by_text(f"budget {workshop.budget:,g} a quarter")).to_be_visible()
        page.get_by_label("workshop code").fill("priced")
        page.get_by_label("team name").fill("a")
        page.get_by_role("button", name="Join").click()
        sliders = page.locator(".v-input [role=slider]")
        expect(sliders).to_have_count(len(workshop.costs))  # role clarity, capability, feedback, rewards
        expect(page.get_by_text("fixed 20,000")).to_be_visible()  # feedback's set-up cost
        thumb = page.locator(".v-input:has(label:text-is('change rewards')) [role=slider]")
        thumb.focus()
        for _ in range(20):
            thumb.press("ArrowRight")
        value = float(thumb.get_attribute("aria-valuenow"))
        cost = workshop.cost({"change_rewards": value}, [])
        assert cost > 0
        expect(page.locator(".cost")).to_have_text(f"This quarter costs {cost:,.2f} of {workshop.budget:,g}")
        page.get_by_role("button", name=re.compile("^Play quarter 1")).click()
        expect(page.locator(".quarter")).to_have_text(re.compile(r"^Quarter 1 of 4"))
        browser.close()


def test_reload_brings_the_run_back(app_url):
    """Play some weeks, move a lever, freeze run A, play on; the page's address keeps the run, and
    a reload replays it: the same week, lever, readouts (A's included), A in the charts."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page, week = _open(pw, app_url, 1280, 900)
        step = page.get_by_role("button", name="Step")
        for w in range(1, 4):
            step.click()
            expect(week).to_have_text(f"Week {w}")
        thumb = page.locator(".v-input:has(label:text-is('feedback')) [role=slider]")
        thumb.focus()
        for _ in range(10):
            thumb.press("ArrowRight")
        lever = thumb.get_attribute("aria-valuenow")
        assert float(lever) > 0
        for w in range(4, 6):
            step.click()
            expect(week).to_have_text(f"Week {w}")
        page.get_by_role("button", name="Freeze this run as A").click()
        step.click()
        expect(week).to_have_text("Week 6")
        expect(page).to_have_url(re.compile(r"[?&]week=6(&|$)"))
        expect(page).to_have_url(re.compile(r"[?&]a\.week=5(&|$)"))
        readouts = page.locator(".readouts")
        expect(readouts).to_contain_text("A ")  # run A's values beside this run's
        shown = readouts.text_content()

        page.reload()
        expect(week).to_have_text("Week 6", timeout=60_000)
        expect(thumb).to_have_attribute("aria-valuenow", lever)
        expect(readouts).to_have_text(shown)
        for i in range(5):  # run A drawn again, dashed beneath this run, in every chart
            expect(page.locator(".chart svg.marks").nth(i).locator("path[stroke-dasharray]").first).to_be_attached()
        step.click()  # and the run goes on from there
        expect(week).to_have_text("Week 7")
        browser.close()
