"""Where a week's time goes: CPU milliseconds per week of each submodel's draws and update, and of
the outputs (``measure``) and their collection, at one of ``bench/run.py``'s sizes.

Usage: python bench/submodels.py [--size 100k] [--weeks 60] [--root DIR]

The model is built from ``bench/run.py``'s sizes (seed 1), runs 4 weeks to warm up, then
``--weeks`` weeks with each part timed by process time; the table gives each part's median and
mean over the weeks (a pivot or a broadcast makes some weeks dearer than most), largest first.
``--root DIR`` profiles the ``sim`` package of another checkout (to compare two versions).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import SIZES  # noqa: E402


def profile(size: str, weeks: int) -> dict[str, list[float]]:
    """Seconds of each part, one entry per week."""
    from sim import OrgModel
    from sim.metrics import measure

    model = OrgModel(rng=1, **SIZES[size])
    for _ in range(4):
        model.step()
    clock = time.process_time
    parts: dict[str, list[float]] = {}
    for _ in range(weeks):  # model.step, a part at a time (the bundled cases have no interventions)
        st = model.state
        for sm in model.schedule:
            t0 = clock()
            draws = sm.draw(model.org, st, model.p, model.streams[sm.name])
            t1 = clock()
            sm.apply(model.org, st, model.p, draws)
            t2 = clock()
            parts.setdefault(f"{sm.name} (draws)", []).append(t1 - t0)
            parts.setdefault(sm.name, []).append(t2 - t1)
        st.week += 1
        t0 = clock()
        model.metrics = measure(model.org, st, model.p)
        t1 = clock()
        model.datacollector.collect(model)
        parts.setdefault("outputs (measure)", []).append(t1 - t0)
        parts.setdefault("outputs (collect)", []).append(clock() - t1)
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k", choices=list(SIZES))
    ap.add_argument("--weeks", type=int, default=60)
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose sim package runs")
    args = ap.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    parts = profile(args.size, args.weeks)
    median = {k: 1e3 * float(np.median(v)) for k, v in parts.items()}
    mean = {k: 1e3 * float(np.mean(v)) for k, v in parts.items()}
    total = sum(mean.values())
    print(f"{'part':<22} {'median ms':>10} {'mean ms':>9} {'share':>6}")
    for k in sorted(parts, key=lambda k: -mean[k]):
        if mean[k] >= 0.005:
            print(f"{k:<22} {median[k]:10.2f} {mean[k]:9.2f} {mean[k] / total:6.1%}")
    print(f"{'a week':<22} {sum(median.values()):10.2f} {total:9.2f}")


if __name__ == "__main__":
    main()
