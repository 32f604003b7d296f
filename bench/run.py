"""`make bench`: agent-steps per second of OrgModel beside its peers, in the same run.

OrgModel at about 1,000, 10,000, 34,000, 100,000 and 1,000,000 people (104 weeks), and ensembles
(sim.engine) of 8, 32 and 64 organisations of 1,000 people and of 8 of 10,000, each measured in a
fresh process so that its peak memory is its own; peers: the naive per-agent Mesa implementation
of our own step (bench/naive.py, at 1,000 and 10,000 people) and Mesa's bundled VirusOnNetwork at
10,000 nodes. Rates are given by wall time and by CPU time (process time): on a machine shared
with other jobs, wall time mostly measures the neighbours, so the ratios between CPU rates in one
run are the figures that hold. A run of under a second is repeated (a fresh model, same seed) until
a second of CPU is spent, at most 5 times, and the fastest run counts. Then, when present, the sweep throughput (bench/sweep_throughput.py),
the calibration's simulations per second (bench/calibrate.py --compare), the irregular-chart
comparison (bench/irregular.py) and the validation Lab in ensembles (bench/lab.py) run as their
own processes.

Usage: python bench/run.py [--quick] [--json FILE] [--plot FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (executives, layers, span) giving about 1,000 / 10,000 / 100,000 / 1,000,000 people.
SIZES = {"1k": dict(executives=2, layers=3, span=[4, 4, 4, 7]),
         "10k": dict(executives=4, layers=3, span=[5, 5, 5, 19]),
         "34k": dict(executives=18, layers=3, span=[4, 4, 4, 28]),  # as many people as 32 of "1k"
         "100k": dict(executives=10, layers=4, span=[5, 5, 5, 5, 15]),
         "1M": dict(executives=10, layers=5, span=[5, 5, 5, 5, 5, 32])}
WEEKS = 104
# name: (what, size, steps); each is one process.
# Ensembles (sim.engine): R organisations of one size advanced together; "x R" in the name.
ENSEMBLES = {"1k": (8, 32, 64), "10k": (8,)}
CASES = {**{f"OrgModel {label}": ("orgmodel", label, WEEKS) for label in SIZES},
         **{f"Ensemble {label} x {r}": ("ensemble", (label, r), WEEKS) for label, rs in ENSEMBLES.items() for r in rs},
         "naive per-agent Mesa 1k": ("naive", "1k", 10),
         "naive per-agent Mesa 10k": ("naive", "10k", 3),
         "VirusOnNetwork 10k (layout=None)": ("virus", 10_000, 20)}
MIN_CPU, MAX_RUNS = 1.0, 5  # see measure_case
QUICK = ("OrgModel 1k", "OrgModel 10k", "Ensemble 1k x 32", "naive per-agent Mesa 1k", "VirusOnNetwork 10k (layout=None)")


def virus_on_network(num_nodes: int):
    """Mesa's bundled VirusOnNetwork, its Network built with layout=None (the spring layout
    alone takes minutes at 10,000 nodes and is only for drawing)."""
    import functools

    import mesa.examples.basic.virus_on_network.model as virus

    network = virus.Network
    virus.Network = functools.partial(network, layout=None)
    try:
        return virus.VirusOnNetwork(num_nodes=num_nodes, rng=1)
    finally:
        virus.Network = network


def measure_case(what: str, size, steps: int) -> dict:
    """Build one model and run it; construction and run times, and this process's peak memory."""
    if what == "orgmodel":
        from sim import OrgModel

        build = lambda: OrgModel(rng=1, **SIZES[size])  # noqa: E731
        count = lambda m: m.org.n  # noqa: E731
    elif what == "ensemble":
        from sim.engine import Engine, model_rng
        from sim.params import validate

        label, r = size
        build = lambda: Engine(validate(**SIZES[label]), [model_rng(seed) for seed in range(1, r + 1)])  # noqa: E731
        count = lambda m: m.org.n  # noqa: E731
    elif what == "naive":
        from bench.naive import NaiveOrgModel

        build = lambda: NaiveOrgModel(rng=1, collect=False, **SIZES[size])  # noqa: E731
        count = lambda m: len(m.people)  # noqa: E731
    else:
        build = lambda: virus_on_network(size)  # noqa: E731
        count = lambda m: len(m.agents)  # noqa: E731
    before = _peak_mib()
    # A run of well under a second is one noisy sample: further runs of a fresh model from the same
    # seed (the same work) follow until a second of CPU is spent, at most MAX_RUNS, and the fastest
    # counts. The construction time is the first build's.
    runs, construct = [], None
    while not runs or (sum(cpu for _, cpu in runs) < MIN_CPU and len(runs) < MAX_RUNS):
        t0 = time.perf_counter()
        model = build()
        construct = time.perf_counter() - t0 if construct is None else construct
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            model.step()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = min(runs, key=lambda run: run[1])
    if what == "orgmodel":  # the agents were not needed to run; building them is part of the cost
        t0 = time.perf_counter()
        model.people
        agents = time.perf_counter() - t0
    else:
        agents = 0.0
    n = count(model)
    return {"agents": n, "steps": steps, "runs": len(runs), "construct": construct, "construct_agents": agents,
            "wall": wall, "cpu": cpu, "rate_wall": n * steps / wall, "rate_cpu": n * steps / cpu,
            "peak_mib": _peak_mib(), "base_mib": before}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(name: str) -> dict:
    """One case in a fresh process (separate peak memory, no state carried between cases)."""
    out = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return {"name": name, **json.loads(out.stdout.strip().splitlines()[-1])}


def _per_person(r: dict) -> float:
    """Bytes of peak memory per person (above the process's memory before building)."""
    return (r["peak_mib"] - r["base_mib"]) * 2**20 / r["agents"]


def show(r: dict) -> None:
    mem = _per_person(r)
    print(f"{r['name']:<34} {r['agents']:>9,}  build {r['construct']:6.2f} s (+agents {r['construct_agents']:5.2f} s)"
          f"  {r['steps']:>3} steps (best of {r['runs']}) {r['wall']:7.2f} s  {r['rate_wall'] / 1e6:7.3f} M/s wall"
          f"  {r['rate_cpu'] / 1e6:7.3f} M/s cpu  peak {r['peak_mib']:6.0f} MiB ({mem:5.0f} B/person)",
          flush=True)


def ratios(res: dict) -> list[tuple[str, float, str]]:
    """(what, ratio of CPU rates, target) for the pairs issue 7 sets targets for."""
    out = []
    for size in ("1k", "10k"):
        a, b = res.get(f"OrgModel {size}"), res.get(f"naive per-agent Mesa {size}")
        if a and b:
            out.append((f"OrgModel {size} / naive per-agent {size}", a["rate_cpu"] / b["rate_cpu"], ">= 30x"))
    alone = res.get("OrgModel 1k")
    for name, r in res.items():
        if name.startswith("Ensemble 1k") and alone:
            out.append((f"{name} / OrgModel 1k alone", r["rate_cpu"] / alone["rate_cpu"], ">= 4.3x (4 M/s)"))
    for name, r in res.items():  # against one organisation of about as many people as the ensemble
        singles = [s for k, s in res.items() if k.startswith("OrgModel")]
        if name.startswith("Ensemble") and singles:
            single = min(singles, key=lambda s: abs(math.log(s["agents"] / r["agents"])))
            out.append((f"{name}: memory per person / one org of {single['agents']:,}", _per_person(r)
                        / _per_person(single), "<= 1.5x"))
    virus = res.get("VirusOnNetwork 10k (layout=None)")
    for size in ("10k", "100k"):
        if virus and f"OrgModel {size}" in res:
            out.append((f"OrgModel {size} / VirusOnNetwork 10k", res[f"OrgModel {size}"]["rate_cpu"]
                        / virus["rate_cpu"], ">= 5x"))
    return out


def plot(res: dict, path: Path) -> None:
    """Cost against size: seconds of CPU per simulated week, log-log, with a line through the origin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = sorted((r for name, r in res.items() if name.startswith("OrgModel")), key=lambda r: r["agents"])
    n = np.array([r["agents"] for r in rows], dtype=float)
    per_week = np.array([r["cpu"] / r["steps"] for r in rows])
    fig, ax = plt.subplots(figsize=(7, 5.2))
    ax.loglog(n, per_week, "o-", label="OrgModel alone: CPU seconds per week")
    slope = per_week[-1] / n[-1]
    ax.loglog(n, slope * n, "--", color="grey", label="linear in people (through the largest)")
    for r_members, marker in ((8, "v"), (32, "D"), (64, "P")):
        members = [res[f"Ensemble {label} x {r_members}"] for label in ENSEMBLES
                   if f"Ensemble {label} x {r_members}" in res]
        if members:  # the cost of a week of one organisation: the ensemble's week shared among its members
            ax.loglog([r["agents"] / r_members for r in members],
                      [r["cpu"] / r["steps"] / r_members for r in members], marker,
                      label=f"in an ensemble of {r_members}: CPU seconds per organisation-week")
    for name, marker in (("naive per-agent Mesa", "s"), ("VirusOnNetwork", "^")):
        peers = sorted((r for k, r in res.items() if k.startswith(name)), key=lambda r: r["agents"])
        if peers:
            ax.loglog([r["agents"] for r in peers], [r["cpu"] / r["steps"] for r in peers], marker,
                      label=f"{name}: CPU seconds per step")
    ax.set_xlabel("people (agents)")
    ax.set_ylabel("seconds per week")
    ax.set_title("Cost of a simulated week against organisation size")  # (per organisation)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_script(script: str, args: list[str], what: str) -> None:
    path = ROOT / "bench" / script
    if not path.exists():
        print(f"\n{what}: skipped (bench/{script} does not exist yet)")
        return
    print(f"\n{what} (bench/{script} {' '.join(args)}):", flush=True)
    subprocess.run([sys.executable, str(path), *args], cwd=ROOT, check=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only 1,000 and 10,000 people and two peers")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--plot", type=Path, help="draw cost against size to this PNG")
    ap.add_argument("--case", help=argparse.SUPPRESS)  # internal: measure one case, print JSON
    args = ap.parse_args()
    if args.case:
        print(json.dumps(measure_case(*CASES[args.case])))
        return

    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"Python {sys.version.split()[0]}", flush=True)
    res = {}
    for name in CASES:
        if args.quick and name not in QUICK:
            continue
        res[name] = run_case(name)
        show(res[name])
    print()
    for what, ratio, target in ratios(res):
        print(f"{what:<44} {ratio:8.1f}x  (target {target})")
    for label in ("100k", "1M"):
        r = res.get(f"OrgModel {label}")
        if r:
            print(f"OrgModel {label}: {r['steps']} weeks in {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU; "
                  f"build {r['construct']:.2f} s (+{r['construct_agents']:.2f} s for the Mesa agents, made "
                  f"on first use); peak memory {r['peak_mib']:,.0f} MiB")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"load": load, "cases": res}, indent=1))
    if args.plot:
        plot(res, args.plot)
    if not args.quick:
        run_script("sweep_throughput.py", [], "Sweep runs per minute, 1 and 2 workers")
        run_script("calibrate.py", ["--compare", "--populations", "3", "--population-size", "100"],
                   "Calibration simulations per second, batch 1 and ensembles, 1 and 2 workers")
        run_script("irregular.py", ["--repeats", "4"], "Irregular chart against a regular tree (104 weeks)")
        run_script("lab.py", [], "Validation Lab: runs in ensembles against each alone")


if __name__ == "__main__":
    main()
