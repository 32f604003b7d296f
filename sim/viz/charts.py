"""Live charts as Vega-Lite specifications, drawn by the browser (SVG): crisp at any size and on
a projector, a readout of every line under the pointer, and PNG/SVG export from each chart's menu.
The server only sends numbers read off the model's DataCollector. Dashed grey verticals mark the
strategy pivots. A frozen run ("A", a ``DataFrame`` of its time series) is drawn dashed under the
current one, in the same colours, for a comparison from the same seed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..org import EXECUTIVE

WINDOW = 52  # the time axis grows a year at a time
MAX_POINTS = 260  # weeks per line sent to the browser; a longer run is thinned evenly
FONT = 14  # px, every text of a chart: readable from the back of a room on a 1280x720 projector
PROJECTOR_FONT = 20  # px, the projector mode's (two charts at a time)
HEIGHT = 220  # px of plotting area
PIVOT_COLOUR = "#888888"


def _series(source, name) -> np.ndarray:
    """One output, a value per week, from a model (its DataCollector) or a run's time series."""
    if isinstance(source, pd.DataFrame):
        return source[name].to_numpy(dtype=float)
    return np.asarray(source.datacollector.model_vars[name], dtype=float)


def level_names(org) -> list[str]:
    top = org.levels - 1
    return ["executives"] + [f"layer {d}" for d in range(1, top)] + ["employees"]


def time_axis_end(week: int) -> int:
    """The end of the time axis: the current year's end (52 in week 52, 104 from week 53 on)."""
    return WINDOW * max(1, math.ceil(week / WINDOW))


def thinned(n: int) -> np.ndarray:
    """Indices of at most MAX_POINTS weeks out of ``n``, evenly spread, the last one kept."""
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_POINTS).round().astype(int))


def y_domain(values: list[np.ndarray], low: float, high: float, step: float) -> list[float]:
    """[low, high], widened to the data in whole ``step``s: a line never leaves the chart."""
    finite = [v[np.isfinite(v)] for v in values]
    finite = [v for v in finite if len(v)]
    if finite:
        low = min(low, step * math.floor(min(float(v.min()) for v in finite) / step))
        high = max(high, step * math.ceil(max(float(v.max()) for v in finite) / step))
    return [round(low, 6), round(high, 6)]


def _rows(source, lines: dict[str, np.ndarray]) -> list[dict]:
    weeks = _series(source, "week")
    return [{"week": int(weeks[i]), **{label: round(float(y[i]), 4) for label, y in lines.items()}}
            for i in thinned(len(weeks))]


def spec(model, key: str, title: str, ytitle: str, lines_of, colours: list[str], reference=None,
         low: float = 0.0, high: float = 1.0, step: float = 0.1, band: tuple[str, str] | None = None,
         font: int = FONT) -> dict:
    """A Vega-Lite line chart against weeks of ``lines_of(source)`` (label -> a value per week) for
    the model and, dashed, for ``reference`` (a frozen run's time series) when given.

    ``band`` = (lower, upper) labels shades the gap where upper is above lower."""
    lines = lines_of(model)
    weeks = _series(model, "week")
    rows = _rows(model, lines)
    pivots = weeks[1:][np.diff(_series(model, "pivots")) > 0]
    labels = list(lines)
    ref = lines_of(reference) if reference is not None else {}
    end = max(int(weeks[-1]), int(_series(reference, "week")[-1]) if reference is not None else 0)
    x = {"field": "week", "type": "quantitative", "title": "week",
         "scale": {"domain": [0, time_axis_end(end)], "nice": False}}
    y_scale = {"domain": y_domain([*lines.values(), *ref.values()], low, high, step), "nice": False,
               "zero": False}
    colour = {"field": "line", "type": "nominal", "sort": labels, "scale": {"domain": labels, "range": colours},
              "legend": {"orient": "bottom", "title": None, "labelLimit": 400,
                         # as many columns as fit: about 48 characters a row at 14 px
                         "columns": max(1, min(len(labels), 3, (48 * FONT // font) // max(map(len, labels))))}}
    layers = []
    if reference is not None:  # run A, dashed, under the current run
        layers.append({
            "data": {"values": _rows(reference, ref)},
            "transform": [{"fold": labels, "as": ["line", "value"]}],
            "mark": {"type": "line", "strokeWidth": 2, "strokeDash": [6, 4], "opacity": 0.8},
            "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": ytitle, "scale": y_scale},
                         "color": colour},
        })
    if band is not None:
        layers.append({"mark": {"type": "area", "color": "#d62728", "opacity": 0.15},
                       "transform": [{"filter": f"datum['{band[1]}'] >= datum['{band[0]}']"}],
                       "encoding": {"x": x, "y": {"field": band[0], "type": "quantitative", "scale": y_scale},
                                    "y2": {"field": band[1]}}})
    layers.append({
        "transform": [{"fold": labels, "as": ["line", "value"]}],
        "mark": {"type": "line", "strokeWidth": 2.5},
        "encoding": {
            "x": x,
            "y": {"field": "value", "type": "quantitative", "title": ytitle, "scale": y_scale},
            "color": colour,
        },
    })
    if len(pivots):
        layers.append({"data": {"values": [{"week": int(w)} for w in pivots]},
                       "mark": {"type": "rule", "color": PIVOT_COLOUR, "strokeDash": [5, 4]},
                       "encoding": {"x": x}})
    # The readout: a vertical rule at the week under the pointer, every line's value in its tooltip.
    layers.append({
        "mark": {"type": "rule", "color": "#444444"},
        "params": [{"name": f"{key}_hover", "select": {"type": "point", "fields": ["week"], "nearest": True,
                                                       "on": "pointerover", "clear": "pointerout"}}],
        "encoding": {"x": x,
                     "opacity": {"condition": {"param": f"{key}_hover", "empty": False, "value": 0.5},
                                 "value": 0},
                     "tooltip": [{"field": "week", "type": "quantitative"}]
                     + [{"field": label, "type": "quantitative", "format": ".2f"} for label in labels]},
    })
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start", "fontSize": font + 2,
                  **({"subtitle": "dashed: run A", "subtitleFontSize": font} if reference is not None else {})},
        "width": "container",
        "height": HEIGHT,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "layer": layers,
        "config": {"axis": {"labelFontSize": font, "titleFontSize": font, "titleFontWeight": "normal"},
                   "legend": {"labelFontSize": font, "symbolStrokeWidth": 3, "symbolSize": 200},
                   "title": {"fontSize": font + 2}},
        # SVG: text the browser draws as text (crisp when zoomed, measurable by the tests).
        "usermeta": {"key": key, "embedOptions": {"renderer": "svg"}},
    }


def alignment_by_level(model, reference=None, font: int = FONT) -> dict:
    import matplotlib

    n = model.org.levels
    cmap = matplotlib.colormaps["plasma"]
    colours = [matplotlib.colors.to_hex(cmap(0.85 * d / max(n - 1, 1))) for d in range(n)]
    names = level_names(model.org)

    def lines(src):
        return {name: _series(src, f"alignment_{d}") for d, name in enumerate(names)}

    # The floor follows the data: after a pivot a level can fall well below 0 (a reversed ranking).
    return spec(model, "alignment", "Alignment by level", "alignment (1 = the strategy)", lines, colours,
                reference, low=0.0, high=1.0, step=0.2, font=font)


def communication_illusion(model, reference=None, font: int = FONT) -> dict:
    def lines(src):
        believed = _series(src, "confidence")
        return {"confidence (believed)": believed, "aligned (measured)": believed - _series(src, "clarity_gap")}

    return spec(model, "illusion", "Communication illusion", "share of people", lines, ["#1f77b4", "#ff7f0e"],
                reference, band=("aligned (measured)", "confidence (believed)"), font=font)


def adoption(model, reference=None, font: int = FONT) -> dict:
    def lines(src):
        return {"managers adopted": _series(src, "adoption"), "trust in leadership": _series(src, "trust")}

    return spec(model, "adoption", "Adoption among managers", "share", lines, ["#1f77b4", "#2ca02c"], reference,
                font=font)


def fatigue_burnout(model, reference=None, font: int = FONT) -> dict:
    people = int((model.org.role != EXECUTIVE).sum())

    def lines(src):
        return {"mean fatigue": _series(src, "fatigue"), "burnt out": _series(src, "burnout") / people,
                "managers overloaded": _series(src, "overloaded")}

    return spec(model, "fatigue", "Fatigue and burnout", "share", lines, ["#ff7f0e", "#d62728", "#7f7f7f"],
                reference, font=font)


def initiatives(model, reference=None, font: int = FONT) -> dict:
    def lines(src):
        return {"succeeded": _series(src, "initiatives_succeeded"), "failed": _series(src, "initiatives_failed"),
                "launched": _series(src, "initiatives_launched")}

    return spec(model, "initiatives", "Initiatives succeeded and failed", "initiatives (total)", lines,
                ["#2ca02c", "#d62728", "#7f7f7f"], reference, high=5.0, step=5.0, font=font)


# The numeric readouts beside the charts: label -> (output, divided by the people when a count).
READOUTS = {
    "alignment (everyone)": ("alignment", False),
    "alignment (employees)": ("alignment_employees", False),
    "managers adopted": ("adoption", False),
    "trust in leadership": ("trust", False),
    "mean fatigue": ("fatigue", False),
    "burnt out (share of people)": ("burnout", True),
    "initiatives succeeded": ("initiatives_succeeded", False),
}


def readouts(model, reference=None) -> list[dict]:
    """The key outcomes this week and, with a frozen run A, A's at the same week and the difference
    (A's last week if it stopped earlier)."""
    people = int((model.org.role != EXECUTIVE).sum())
    week = model.week
    out = []
    for label, (name, per_person) in READOUTS.items():
        scale = people if per_person else 1
        row = {"outcome": label, "now": float(_series(model, name)[-1]) / scale}
        if reference is not None:
            ref = _series(reference, name)
            row["A"] = float(ref[min(week, len(ref) - 1)]) / scale
            row["now - A"] = row["now"] - row["A"]
        out.append(row)
    return out


CHARTS = {"alignment": alignment_by_level, "illusion": communication_illusion, "adoption": adoption,
          "fatigue": fatigue_burnout, "initiatives": initiatives}


def paths_spec(paths: dict[str, np.ndarray], ytitle: str, every: int) -> dict:
    """Several runs' paths of one measure (name -> a value per week, from week 0), one line each,
    with a rule every ``every`` weeks (the workshop's quarters): the teacher's debrief chart."""
    rows = [{"week": w, "team": name, "value": round(float(v), 4)}
            for name, values in paths.items() for w, v in enumerate(values)]
    end = max((len(v) - 1 for v in paths.values()), default=0)
    x = {"field": "week", "type": "quantitative", "title": "week",
         "scale": {"domain": [0, max(every, every * math.ceil(end / every))], "nice": False}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container", "height": HEIGHT + 80,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": [
            {"data": {"values": [{"week": w} for w in range(every, end + 1, every)]},
             "mark": {"type": "rule", "color": PIVOT_COLOUR, "strokeDash": [2, 4]}, "encoding": {"x": x}},
            {"data": {"values": rows}, "mark": {"type": "line", "strokeWidth": 2.5},
             "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": ytitle,
                                        "scale": {"domain": y_domain(list(paths.values()), 0.0, 1.0, 0.2),
                                                  "nice": False, "zero": False}},
                          "color": {"field": "team", "type": "nominal", "legend": {"orient": "bottom", "title": None}},
                          "tooltip": [{"field": "team"}, {"field": "week"},
                                      {"field": "value", "type": "quantitative", "format": ".2f"}]}},
        ],
        "config": {"axis": {"labelFontSize": FONT, "titleFontSize": FONT, "titleFontWeight": "normal"},
                   "legend": {"labelFontSize": FONT}},
        "usermeta": {"key": "debrief", "embedOptions": {"renderer": "svg"}},
    }
