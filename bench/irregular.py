"""An irregular org chart against a regular tree of the same size: the step must not slow down.

Regular: 1 executive, spans 10, 10, 10, 10, 9 (101,111 people, 6 levels). Irregular: a synthetic
chart of exactly as many people (`sim.orgchart.generate`, shape "typical": spans 3 to 25, depth
varying by branch, leaves at every depth, managers leading managers and employees at once). Both
run the same weeks; the runs alternate and each side keeps its best CPU time (process time: on a
machine shared with other jobs, wall time mostly measures the neighbours), so the ratio holds. Issue 9 asks for a ratio within 1.20.
Usage: python bench/irregular.py [--weeks 104] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import OrgModel  # noqa: E402
from sim.orgchart import chart_from_table, generate  # noqa: E402

REGULAR = dict(executives=1, layers=4, span=[10, 10, 10, 10, 9])
PEOPLE = 1 + 10 + 100 + 1_000 + 10_000 + 90_000


def timed(weeks: int, **kwargs) -> tuple[float, int, int]:
    """(CPU seconds for ``weeks`` steps, people, levels) of a model built with ``kwargs``."""
    model = OrgModel(np.random.default_rng(1), **kwargs)
    start = time.process_time()
    for _ in range(weeks):
        model.step()
    return time.process_time() - start, model.org.n, model.org.levels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each (alternating); best kept")
    args = ap.parse_args()
    chart = chart_from_table(generate(PEOPLE, "typical", seed=1), "irregular").chart
    sides = {"regular": REGULAR, "irregular": {"org_chart": chart}}
    best, shape = {}, {}
    for _ in range(args.repeats):
        for name, kwargs in sides.items():
            seconds, people, levels = timed(args.weeks, **kwargs)
            best[name] = min(best.get(name, np.inf), seconds)
            shape[name] = people, levels
    for name, seconds in best.items():
        people, levels = shape[name]
        print(f"{name:<10} {people:>8,} people {levels:>3} levels  {args.weeks} weeks {seconds:7.2f} s CPU  "
              f"{people * args.weeks / seconds / 1e6:6.3f} M agent-steps/s")
    ratio = best["irregular"] / best["regular"]
    print(f"irregular / regular CPU time: {ratio:.2f} (issue 9: within 1.20)")


if __name__ == "__main__":
    main()
