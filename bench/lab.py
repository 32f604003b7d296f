"""The validation Lab (sim.validation.Lab) in ensembles against each run alone, in the same run:
wall seconds of S2's conditions (pivot every 52 and every 8 weeks, the validation organisation of
585 people, 104 weeks) on ``--seeds`` seeds, and of the robustness map at a few design points (every
pattern S1-S14; r = 2 over one parameter: 4 points), each with ``batch=1`` (every run alone, as the
Lab ran before ensembles) and the default batch, on ``--jobs`` processes. Each Lab's pool is started
by a warm-up run first (not timed). Wall time on a shared machine measures the neighbours too: the
ratio within one run is the figure that holds.

    .venv/bin/python bench/lab.py [--seeds N] [--jobs J]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim import robustness  # noqa: E402
from sim.validation import VALIDATION_ROOT, Lab  # noqa: E402

S2 = [dict(pivot_interval=52.0), dict(pivot_interval=8.0)]


def lab_seconds(seeds: int, jobs: int, batch: int | None) -> float:
    lab = Lab(VALIDATION_ROOT, jobs, batch)
    try:
        lab.runs([dict(pivot_interval=13.0)], jobs, 4)  # starts the pool
        start = time.perf_counter()
        lab.runs(S2, seeds)
        return time.perf_counter() - start
    finally:
        lab.close()


def map_seconds(jobs: int, batch: int | None) -> float:
    start = time.perf_counter()
    robustness.robustness_map(r=2, reps=3, jobs=jobs, parameters=["eta_p"], batch=batch)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print(f"load average at the start {os.getloadavg()[0]:.2f}")
    for what, timed in ((f"S2's conditions, {args.seeds} seeds ({2 * args.seeds} runs)",
                         lambda b: lab_seconds(args.seeds, args.jobs, b)),
                        ("robustness map, 4 design points, S1-S14", lambda b: map_seconds(args.jobs, b))):
        alone, together = timed(1), timed(None)
        print(f"{what}, {args.jobs} jobs: alone {alone:.1f} s, in ensembles {together:.1f} s: "
              f"{alone / together:.2f}x", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
