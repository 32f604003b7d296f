"""docs/USER_GUIDE.md: the prose is written by hand; the reference parts are generated here.

Each generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``
in the guide, and ``render`` rewrites it from the code: the scenario file's fields from the
schema of ``sim.scenario``, the parameters from ``sim.params`` (via ``sim.reference``), the
command line from ``sim.cli.build_parser()``, the report's measures from ``sim.report``. A test
fails when the file on disk differs from ``render`` of itself. Regenerate with::

    .venv/bin/python -m sim.guide            # rewrites docs/USER_GUIDE.md in place
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from pathlib import Path

from .params import BY_NAME
from .reference import parameter_markdown
from .scenario import (PERSPECTIVES, STRUCTURE_KEYS, TOP_LEVEL_SETTABLE, Department, Goal,
                       ScenarioFile)

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "USER_GUIDE.md"
HELP_WIDTH = 100  # argparse wraps help to the terminal; the guide must not depend on one

# What each field of a scenario file holds: the schema says the type, this says the meaning.
# A new field in the schema without a line here fails the guide's test.
FIELD_HELP = {
    "extends": "A scenario file to start from (a path relative to this file, or a bundled name such as "
               "`baseline`). Mappings merge key by key (interventions week by week); lists (goals, "
               "departments) are replaced whole. To remove an inherited intervention write its week "
               "with `null` (`26: null`); `interventions: null` removes them all (an empty mapping `{}` "
               "changes nothing: it merges).",
    "name": "The scenario's name, used in reports and result folders (default: the file's name): "
            "printable, at most 80 characters, without `/` or a backslash, not starting with `.`.",
    "description": "A paragraph for the report: whose organisation this is and what is being asked "
                   "(at most 20,000 characters).",
    "goals": "The strategy: a list of goals, each `{name, perspective, weight}`. Only the weights' "
             "proportions matter. Their number sets `n_goals`.",
    "departments": "What each department can measure easily (its KPI bias): a list of `{name, kpi_bias}`, "
                   "where `kpi_bias` is a goal's name or a mapping of goal names to weights. Assigned to "
                   "the organisation's departments in turn.",
    "structure": "The regular hierarchy: any of `executives`, `layers`, `span` (below).",
    "org_chart": "Instead of `structure`: a client's organisation chart (a CSV file, relative to this "
                 "file, or `{file, executives}`); see `cascade orgchart --help`. The top has an empty "
                 "`manager_id`; a manager id equal to the person's own id (a Workday/SAP habit) or a "
                 "placeholder such as `N/A` is read as the top too, and `cascade orgchart` says so.",
    "parameters": "Any model parameter by name (the tables below); unspecified ones take the defaults "
                  "of `sim/params.py`.",
    "objectives": "Optional: the outcomes a comparison ranks the alternatives on (summary columns with a "
                  "better direction, e.g. `[action_alignment_mean, reached_50, failure_rate]`); default: "
                  "front-line work alignment, runs reaching alignment 0.5, failure rate, people who left per 100. "
                  "The reference (first) alternative's list is used.",
    "costs": "Optional: what each lever costs, in one currency: a parameter name -> "
             "`{per_manager_per_week, per_point_per_manager_per_week, per_broadcast, fixed}` (any of them), "
             "and `fixed: amount` for the programme; a lever costs in the weeks it differs from the default. "
             "Comparison reports show each alternative's cost and its extra cost per point of improvement, and "
             "`cascade optimise` minimises it for a sweep spec's base scenario (`sim/costs.py`).",
    "interventions": "Week -> what happens at the start of that week: a mapping of parameter changes "
                     "(structural parameters cannot change during a run), `pivot` for a forced strategy "
                     "pivot, or changes with `pivot: true`.",
    "survey_facts": "Optional, beside a pulse survey (`cascade calibrate`): the organisation's facts of the last "
                    "52 weeks, any of `annual_turnover` (a share), `initiatives_launched`, `initiatives_failed` "
                    "(whole numbers); see docs/SURVEYS.md.",
    "priors": "Optional: narrower uniform prior ranges for calibration, a parameter name -> `[low, high]` "
              "within the parameter's range (docs/SURVEYS.md).",
    "horizon": "Weeks to simulate.",
    "replications": "Independent runs (each with its own random stream) when none are given on the "
                    "command line.",
    "seed": "The root seed: the same seed gives the same results on any number of processes "
            "(default: a fresh one, recorded with the results).",
}
GOAL_HELP = {
    "name": "Unique within the scenario; departments refer to goals by name.",
    "perspective": "The balanced-scorecard perspective: " + ", ".join(f"`{p}`" for p in PERSPECTIVES) + ".",
    "weight": "The goal's weight in the strategy.",
}
DEPARTMENT_HELP = {
    "name": "The department's name (for reports).",
    "kpi_bias": "The goal its KPIs pull toward, or a mapping `{goal name: weight}`.",
}


def _allowed(schema: dict, defs: dict) -> str:
    """A reader's phrase for one JSON-schema property (null, meaning 'not given', left out)."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    if {s.get("type") for s in options} == {"number", "integer"}:  # a float or an int: a number
        low = schema.get("ge", schema.get("minimum"))
        return "a number" + (f" >= {low:g}" if low is not None else "")
    out = []
    for s in options:
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[1]
            fields = ", ".join(defs[name].get("properties", {}))
            out.append(f"a mapping of {fields}")
        elif "enum" in s or "const" in s:
            out.append("one of " + ", ".join(f"`{v}`" for v in s.get("enum", [s.get("const")])))
        elif s.get("type") == "integer":
            low, high = s.get("minimum"), s.get("maximum")
            out.append("an integer" + (f" from {low:,}" if low is not None else "")
                       + (f" to {high:,}" if high is not None else ""))
        elif s.get("type") == "number":
            out.append("a number" + (f" >= {s['minimum']:g}" if "minimum" in s else ""))
        elif s.get("type") == "string":
            out.append("text")
        elif s.get("type") == "array":
            item = s.get("items", {})
            what = item["$ref"].rsplit("/", 1)[1].lower() + "s" if "$ref" in item else "values"
            out.append(f"a list of {what}")
        elif s.get("type") == "object":
            values = s.get("additionalProperties")
            out.append("a mapping" + (f" to {_allowed(values, defs)}" if isinstance(values, dict) else ""))
        else:
            out.append(s.get("type", "a value"))
    return " or ".join(out)


def _fields_table(model, help_: dict[str, str]) -> list[str]:
    missing = set(model.model_fields) ^ set(help_)
    if missing:
        raise KeyError(f"sim.guide: describe (or drop) the {model.__name__} fields {sorted(missing)}")
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    lines = ["| field | allowed | meaning |", "|---|---|---|"]
    for name in model.model_fields:
        lines.append(f"| `{name}` | {_allowed(schema['properties'][name], defs)} | {help_[name]} |")
    return lines


def scenario_reference() -> str:
    lines = ["A scenario file is YAML with these fields, all optional:", ""]
    lines += _fields_table(ScenarioFile, FIELD_HELP)
    lines += ["", "Each goal (`goals:`):", ""] + _fields_table(Goal, GOAL_HELP)
    lines += ["", "Each department (`departments:`):", ""] + _fields_table(Department, DEPARTMENT_HELP)
    lines += ["", "`structure:` holds:", "", "| key | default | allowed | meaning |", "|---|---|---|---|"]
    for key in STRUCTURE_KEYS:
        p = BY_NAME[key]
        lines.append(f"| `{key}` | {p.default} | {p.allowed} | {p.meaning} |")
    lines += ["", "On the command line `--set NAME=VALUE` (and in Python `overrides={...}`) changes any "
              "parameter, or " + ", ".join(f"`{k}`" for k in TOP_LEVEL_SETTABLE) + "."]
    return "\n".join(lines)


def parameter_tables() -> str:
    """The tables of docs/PARAMETERS.md, one heading level down (the title and preamble dropped)."""
    text = parameter_markdown()
    body = text[text.index("\n## "):].strip("\n")
    return re.sub(r"^## ", "### ", body, flags=re.M)


def _fixed_width(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = functools.partial(parser.formatter_class, width=HELP_WIDTH)


def cli_reference() -> str:
    from .cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    # The command list as a table: argparse lays it out differently from one Python to the next.
    blocks = [parser.description, "", "| command | what it does |", "|---|---|"]
    blocks += [f"| `cascade {a.dest}` | {a.help} |" for a in sub._choices_actions]  # noqa: SLF001
    for name, child in sub.choices.items():
        _fixed_width(child)
        blocks += ["", f"### `cascade {name}`", "", "```text", child.format_help().rstrip(), "```"]
    return "\n".join(blocks)


def report_measures() -> str:
    from .report import KEY_METRICS

    lines = ["| measure | summary column | what it means |", "|---|---|---|"]
    lines += [f"| {label} | `{col}` | {meaning} |" for col, label, meaning, _ in KEY_METRICS]
    return "\n".join(lines)


SECTIONS = {"scenario-file": scenario_reference, "parameters": parameter_tables,
            "cli": cli_reference, "report-measures": report_measures}
_BLOCK = re.compile(r"(<!-- generated: ([\w-]+) -->\n)(.*?)(<!-- end generated: \2 -->)", re.S)


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""
    def fill(m: re.Match) -> str:
        name = m.group(2)
        if name not in SECTIONS:
            raise KeyError(f"sim.guide: unknown generated block {name!r}; known: {', '.join(SECTIONS)}")
        return f"{m.group(1)}\n{SECTIONS[name]()}\n\n{m.group(4)}"

    return _BLOCK.sub(fill, text)


def blocks(text: str) -> list[str]:
    return [m.group(2) for m in _BLOCK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else GUIDE
    text = path.read_text(encoding="utf-8")
    path.write_text(render(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
