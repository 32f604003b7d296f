"""The telephone game: one message followed from an executive down to one employee
(``OrgModel.trace_message``), drawn as the priority mix at each hop: each message, then what its
receiver believes after weighing it against what they believed before (the belief they pass on).
Alignment is the centred cosine with the strategy (``sim.geometry.alignment``): 0 = a random or
vague (equal weights) mix, 1 = the strategy, below 0 = a reversed ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .render import new_figure, png

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


def figure(stages: list[dict], names: list[str]) -> bytes:
    height = 0.45 * len(stages) + 1.0
    fig = new_figure(6.4, height)
    ax = fig.add_axes((0.27, 0.8 / height, 0.6, 1 - 1.15 / height))
    y = np.arange(len(stages))[::-1]
    for row, yy in zip(stages, y):
        left = 0.0
        for g, share in enumerate(row["mix"]):
            ax.barh(yy, share, left=left, color=f"C{g}", alpha=1.0 if row["delivered"] else 0.25,
                    hatch=None if row["delivered"] else "//", edgecolor="white",
                    label=names[g] if yy == y[0] else None)
            left += share
        tag = f"{row['alignment']:.2f}" if row["delivered"] else "dropped"
        ax.text(1.02, yy, tag, va="center", fontsize=8, color="black" if row["delivered"] else "red")
    ax.set_yticks(y, [r["stage"] for r in stages], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("priority mix (share of attention per goal); right: alignment (0 = chance or vague, 1 = the strategy)",
                  fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, ncols=len(names), loc="lower center", bbox_to_anchor=(0.4, 1.0),
              frameon=False)
    return png(fig)
