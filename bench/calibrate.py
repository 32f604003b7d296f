"""Calibration benchmark: the bundled synthetic survey (scenarios/surveys/example_pulse.csv) of the
example client (1,170 people, 52 weeks), five parameters (the default set), ABC-SMC on N workers.

    .venv/bin/python bench/calibrate.py [--workers 2] [--populations 8] [--population-size 200]

Prints the wall time, the number of simulations, simulations per second, the CPU time of one
simulation in this process (the figure that holds on a busy machine: wall time also measures the
neighbours) and the load average before and after. The same run as a command:
``cascade calibrate scenarios/surveys/example_client.yaml --survey scenarios/surveys/example_pulse.csv
--workers 2 --seed 1``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calibrate import calibrate, read_survey  # noqa: E402
from sim.calibrate.inference import Simulator, prepare  # noqa: E402

SCENARIO = ROOT / "scenarios" / "surveys" / "example_client.yaml"
SURVEY = ROOT / "scenarios" / "surveys" / "example_pulse.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--populations", type=int, default=8)
    parser.add_argument("--population-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario, survey, _ = prepare(SCENARIO, read_survey(SURVEY))
    simulator = Simulator(scenario, survey)
    cpu = time.process_time()
    for seed in range(3):
        simulator.run({}, seed)
    per_simulation = (time.process_time() - cpu) / 3
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        cal = calibrate(scenario, survey, populations=args.populations, population_size=args.population_size,
                        workers=args.workers, seed=args.seed, directory=folder,
                        progress=lambda p: print(f"  population {p['population']}: epsilon {p['epsilon']:.3g}, "
                                                 f"{p['simulations']} simulations, {p['seconds']:.0f} s",
                                                 file=sys.stderr, flush=True))
    wall = time.perf_counter() - start
    print(f"{scenario.people:,} people, {scenario.horizon} weeks, {len(cal.parameters)} parameters, "
          f"{args.workers} workers: {wall:.0f} s wall, {cal.simulations:,} simulations in "
          f"{len(cal.populations)} populations ({cal.simulations / wall:.2f} per second); one simulation "
          f"{per_simulation:.3f} CPU s; final epsilon {cal.populations['epsilon'].iloc[-1]:.3g}; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
