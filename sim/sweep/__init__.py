"""Batch parameter sweeps: specs, designs, executors (local processes, Dask), a resumable store,
and the analysis (heatmaps, lines with bands, Sobol and Morris indices).

From Python, as from the command line::

    table = sim.sweep("pivot_vs_clarity", executor="local", workers=2)   # a row per run
    frames = sim.analyze("results/pivot_vs_clarity")                     # DataFrames (and files)
"""

from .analysis import analyze
from .engine import run_batch, sweep
from .spec import SweepError, SweepSpec, load_spec, spec_from_dict
from .store import load_runs, load_timeseries

__all__ = ["sweep", "analyze", "run_batch", "SweepSpec", "SweepError", "load_spec", "spec_from_dict", "load_runs",
           "load_timeseries"]
