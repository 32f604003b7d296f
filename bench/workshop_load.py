"""Load of the workshop game: N teams (default 30) in real browser pages on this machine, all
playing each quarter at once. ``python bench/workshop_load.py [N]``.

A workshop is created in a temporary folder, the view is served on 127.0.0.1 (``sim.app.
server_command``), and one headless Chromium (Debian's, driven by Playwright) opens a page per
team. Each round every team presses "Play quarter" (13 weeks) together; the round's time is until
the last page shows its quarter played. Printed: seconds per round, weeks a second per team, and
the server's CPU seconds per round (psutil). The pages' own drawing shares the machine's cores
with the server here, as it would not in a class where each team has its own laptop: the server's
CPU share tells what the server alone would need.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main(teams: int = 30) -> list[float]:
    import psutil
    from playwright.sync_api import expect, sync_playwright

    from sim.app import server_command
    from sim.viz.workshop import QUARTERS, WEEKS_PER_QUARTER, Workshop

    with tempfile.TemporaryDirectory() as tmp:
        workshop = Workshop.create(tmp, code="LOAD")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd, env = server_command(host="127.0.0.1", port=port, workshop=str(workshop.path))
        url = f"http://127.0.0.1:{port}/"
        server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                pages = []
                t0 = time.monotonic()
                for i in range(teams):
                    page = browser.new_page(viewport={"width": 1280, "height": 720})
                    page.set_default_timeout(600_000)
                    page.goto(url)
                    page.get_by_label("workshop code").fill("LOAD")
                    page.get_by_label("team name").fill(f"team {i + 1}")
                    page.get_by_role("button", name="Join").click()
                    expect(page.locator(".quarter")).to_have_text(re.compile(r"^Quarter 0"))
                    pages.append(page)
                print(f"{teams} teams joined in {time.monotonic() - t0:.1f} s")
                rounds = []
                cpu = psutil.Process(server.pid)
                for quarter in range(1, QUARTERS + 1):
                    t0, c0 = time.monotonic(), sum(cpu.cpu_times()[:2])
                    for page in pages:
                        page.get_by_role("button", name=re.compile(f"^Play quarter {quarter}")).click(no_wait_after=True)
                    waits = []
                    for page in pages:
                        expect(page.locator(".quarter")).to_have_text(re.compile(f"^Quarter {quarter} of"))
                        waits.append(time.monotonic() - t0)
                    rounds.append(waits[-1])
                    server_cpu = sum(cpu.cpu_times()[:2]) - c0
                    print(f"quarter {quarter}: all {teams} teams played it in {waits[-1]:.1f} s "
                          f"({WEEKS_PER_QUARTER * teams / waits[-1]:.1f} weeks/s in all, "
                          f"{WEEKS_PER_QUARTER / waits[-1]:.2f} weeks/s per team); server CPU {server_cpu:.1f} s "
                          f"({WEEKS_PER_QUARTER * teams / server_cpu:.0f} weeks per server CPU second)")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rounds


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
