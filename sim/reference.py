"""The parameter reference, generated from ``sim.params`` (for the docs and ``cascade params``)."""

from __future__ import annotations

from .params import PARAMS


def _default(p) -> str:
    return repr(p.default) if p.choices else f"{p.default:g}" if not isinstance(p.default, list) else str(p.default)


def _allowed(p) -> str:
    if p.choices:
        return " / ".join(p.choices)
    if p.name == "span":
        return f"{p.low:g}-{p.high:g} (or one per level)"
    return f"{p.low:g}-{p.high:g}"


def parameter_markdown() -> str:
    """The parameter reference as Markdown tables, one per group."""
    lines = ["# Parameter reference", "",
             "Generated from `sim/params.py` by `cascade params --markdown`; do not edit by hand.",
             "Every name below can be set in a scenario's `parameters:`, with `--set name=value` on the",
             "command line, and (for the main levers) with a slider in the view. The last column says where",
             "each default comes from: *figure* (an empirical number), *paper*, *prototype* (MODEL.md 9,",
             "unchanged), *calibrated* (tuned against the named pattern on the calibration seeds; see",
             "docs/TRACE.md), *structure* (a typical organisation's setting) or *assumption* (no source).", ""]
    group = None
    for p in PARAMS:
        if p.group != group:
            group = p.group
            lines += ["", f"## {group[0].upper()}{group[1:]}", "",
                      "| name | default | allowed | unit | meaning | seed idea | source of the default |",
                      "|---|---|---|---|---|---|---|"]
        name = f"`{p.name}`" + (f" ({p.symbol})" if p.symbol else "")
        lines.append(f"| {name} | {_default(p)} | {_allowed(p)} | {p.unit} | {p.meaning} | {p.seed} | {p.source} |")
    return "\n".join(lines) + "\n"


def parameter_text() -> str:
    """The parameter reference as plain text for a terminal."""
    width = max(len(p.name) for p in PARAMS)
    lines, group = [], None
    for p in PARAMS:
        if p.group != group:
            group = p.group
            lines += ["", group.upper()]
        lines.append(f"  {p.name:<{width}}  {_default(p):>9}  [{_allowed(p)}] {p.unit}  {p.meaning}")
        lines.append(f"  {'':<{width}}  {'':>9}  source: {p.source}")
    return "\n".join(lines).lstrip("\n") + "\n"
