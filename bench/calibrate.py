"""Calibration benchmark: the bundled synthetic survey (scenarios/surveys/example_pulse.csv) of the
example client (1,170 people, 52 weeks), five parameters (the default set), ABC-SMC on N workers.

    .venv/bin/python bench/calibrate.py [--workers 2] [--populations 8] [--population-size 200] [--batch N]
    .venv/bin/python bench/calibrate.py --compare [--populations 3 --population-size 100]

Prints the wall time, the number of simulations, simulations per second, the CPU time of one
simulation in this process (the figure that holds on a busy machine: wall time also measures the
neighbours) and the load average before and after. The same run as a command:
``cascade calibrate scenarios/surveys/example_client.yaml --survey scenarios/surveys/example_pulse.csv
--workers 2 --seed 1``. ``--compare``: simulations per second with each particle alone (batch 1, as
before ensembles) and with a job's particles run as one ensemble (the default batch), on 1 and on
2 workers, side by side in one run, and their ratios (the figure that holds on a busy machine).
The two batches propose different particles (another posterior, another acceptance rate), so each
runs about, not exactly, the same simulations.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calibrate import calibrate, read_survey  # noqa: E402
from sim.calibrate.inference import Simulator, particles_per_job, prepare  # noqa: E402

SCENARIO = ROOT / "scenarios" / "surveys" / "example_client.yaml"
SURVEY = ROOT / "scenarios" / "surveys" / "example_pulse.csv"


def timed(scenario, survey, workers: int, populations: int, population_size: int, seed: int,
          batch: int | None, quiet: bool = False) -> tuple[object, float]:
    """A calibration and its wall time."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        cal = calibrate(scenario, survey, populations=populations, population_size=population_size,
                        workers=workers, seed=seed, directory=folder, batch=batch,
                        progress=None if quiet else
                        lambda p: print(f"  population {p['population']}: epsilon {p['epsilon']:.3g}, "
                                        f"{p['simulations']} simulations, {p['seconds']:.0f} s",
                                        file=sys.stderr, flush=True))
    return cal, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--populations", type=int, default=8)
    parser.add_argument("--population-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, help="particles per ensemble (default: by people; 1: each alone)")
    parser.add_argument("--compare", action="store_true",
                        help="batch 1 against the default batch, on 1 and 2 workers")
    args = parser.parse_args()
    scenario, survey, priors = prepare(SCENARIO, read_survey(SURVEY))
    simulator = Simulator(scenario, survey)
    cpu = time.process_time()
    for seed in range(3):
        simulator.run({}, seed)
    per_simulation = (time.process_time() - cpu) / 3
    load = os.getloadavg()[0]
    if not args.compare:
        cal, wall = timed(scenario, survey, args.workers, args.populations, args.population_size, args.seed, args.batch)
        print(f"{scenario.people:,} people, {scenario.horizon} weeks, {len(cal.parameters)} parameters, "
              f"{args.workers} workers, batch {cal.meta['batch']}: {wall:.0f} s wall, {cal.simulations:,} simulations "
              f"in {len(cal.populations)} populations ({cal.simulations / wall:.2f} per second); one simulation "
              f"{per_simulation:.3f} CPU s; final epsilon {cal.populations['epsilon'].iloc[-1]:.3g}; "
              f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
        return
    default = particles_per_job(scenario, priors, args.population_size)
    print(f"{scenario.people:,} people, {scenario.horizon} weeks, {len(priors)} parameters, {args.populations} "
          f"populations of {args.population_size}; load average {load:.1f}", flush=True)
    # CPU per simulation in this process (the figure that holds on a busy machine): a job's worth of
    # particles drawn from the prior, each alone and then together as one ensemble
    rng = np.random.default_rng(args.seed)
    particles = [({k: float(rng.uniform(lo, hi)) for k, (lo, hi) in priors.items()}, int(rng.integers(2**62)))
                 for _ in range(default)]
    cpu = {}
    for stacked in (False, True):
        start = time.process_time()
        Simulator(scenario, survey, stacked=stacked).answers(particles, default if stacked else 1)
        cpu[stacked] = (time.process_time() - start) / default
    print(f"CPU per simulation: {cpu[False]:.4f} s alone, {cpu[True]:.4f} s in an ensemble of {default} "
          f"({cpu[False] / cpu[True]:.2f}x)", flush=True)
    rates = {}
    for workers in (1, 2):
        for batch in (1, default):
            cal, wall = timed(scenario, survey, workers, args.populations, args.population_size, args.seed,
                              batch, quiet=True)
            rates[workers, batch] = cal.simulations / wall
            print(f"calibration, {workers} worker{'s' if workers > 1 else ''}, batch {batch:>3}: "
                  f"{rates[workers, batch]:6.2f} simulations/s ({cal.simulations:,} simulations in {wall:.0f} s, "
                  f"final epsilon {cal.populations['epsilon'].iloc[-1]:.3g})", flush=True)
        print(f"calibration ensembles (batch {default}) vs batch 1, {workers} worker{'s' if workers > 1 else ''}: "
              f"{rates[workers, default] / rates[workers, 1]:.2f}x", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
