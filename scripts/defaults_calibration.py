"""Calibrate the defaults to the published figures, the way a client is calibrated to its survey,
and write docs/DEFAULTS_CALIBRATION.md: are today's defaults inside the posterior?

The published survey figures E1-E6 (docs/VALIDATION.md) are read as the survey of one typical
organisation (scenarios/surveys/published_figures.csv beside published_figures.yaml there);
``cascade calibrate`` fits the behavioural parameters those figures inform (``PARAMETERS``) with
priors over their ranges in sim/params.py; this script runs that command, then reads its folder.

    python scripts/defaults_calibration.py [--workers 2]      # or: make defaults-calibration
    python scripts/defaults_calibration.py --from results/published_figures/calibration/<stamp>

The calibration runs as `cascade calibrate` does by default: a job's particles simulated together as
one ensemble where the parameters allow it (``--batch``); the page says how this run's were.

Run from the repository root. The seed is the scenario's (sim.validation.CALIBRATION_ROOT, the
defaults' own seed root), so the same defaults give the same posterior.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine import VARYING  # noqa: E402
from sim.params import BY_NAME  # noqa: E402

SCENARIO = "scenarios/surveys/published_figures.yaml"
SURVEY = "scenarios/surveys/published_figures.csv"
DOC = ROOT / "docs" / "DEFAULTS_CALIBRATION.md"
POPULATIONS, POPULATION_SIZE = 7, 200  # 5,000 simulations or so (the page says how long they took)

# The parameters the survey's statistics inform, each with the figure it was tuned against.
PARAMETERS = {
    "translation_noise": "E1 (can state the strategy, by level)",
    "conf_broadcast": "E2 (84% of managers say they are clear)",
    "m_adopt": "E3 (74% support at two changes a year)",
    "initiative_effort": "E4 (50-90% of initiatives fail)",
    "p_quit": "E6 (10-20% leave a year)",
}

# The survey's statistics: the figure, what was published, and how the survey states it.
STATISTICS = {
    "can_name_priorities|1": ("E1", "top managers who can state the strategy: 13%",
                              "level 1 (the executive's 8 reports) answering 'I can name our top priorities': 1 of 8"),
    "can_name_priorities|2": ("E1", "middle managers: 8%", "level 2 (64 people): 5 of 64"),
    "can_name_priorities|employees": ("E1", "front line: 2%", "employees (512): 10 of 512"),
    "clear_on_strategy|managers": ("E2", "managers who say they are clear: 84% (7,600 managers)",
                                   "managers (levels 1-2, 72 people) answering 'I am clear about our strategy': 60 of 72"),
    "support_change|employees": ("E3", "willing to support change at 2 changes a year: 74%",
                                 "employees answering 'I support this change' at the default two pivots a year: 379 of 512"),
    "annual_turnover": ("E6", "10-20% of people leave a year at spans 8-12", "survey_facts: 15% left in the last year"),
    "initiatives_launched": ("E4", "(the count of initiatives E4's rate is of)",
                             "survey_facts: 3 launched in the last year (what the Model v2 defaults launch: 3.3 a year)"),
    "initiatives_failed": ("E4", "50-90% of initiatives fail", "survey_facts: 2 of the 3 failed (67%)"),
}


def run(workers: int, populations: int, population_size: int) -> tuple[Path, float]:
    """``cascade calibrate`` on the published figures; its output folder and the wall time."""
    command = [sys.executable, "-m", "sim", "calibrate", SCENARIO, "--survey", SURVEY,
               "--parameters", ",".join(PARAMETERS), "--populations", str(populations),
               "--population-size", str(population_size), "--workers", str(workers), "--out", "results"]
    print(" ".join(["cascade", *command[3:]]), file=sys.stderr)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    print(done.stdout, end="")
    if done.returncode != 0:
        sys.exit(done.returncode)
    found = re.search(r"^Wrote (\S+) \(", done.stdout, re.M)
    return ROOT / found.group(1), wall


def fmt(v: float) -> str:
    return f"{v:.3g}"


def value(key: str, v: float) -> str:
    """A statistic as the survey states it: a count of initiatives, or a share in percent."""
    return f"{v:.3g}" if key.startswith("initiatives_") else f"{v:.1%}"


def write(folder: Path, wall: float | None) -> str:
    info = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
    summary = pd.read_csv(folder / "summary.csv", index_col="parameter")
    pred = pd.read_csv(folder / "predictive.csv").set_index("statistic")
    pops = pd.read_csv(folder / "populations.csv")
    if set(pred.index) != set(STATISTICS) or list(summary.index) != list(PARAMETERS):
        raise SystemExit(f"{folder}: not a calibration of {SURVEY} for {', '.join(PARAMETERS)}")
    rows, inside_all, unconstrained = [], [], []
    for name, r in summary.iterrows():
        default = BY_NAME[name].default
        inside = r["low"] <= default <= r["high"]
        inside_all.append(inside)
        if r["ratio"] >= 0.8:
            unconstrained.append(name)
        rows.append(f"| `{name}` | {PARAMETERS[name]} | {fmt(r['prior_low'])}-{fmt(r['prior_high'])} | "
                    f"{fmt(default)} | {fmt(r['median'])} | {fmt(r['low'])}-{fmt(r['high'])} | "
                    f"{'**yes**' if inside else '**no**'} | {r['ratio']:.0%}: {r['identifiability']} |")
    checks = []
    for key, (figure, published, _) in STATISTICS.items():
        r = pred.loc[key]
        checks.append(f"| {figure} | `{key}` | {published} | {value(key, r['observed'])} | {value(key, r['median'])} "
                      f"[{value(key, r['low'])}, {value(key, r['high'])}] | {'yes' if r['inside'] else '**no**'} | "
                      f"{value(key, r['default'])} |")
    survey_rows = [f"| {fig} | {published} | {how} |" for fig, published, how in STATISTICS.values()]
    outside = [n for n, ok in zip(summary.index, inside_all) if not ok]
    names = lambda ns: ", ".join(f"`{n}`" for n in ns)  # noqa: E731
    verdict = ("Every default lies inside its posterior's 90% interval." if not outside else
               f"Outside their posterior's 90% interval: {names(outside)}; the others lie inside.")
    blind = [n for n in outside if n in unconstrained]
    for n in blind:
        lo, hi = summary.loc[n, "prior_low"], summary.loc[n, "prior_high"]
        verdict += (f" The survey does not constrain `{n}` (its posterior is nearly its prior): its default, "
                    f"{fmt(BY_NAME[n].default)} of {fmt(lo)}-{fmt(hi)}, is at the prior's "
                    f"{(BY_NAME[n].default - lo) / (hi - lo):.0%} point, outside the middle 90% of any near-uniform posterior.")
    constrained = [n for n in summary.index if n not in unconstrained]
    verdict += (f" Constrained by the survey: {names(constrained)}." if constrained else
                " The survey constrains none of the parameters.")
    timing = (f"{wall / 60:.1f} minutes of wall time" if wall else f"{info['elapsed_seconds'] / 60:.1f} minutes "
              f"in the calibration")
    batch = int(info.get("batch", 1))
    apart = [n for n in PARAMETERS if n not in VARYING]
    batching = (f"each job's {batch} particles simulated as one ensemble (`--batch`, docs/PERFORMANCE.md)" if batch > 1
                else "each simulation alone (batch 1: " + (f"{names(apart)} cannot differ between the members of an "
                                                          "ensemble, `sim.engine.VARYING`)" if apart else "`--batch 1`)"))
    missed = [k for k in STATISTICS if not pred.loc[k, "inside"]]
    far = [k for k in STATISTICS if abs(pred.loc[k, "default"] - pred.loc[k, "observed"]) > 1.645 * pred.loc[k, "observed_sd"]]
    lines = [
        "# The defaults, calibrated to the published figures",
        "",
        "<!-- Generated by scripts/defaults_calibration.py (make defaults-calibration); do not edit by hand. -->",
        "",
        "The defaults were tuned by hand to the published survey figures E1-E6 ([VALIDATION.md](VALIDATION.md), "
        "[TRACE.md](TRACE.md)). Here the same figures are read as the pulse survey of one typical organisation and "
        "calibrated the way a client is ([SURVEYS.md](SURVEYS.md)): ABC-SMC over the behavioural parameters the "
        "figures inform, priors uniform over their ranges in `sim/params.py`. The question: **do today's defaults "
        "lie inside the posterior's 90% intervals?**",
        "",
        f"**{verdict}**",
        "",
        "## Reproduce",
        "",
        "```",
        "make defaults-calibration          # = python scripts/defaults_calibration.py --workers 2",
        f"cascade calibrate {SCENARIO} --survey {SURVEY} \\",
        f"    --parameters {','.join(PARAMETERS)} \\",
        f"    --populations {POPULATIONS} --population-size {POPULATION_SIZE} --workers 2",
        "```",
        "",
        f"This run: seed {info['seed']} (the scenario's: `sim.validation.CALIBRATION_ROOT`, the defaults' own seed "
        f"root, never the validation's), {info['populations']} populations of {info['population_size']} particles, "
        f"{info['simulations']:,} simulations, {timing} on 2 worker processes of a machine shared with other "
        f"jobs (cascade-sim {info['cascade-sim']}), {batching}. The script runs the command, then writes this page from its "
        "folder (`summary.csv`, `predictive.csv`, `calibration.json`); `--from FOLDER` rewrites the page from a "
        "finished folder. Rerun it whenever the defaults change: with the same defaults it gives the same posterior, "
        "summary and predictive check bit for bit (SURVEYS.md, Determinism; only the count of simulations started "
        "depends on timing), and with others it says what they do.",
        "",
        "## The survey of a typical organisation",
        "",
        "The organisation is the validation organisation (`sim.validation.ORG`: 1 executive, 2 middle-management "
        "layers, span 8, 585 people), at the defaults, surveyed at week 78: VALIDATION.md checks the figures "
        "on averages over the second year, a survey is a snapshot, and the model's shares still drift during "
        "that year (at the Model v2 defaults support was higher at week 104 than on average over weeks 53-104), so the middle of the "
        "year stands for its average. Its survey (`scenarios/surveys/published_figures.csv`) answers each "
        "item with the published share, and its facts (`scenarios/surveys/published_figures.yaml`) are the "
        "figures about the organisation:",
        "",
        "| figure | published | in the survey |",
        "|---|---|---|",
        *survey_rows,
        "",
        "**Respondents.** The source surveys are large (Sull et al.: 7,600 managers; Maury's and Gartner's counts "
        "are not given in MODEL.md), but one organisation of 585 people has 8 people at level 1, 64 at level 2 "
        "and 512 employees: a survey of it cannot have more respondents than that, and the model answers as "
        "everyone in a level would. So each share is stated for the whole level (a census; the shares are the "
        "published ones to the nearest person). With the sources' counts the sampling errors would be far "
        "smaller than how much one organisation's shares vary from run to run at the same parameter values "
        "(Sull's 7,600 managers: a sampling sd of 0.004, where the managers' share clear varied between "
        "organisations at the Model v2 defaults by an sd of 0.3, some organisations' confidence collapsing after "
        "a pivot), and the largest surveys would outweigh everything else in the distance.",
        "",
        "**What one organisation's survey cannot express**:",
        "",
        "- E2's other two figures: 'under a third can name the priorities' is a bound, not a share, and '55% of "
        "middle managers name at least one of the top five' needs an answer graded against the strategy (no item "
        "measures naming the top priority).",
        "- E3's second figure (43% support at 10 changes a year) and its point, that support falls as changes pile "
        "up: that compares two organisations (two pivot rates); one organisation has one pivot rate. Its 74% at "
        "two changes a year is the survey's, since the defaults pivot twice a year.",
        "- E5 (managers explain about 70% of the variance in team engagement): there is no engagement item and no "
        "team column; the statistic is a variance decomposition over teams, not a share of a level.",
        "- E6's shape (turnover rising smoothly with span): that compares spans, several organisations. Its level "
        "(10-20% a year) is the survey's turnover fact.",
        "- E4 only as counts: 2 of 3 initiatives failing in one year, each count with a Poisson error of about "
        "2 initiatives, as loose as E4's 50-90% band (and the count launched is the defaults' own, not a figure).",
        "",
        "## The parameters: defaults against the posterior",
        "",
        "Each parameter is the one whose default was tuned against the figure beside it; the others stay at their "
        "defaults. Priors: uniform over the parameter's range in `sim/params.py`. Width: the posterior's 90% "
        "interval over the prior's (below 50% the survey constrains the parameter, above 80% it does not).",
        "",
        "| parameter | informed by | prior | default | posterior median | 90% interval | default inside? | width |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## The posterior predictive check",
        "",
        "The survey as the calibrated model answers it: for 40 posterior draws (`--draws`) a run of the organisation and a survey of the same size (the median and 90% interval), "
        "beside the survey's value and the defaults' median answer on the same seeds. One organisation's answers "
        "are skewed (now and then an organisation's support collapses after a pivot), so a median can sit well "
        "above the mean over organisations that VALIDATION.md compares with a figure.",
        "",
        "| figure | statistic | published | survey | calibrated model [90%] | inside? | defaults |",
        "|---|---|---|---|---|---|---|",
        *checks,
        "",
        f"Epsilon (the distance in survey sampling errors a simulation had to come within) went from "
        f"{pops['epsilon'].iloc[0]:.3g} to {pops['epsilon'].iloc[-1]:.3g} over {len(pops)} populations; with "
        f"{len(STATISTICS)} statistics a model matching each within one sampling error would be at about "
        f"{len(STATISTICS) ** 0.5:.2g}" + (
            f", so the calibration ended at its budget of populations, not at the survey's precision: more "
            f"populations could narrow the posterior further, each dearer than the last (the acceptance rate "
            f"was {pops['acceptance_rate'].iloc[-1]:.0%} in the last). " if pops["epsilon"].iloc[-1] > 1.05 * len(STATISTICS) ** 0.5
            else ". ") + (
            f"Outside the predictive interval: {', '.join(f'`{k}`' for k in missed)}." if missed else
            "Every statistic lies inside its predictive interval."),
        "",
        *(["Where the defaults themselves answer the survey outside its 90% sampling interval (the defaults' "
           "median answer against the survey's value +- 1.645 sampling sd):", "",
           *[f"- `{k}`: the defaults answer {value(k, pred.loc[k, 'default'])}, the survey says "
             f"{value(k, pred.loc[k, 'observed'])} (+- {value(k, 1.645 * pred.loc[k, 'observed_sd'])})" for k in far], ""]
          if far else ["The defaults' median answer lies within the survey's 90% sampling interval on every statistic.", ""]),
        "## What the survey could not constrain",
        "",
        ("Not constrained (posterior close to the prior): " + ", ".join(f"`{n}`" for n in unconstrained) +
         ". For these, inside or outside says little: a default inside such an interval is no evidence for the "
         "default, only none against it, and a default in the outer 5% of a wide prior range falls outside an "
         "interval that is nearly the prior's own."
         if unconstrained else "Every parameter's interval is narrower than 80% of its prior's."),
        "",
        "- The figures are averages over many organisations; each simulation is one organisation, and what one "
        "organisation's shares do from run to run (most of all the 8 people of level 1) is part of the posterior's "
        "width: the survey alone could say more than one organisation can.",
        "- The survey is a snapshot at week 78; the figures in VALIDATION.md are second-year averages over "
        "hundreds of seeds. Between pivots the shares rise and fall, so a snapshot is noisier than the average.",
        "- Parameters not calibrated here (everything but the five) stay at their defaults: the posterior is "
        "conditional on them, and a default elsewhere that is off would show here as a shifted posterior.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--populations", type=int, default=POPULATIONS)
    parser.add_argument("--population-size", type=int, default=POPULATION_SIZE)
    parser.add_argument("--from", dest="folder", type=Path, help="a finished calibration folder: only write the page")
    args = parser.parse_args()
    if args.folder:
        folder, wall = args.folder, None
    else:
        folder, wall = run(args.workers, args.populations, args.population_size)
    DOC.write_text(write(folder, wall), encoding="utf-8")
    print(f"Wrote {DOC.relative_to(ROOT)} from {folder} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
