"""Exploration beside the sweeps: scenario discovery on a sweep's stored runs (PRIM and feature
scoring), and Cascade as an EMA Workbench model; both need EMA Workbench (the optional extra
``explore``)::

    from sim.explore import discover, ema
    found = discover("results/my_sweep", "failure_rate", 0.3)
    print(found.summary)      # "Runs with failure_rate above 0.3 happen mostly when ..."
    model = ema.model("programme_failure")   # uncertainties, levers and outcomes from a sweep spec
"""

from . import ema
from .discover import DIRECTIONS, Discovery, discover, prim_box

__all__ = ["discover", "prim_box", "Discovery", "DIRECTIONS", "ema"]
