"""`make bench`: agent-steps per second of OrgModel beside its peers, in the same run.

Peers: the naive per-agent Mesa implementation of our own step (bench/naive.py) and Mesa's
bundled VirusOnNetwork. Figures are printed with their ratios, which hold on a noisy machine.
Usage: python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import OrgModel  # noqa: E402

# (executives, layers, span) giving about 1,000 / 10,000 / 100,000 people.
SIZES = {"1k": dict(executives=2, layers=3, span=[4, 4, 4, 7]),
         "10k": dict(executives=4, layers=3, span=[5, 5, 5, 19]),
         "100k": dict(executives=10, layers=4, span=[5, 5, 5, 5, 15])}


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


def timed(build, weeks: int) -> tuple[float, float, int]:
    """(construction seconds, step seconds, agents) for ``weeks`` steps."""
    t0 = time.perf_counter()
    model = build()
    t1 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(model.agents)


def row(name: str, build, weeks: int) -> dict:
    construct, run, agents = timed(build, weeks)
    rate = agents * weeks / run
    print(f"{name:<34} {agents:>9,} people  build {construct:6.2f} s  {weeks:>3} weeks {run:7.2f} s"
          f"  {rate / 1e6:7.3f} M agent-steps/s", flush=True)
    return {"name": name, "agents": agents, "rate": rate, "run": run, "construct": construct}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the 100,000-person organisation")
    args = ap.parse_args()
    from bench.naive import NaiveOrgModel

    results = {}
    for label, structure in SIZES.items():
        if args.quick and label == "100k":
            continue
        results[label] = row(f"OrgModel {label}", lambda s=structure: OrgModel(rng=1, **s), 104)
    results["naive"] = row("naive per-agent Mesa 1k", lambda: NaiveOrgModel(rng=1, **SIZES["1k"]), 10)
    results["virus"] = row("VirusOnNetwork 10k (layout=None)",
                           lambda: virus_on_network(10_000), 20)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:,.0f} MiB")
    print(f"OrgModel 1k / naive 1k:          {results['1k']['rate'] / results['naive']['rate']:8.1f}x")
    print(f"OrgModel 10k / VirusOnNetwork:   {results['10k']['rate'] / results['virus']['rate']:8.1f}x")
    print(f"OrgModel 10k, 104 weeks:         {results['10k']['run']:8.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
