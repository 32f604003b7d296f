"""Sweep throughput: runs per minute with 1 and 2 worker processes (and their ratio), each with
replications advanced in ensembles (the default batch) beside a batch-size-1 baseline (each run
alone, as before ensembles), and the time of 1,000 runs of a 1,000-person organisation (executives
1, layers 2, span 10: 1,111 people) over 104 weeks on every core; and a sweep of the levers
(feedback x dialogue x change_rewards, 2 replications a point) on one worker, alone and in ensembles
(points that differ only in ``sim.engine.VARYING`` share ensembles).

    .venv/bin/python bench/sweep_throughput.py [--runs N] [--big N]

Results go to a temporary folder and are deleted. Every case runs the same sweep (a grid of
pivot_interval x role_clarity with replications), timed from the first result to the last (pool
start-up excluded; the 1,000-run time includes it), so the ratios hold on a busy machine better than
any figure alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.sweep import spec_from_dict, sweep  # noqa: E402

ORG = {"executives": 1, "layers": 2, "span": 10}


GRID = {"pivot_interval": [0.0, 13.0, 26.0, 52.0], "role_clarity": {"low": 0.1, "high": 0.9, "steps": 5}}
LEVERS = {"feedback": [0.0, 0.3, 0.6, 0.9], "dialogue": [0.0, 0.3, 0.6, 0.9], "change_rewards": [0.0, 0.5]}


def spec(name: str, runs: int, parameters: dict = GRID):
    points = 1
    for values in parameters.values():
        points *= len(values) if isinstance(values, list) else values["steps"]
    return spec_from_dict({"name": name, "base": "baseline", "set": ORG, "horizon": 104,
                           "replications": max(1, runs // points), "parameters": parameters})


def timed(spec_, out: Path, workers: int, batch: int | None = None) -> tuple[int, float, float]:
    """(runs, seconds in all, runs per minute once the workers are up: first result to last)."""
    marks: list[tuple[int, float]] = []
    start = time.perf_counter()
    table = sweep(spec_, out, workers=workers, batch=batch,
                  progress=lambda done, total: marks.append((done, time.perf_counter())))
    (n0, t0), (n1, t1) = marks[1], marks[-1]
    return len(table), time.perf_counter() - start, (n1 - n0) / (t1 - t0) * 60


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="runs per worker count (default 200)")
    ap.add_argument("--big", type=int, default=1000, help="runs of the timed sweep (default 1000; 0: none)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        s = spec("throughput", args.runs)
        rates = {}
        for workers in (1, 2):
            for batch, label in ((1, "one run at a time"), (None, "ensembles")):
                n, seconds, rates[workers, batch] = timed(s, out / f"w{workers}b{batch}", workers, batch)
                print(f"sweep throughput, {workers} worker process{'es' if workers > 1 else ''}, {label}: "
                      f"{rates[workers, batch]:7.1f} runs/min ({n} runs of {s.scenario.people:,} people x 104 weeks, "
                      f"{seconds:.1f} s)", flush=True)
            print(f"sweep ensembles vs one run at a time, {workers} worker{'s' if workers > 1 else ''}: "
                  f"{rates[workers, None] / rates[workers, 1]:.2f}x (target >= 3x)", flush=True)
        print(f"sweep speed-up, 2 workers vs 1 (ensembles): {rates[2, None] / rates[1, None]:.2f}x (target >= 1.8x)")
        levers = spec("levers", 64, LEVERS)
        lever_rates = {batch: timed(levers, out / f"levers{batch}", 1, batch)[2] for batch in (1, None)}
        print(f"lever sweep (feedback x dialogue x change_rewards, 2 replications a point, 1 worker): "
              f"{lever_rates[1]:.1f} runs/min alone, {lever_rates[None]:.1f} in ensembles "
              f"({lever_rates[None] / lever_rates[1]:.2f}x)", flush=True)
        if args.big:
            big = spec("thousand", args.big)
            n, seconds, _ = timed(big, out / "big", os.cpu_count() or 1)
            print(f"sweep of {n} runs ({big.scenario.people:,} people x 104 weeks, {os.cpu_count()} workers, "
                  f"ensembles): {seconds:.1f} s (target <= 120 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
