"""Exploration beside the sweeps: scenario discovery on a sweep's stored runs (PRIM and feature
scoring, from EMA Workbench: the optional extra ``explore``).

    found = sim.explore.discover("results/my_sweep", "failure_rate", 0.3)
    print(found.summary)      # "Runs with failure_rate above 0.3 happen mostly when ..."
"""

from .discover import DIRECTIONS, Discovery, discover, prim_box

__all__ = ["discover", "prim_box", "Discovery", "DIRECTIONS"]
