"""Running a sweep: every (point, replication) not yet in the store, on any executor.

Run ``point * replications + rep`` builds ``OrgModel`` from the base scenario with the point's
values, seeded by ``SeedSequence(entropy, spawn_key=(rep,))`` (entropy from the sweep's identity),
runs ``horizon`` weeks and keeps its summary (and, if asked, its downsampled time series). A run
that raises is recorded with its error. Results are written in shards as they arrive; rerunning
the same sweep does only the runs that are missing.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..metrics import summarise
from ..engine import batch_size, ensembles, member_kwargs, run_ensemble
from .design import points
from .executors import check_executor, make_executor
from .spec import SweepSpec, load_spec, outputs
from .store import Store, load_runs

Progress = Callable[[int, int], None]  # (runs done, total), the runs done before included
SHARD_RUNS = 500  # a shard holds at most this many runs...
SHARD_SECONDS = 30.0  # ...and is written at least this often while runs arrive
MAX_BATCH = 16  # runs sent to a worker at once


def run_batch(batch) -> list[tuple[dict, pd.DataFrame | None]]:
    """Run a batch of runs (in a worker): ``(entropy, kwargs, horizon, series, runs[, stacked])``
    where ``series`` is ``(every, columns)`` or None and ``runs`` are ``(run, point, rep, values)``.
    ``stacked``: the runs are advanced together as one ensemble (``sim.engine``: their points may
    differ only in ``VARYING`` parameters); else (the default) each runs alone, as ``OrgModel``
    runs it."""
    entropy, kwargs, horizon, series, runs = batch[:5]
    stacked = len(batch) > 5 and batch[5]
    if not stacked:
        return [_run(entropy, kwargs, horizon, series, [run], False)[0] for run in runs]
    return _run(entropy, kwargs, horizon, series, runs, True)


def _run(entropy, kwargs, horizon, series, runs, stacked):
    """Runs as one ensemble (or one run alone); a failure is recorded for each. When an ensemble of
    several fails, each of its runs is run alone (in an ensemble of one: a member's results do not
    depend on the others), so only the run that fails records the failure."""
    records = [{"run": run, "point": point, "rep": rep, **values, "status": "ok", "error": None}
               for run, point, rep, values in runs]
    values = [v for _, _, _, v in runs]
    try:
        rngs = [np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(rep,))) for _, _, rep, _ in runs]
        timeseries = run_ensemble(rngs, horizon, stacked=stacked,
                                  **{**kwargs, **(member_kwargs(values) if stacked else values[0])})
        for record, ts in zip(records, timeseries):
            record.update(summarise(ts))
    except Exception as exc:  # recorded, and the sweep goes on
        if len(runs) > 1:  # which of them: each alone
            return [out for run in runs for out in _run(entropy, kwargs, horizon, series, [run], stacked)]
        error = " ".join(f"{type(exc).__name__}: {exc}".split())
        return [({**record, "status": "error", "error": error}, None) for record in records]
    if series is None:
        return [(record, None) for record in records]
    every, columns = series
    out = []
    for record, ts in zip(records, timeseries):
        keep = (ts["week"] % every == 0) | (ts["week"] == ts["week"].iloc[-1])
        kept = ts.loc[keep, ["week", *[c for c in columns if c in ts.columns]]].astype({"week": "int64"})
        kept.insert(0, "run", record["run"])
        out.append((record, kept))
    return out


def sweep(spec: SweepSpec | str | Path, out: str | Path = "results", executor: str = "local",
          workers: int | None = None, scheduler: str | None = None, progress: Progress | None = None,
          shard_runs: int = SHARD_RUNS, table_columns=None, batch: int | None = None) -> pd.DataFrame:
    """Run (or finish) a sweep into ``out/<name>/`` and return its table, one row per run.

    ``spec``: a ``SweepSpec``, a spec file or a bundled sweep's name. ``executor``: ``local``
    (``workers`` processes; 1 runs in this process) or ``dask`` (the scheduler at ``scheduler``,
    or a local cluster of ``workers`` processes). The table is the same whatever the executor,
    the workers, the order, or how often the sweep was interrupted and resumed. ``table_columns``:
    return only these columns of the table (and ``run``): a large sweep need not be read whole.
    ``batch``: runs advanced together as one ensemble (``sim.engine``: replications, and points that
    differ only in ``VARYING`` parameters; default: as many as make about ``BATCH_PEOPLE`` people);
    1 runs each alone, as ``OrgModel`` does. A run's
    results are the same for any batch above 1 (and agree with ``batch=1`` to about 1e-15), so a
    sweep resumed with the same ``batch`` setting (1, or above 1) gives the same table.
    """
    check_executor(executor, workers, scheduler)
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    members = batch_size(spec.scenario.people, batch)
    directory = Path(out) / spec.name
    metrics, columns = outputs(spec.scenario)
    kept_columns = list(spec.timeseries.columns or columns) if spec.timeseries else []
    store = Store.open(directory, spec, points(spec), metrics, kept_columns)
    quarantined = store.quarantined  # damaged shards set aside: their runs are done again
    try:
        values = store.points().to_dict("records")  # the stored design is the truth on resume
        total = len(values) * spec.replications
        done = store.done()
        todo = [r for r in range(total) if r not in done]
        if progress:
            progress(len(done), total)
        if todo:
            _execute(spec, store, values, todo, total - len(todo), total, kept_columns, executor,
                     workers, scheduler, progress, shard_runs, members)
    finally:
        store.close()
    table = load_runs(directory, table_columns)
    table.attrs["directory"] = str(directory)
    table.attrs["quarantined"] = quarantined
    return table


def _batches(todo: list[int], values: list[dict], reps: int, workers: int, members: int) -> list[list[int]]:
    """The runs to do, in batches for the workers: with ``members`` 1, up to ``MAX_BATCH`` runs run
    one by one; else each batch is an ensemble of up to ``members`` runs (fewer where that keeps
    every worker busy) whose points differ only in ``VARYING`` parameters."""
    if members == 1:
        size = max(1, min(MAX_BATCH, math.ceil(len(todo) / (8 * workers))))
        return [todo[i:i + size] for i in range(0, len(todo), size)]
    size = max(1, min(members, math.ceil(len(todo) / (4 * workers))))
    return [[todo[i] for i in group] for group in ensembles([values[r // reps] for r in todo], size)]


def _execute(spec, store, values, todo, done, total, columns, executor, workers, scheduler,
             progress, shard_runs, members) -> None:
    kwargs = spec.scenario.model_kwargs()
    series = (spec.timeseries.every, columns) if spec.timeseries else None
    reps = spec.replications
    with make_executor(executor, workers, scheduler) as ex:
        batches = ((spec.entropy, kwargs, spec.horizon, series,
                    [(r, r // reps, r % reps, values[r // reps]) for r in runs], members > 1)
                   for runs in _batches(todo, values, reps, ex.workers, members))
        records, frames, last = [], [], time.monotonic()
        try:
            for results in ex.map_unordered(run_batch, batches):
                for record, frame in results:
                    records.append(record)
                    if frame is not None:
                        frames.append(frame)
                done += len(results)
                if len(records) >= shard_runs or time.monotonic() - last >= SHARD_SECONDS:
                    store.write(records, frames)
                    records, frames, last = [], [], time.monotonic()
                if progress:
                    progress(done, total)
        finally:  # what finished is kept, whatever stopped the sweep
            store.write(records, frames)


__all__ = ["sweep", "run_batch"]
