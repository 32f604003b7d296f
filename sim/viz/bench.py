"""Steps per second of the view while playing: ``python -m sim.viz.bench [SECONDS]``.

Renders the real page (``sim.app.Page``, without a browser), presses Play at the top speed and
counts weeks; every step redraws the organisation chart and the five charts. The organisation is
set explicitly (2 executives, 3 layers, span 5: 1,562 people), not taken from the defaults.
"""

from __future__ import annotations

import sys
import time

VALUES = {"executives": 2, "layers": 3, "span": 5}


def main(seconds: float = 10.0) -> float:
    import ipyvuetify as v
    import solara

    from sim.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page(values=VALUES)]), handle_error=False)
    rc.find(v.Slider, label="speed (steps per second)").widget.v_model = 30
    button(box, "Step").click()  # warm up
    week0 = _week(box)
    t0 = time.monotonic()
    button(box, "Play").click()
    time.sleep(seconds)
    button(box, "Pause").click()
    elapsed = time.monotonic() - t0
    weeks = _week(box) - week0
    rc.close()
    rate = weeks / elapsed
    print(f"{weeks} steps in {elapsed:.1f} s while playing (1,562 people, speed 30): {rate:.1f} steps/s")
    return rate


def texts(widget):
    """Every text string in a widget tree (depth first)."""
    for child in getattr(widget, "children", None) or ():
        if isinstance(child, str):
            yield child
        else:
            yield from texts(child)


def walk(widget):
    """Every widget in a tree (depth first), the root included."""
    yield widget
    for child in getattr(widget, "children", None) or ():
        if not isinstance(child, str):
            yield from walk(child)


def button(box, label: str):
    """The button whose text is ``label`` (icons ignored)."""
    import ipyvuetify as v

    found = [w for w in walk(box) if isinstance(w, v.Btn) and label in w.children]
    if len(found) != 1:
        raise LookupError(f"{len(found)} buttons labelled {label!r}")
    return found[0]


def _week(box) -> int:
    """The week counter shown on the page."""
    for text in texts(box):
        if text.startswith("Week "):
            return int(text.split()[1])
    raise RuntimeError("no week counter on the page")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
