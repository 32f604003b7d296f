"""The telephone game: one message followed from an executive down to one employee
(``OrgModel.trace_message``), drawn as the priority mix at each hop: each message, then what its
receiver believes after weighing it against what they believed before (the belief they pass on).
Alignment is the centred cosine with the strategy (``sim.geometry.alignment``): 0 = a random or
vague (equal weights) mix, 1 = the strategy, below 0 = a reversed ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .charts import FONT

BSC_GOALS = ("financial", "customer", "internal process", "learning & growth")


def goal_names(k: int, names=None) -> list[str]:
    if names and len(names) == k:
        return list(names)
    return list(BSC_GOALS) if k == 4 else [f"goal {g + 1}" for g in range(k)]


def mix(v) -> np.ndarray:
    """A priority vector as shares that sum to 1 (how much of the attention goes to each goal)."""
    v = np.maximum(np.asarray(v, dtype=float), 0)
    return v / v.sum() if v.sum() > 0 else v


def rows(model, trace: pd.DataFrame, level_names: list[str]) -> list[dict]:
    """One row per stage: the strategy, the executive's version, then each hop's message and, if it
    arrived, its receiver's belief after it (the version they pass on at the next hop). A hop's note
    compares its message with the row above it: the sender's belief."""
    k = len(model.state.s)
    out = [{"stage": "the strategy", "mix": mix(model.state.s), "alignment": 1.0,
            "delivered": True, "note": "what the executives agreed"}]
    if len(trace):
        first = int(trace["sender"].iloc[0])
        out.append({"stage": "executive's version", "mix": mix(model.state.b[first]),
                    "alignment": float(trace["sender_alignment"].iloc[0]), "delivered": True,
                    "note": f"executive #{first}"})
    for _, hop in trace.iterrows():
        to = level_names[int(hop["level"])] if int(hop["level"]) < len(level_names) else f"level {hop['level']}"
        out.append({"stage": f"hop {hop['hop']}: to {to}",
                    "mix": mix([hop[f"message_{g}"] for g in range(k)]),
                    "alignment": float(hop["message_alignment"]), "delivered": bool(hop["delivered"]),
                    "note": hop["what_happened"]})
        if bool(hop["delivered"]) and f"after_{k - 1}" in hop:
            before, after = float(hop["receiver_alignment_before"]), float(hop["receiver_alignment_after"])
            out.append({"stage": f"belief of {to}",
                        "mix": mix([hop[f"after_{g}"] for g in range(k)]), "alignment": after, "delivered": True,
                        "note": (f"weighs the message at {hop['weight']:.2f} against what they believed: "
                                 f"alignment {before:.2f} -> {after:.2f}")})
    return out


def spec(stages: list[dict], names: list[str]) -> dict:
    """The stages as a Vega-Lite chart drawn by the browser: one bar per stage, its priority mix
    stacked by goal, its alignment written at the right ("dropped" in red where it was lost)."""
    order = [row["stage"] for row in stages]
    bars = [{"stage": row["stage"], "goal": names[g], "g": g, "share": round(float(share), 4),
             "delivered": bool(row["delivered"])}
            for row in stages for g, share in enumerate(row["mix"])]
    tags = [{"stage": row["stage"], "tag": f"{row['alignment']:.2f}" if row["delivered"] else "dropped"}
            for row in stages]
    y = {"field": "stage", "type": "nominal", "sort": order, "title": None,
         "axis": {"labelLimit": 320}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": {"step": 30},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"left": 5, "right": 60, "top": 5, "bottom": 5},
        "layer": [
            {"data": {"values": bars},
             "mark": {"type": "bar", "stroke": "white"},
             "encoding": {
                 "y": y,
                 "x": {"field": "share", "type": "quantitative", "stack": "zero",
                       "scale": {"domain": [0, 1]}, "axis": {"format": ".0%", "titleLimit": 900},
                       "title": "share of attention per goal; right: alignment (1 = the strategy)"},
                 "color": {"field": "goal", "type": "nominal", "sort": names, "scale": {"domain": names},
                           "legend": {"orient": "top", "title": None, "columns": 2, "labelLimit": 300}},
                 "order": {"field": "g"},
                 "opacity": {"condition": {"test": "datum.delivered", "value": 1}, "value": 0.25},
                 "tooltip": [{"field": "stage"}, {"field": "goal"},
                             {"field": "share", "type": "quantitative", "format": ".0%"}]}},
            {"data": {"values": tags},
             "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": FONT},
             "encoding": {"y": y, "x": {"datum": 1, "type": "quantitative"}, "text": {"field": "tag"},
                          "color": {"condition": {"test": "datum.tag === 'dropped'", "value": "red"},
                                    "value": "black"}}},
        ],
        "config": {"axis": {"labelFontSize": FONT, "titleFontSize": FONT, "titleFontWeight": "normal"},
                   "legend": {"labelFontSize": FONT}},
        "usermeta": {"key": "telephone", "embedOptions": {"renderer": "svg"}},
    }
