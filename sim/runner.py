"""Replicated runs and comparisons (common random numbers).

Replication ``i`` of a run with seed ``S`` uses ``numpy.random.default_rng(SeedSequence(S).spawn(n)[i])``
whatever the number of processes, so results are bit-identical for any ``jobs``. A comparison runs
every alternative on the same seeds, so replication ``i`` of each alternative shares its random
streams and the per-replication differences are paired (common random numbers).
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from . import parallel
from .metrics import BETTER, summarise
from .engine import VARYING, batch_size, run_ensemble
from .scenario import Scenario
from .stats import (beats, km_median, mean_interval, percentile_interval, prediction_interval,
                    resample_weights, wilson)

Progress = Callable[[int, int], None]  # (replications done, total)
SEEDING = "numpy.random.default_rng(numpy.random.SeedSequence(seed).spawn(replications)[rep])"


# --------------------------------------------------------------------------- running


def _replicate(task) -> list[tuple[int, pd.DataFrame, dict]]:
    """Replications of one set of parameters, as one ensemble (``sim.engine``; ``stacked``
    False: one replication, run exactly as ``OrgModel`` runs it)."""
    kwargs, horizon, seed_seqs, reps, stacked = task
    out = []
    series = run_ensemble([np.random.default_rng(s) for s in seed_seqs], horizon, stacked=stacked, **kwargs)
    for rep, ts in zip(reps, series):
        summary = summarise(ts)
        ts.insert(0, "rep", rep)
        out.append((rep, ts, summary))
    return out


def fresh_seed() -> int:
    """A new random seed (recorded with the results, so the run can be repeated)."""
    return int(np.random.SeedSequence().entropy % 2**63)


POSTERIOR_STREAM = 1  # SeedSequence([seed, 1]): the replications' draws from a posterior


def posterior_draws(posterior: pd.DataFrame, scenario: Scenario, seed: int, reps: int) -> pd.DataFrame:
    """Replication ``i``'s parameters: row ``i``, drawn by weight from ``posterior`` (a calibration's
    particles: a column per parameter and ``weight``) with ``SeedSequence([seed, 1])``, so every
    alternative of a comparison draws the same values for the same replication. Parameters the
    scenario changes itself (``--set``, ``--variant``) keep the scenario's value."""
    names = [c for c in posterior.columns if c != "weight" and c not in scenario.overrides]
    weights = posterior["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence([seed, POSTERIOR_STREAM]))
    rows = rng.choice(len(posterior), size=reps, p=weights / weights.sum())
    return posterior.iloc[rows][names].reset_index(drop=True).astype(float)


def run(scenario: Scenario, reps: int | None = None, jobs: int = 1, seed: int | None = None,
        progress: Progress | None = None, posterior: pd.DataFrame | None = None,
        batch: int | None = None) -> "Results":
    """Run ``reps`` replications (default: the scenario's) of ``scenario`` in ``jobs`` processes.

    ``seed`` defaults to the scenario's seed, or a fresh one (recorded in the results).
    ``posterior``: a calibration's posterior (``sim.calibrate``); each replication then runs with
    parameters drawn from it (``posterior_draws``), so the intervals carry what the survey left
    unknown as well as the randomness of the organisation.
    ``batch``: replications advanced together as one ensemble (``sim.engine``; default: as many as
    make about ``BATCH_PEOPLE`` people, shared out over the ``jobs``); 1 runs each alone as
    ``OrgModel`` does. Results are the same for any ``jobs`` and any batch above 1 (and agree
    with ``batch=1`` to about 1e-15); replications drawn from a posterior share ensembles where
    the calibrated parameters are all of ``sim.engine.VARYING``, else run one at a time.
    """
    reps = scenario.replications if reps is None else int(reps)
    if reps < 1:
        raise ValueError(f"reps = {reps} is not allowed: expected at least 1")
    if seed is None:
        seed = scenario.seed if scenario.seed is not None else fresh_seed()
    kwargs = scenario.model_kwargs()
    children = np.random.SeedSequence(seed).spawn(reps)
    draws = None if posterior is None else posterior_draws(posterior, scenario, seed, reps)
    jobs = max(1, min(int(jobs), reps))
    most = batch_size(scenario.people, batch)
    # Replications drawn from a posterior differ in the calibrated parameters: they share
    # ensembles where those may differ between members (sim.engine.VARYING), else run one by one.
    shared = draws is None or set(draws.columns) <= set(VARYING)
    size = min(most, math.ceil(reps / jobs)) if shared else 1
    tasks = [({**kwargs, **({} if draws is None else {"varying": draws.iloc[i:i + size].to_dict("records")})}
              if shared else {**kwargs, **draws.iloc[i].to_dict()}, scenario.horizon,
              children[i:i + size], list(range(i, min(i + size, reps))), most > 1)
             for i in range(0, reps, size)]
    start = time.perf_counter()
    out: dict[int, tuple[pd.DataFrame, dict]] = {}
    if progress:
        progress(0, reps)
    if jobs == 1:
        for task in tasks:
            for rep, ts, summary in _replicate(task):
                out[rep] = ts, summary
            if progress:
                progress(len(out), reps)
    else:
        pool = parallel.context(["sim.runner"]).Pool(jobs, initializer=parallel.worker_init,
                                                     initargs=(os.getpid(),))
        try:
            for done in pool.imap_unordered(_replicate, tasks):
                for rep, ts, summary in done:
                    out[rep] = ts, summary
                if progress:
                    progress(len(out), reps)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    timeseries = pd.concat([out[i][0] for i in range(reps)], ignore_index=True)
    summary = pd.DataFrame([{"rep": i, **out[i][1]} for i in range(reps)])
    # counts comparable between organisations of different sizes
    for count in ("turnover", "burnout_mean", "burnout_final"):
        summary.insert(summary.columns.get_loc(count) + 1, f"{count}_per_100",
                       100 * summary[count] / scenario.people)
    # (recorded: runs repeat bit for bit with the same kind of batch, 1 or more; see ``run``)
    return Results(scenario, seed, reps, timeseries, summary, time.perf_counter() - start, draws=draws,
                   meta={"batch": most})


def compare(scenarios: Sequence[Scenario], reps: int | None = None, jobs: int = 1,
            seed: int | None = None, progress: Progress | None = None,
            posterior: pd.DataFrame | None = None, batch: int | None = None) -> "Comparison":
    """Run every alternative on the same seeds (common random numbers); the first is the reference.
    With ``posterior``, replication ``i`` of every alternative draws the same parameter values."""
    if len(scenarios) < 2:
        raise ValueError("a comparison needs at least two alternatives")
    reps = scenarios[0].replications if reps is None else int(reps)
    if seed is None:
        seed = scenarios[0].seed if scenarios[0].seed is not None else fresh_seed()
    total = reps * len(scenarios)
    results = []
    for k, sc in enumerate(scenarios):
        inner = (lambda done, _n, k=k: progress(k * reps + done, total)) if progress else None
        results.append(run(sc, reps=reps, jobs=jobs, seed=seed, progress=inner, posterior=posterior, batch=batch))
    return Comparison(results)


# --------------------------------------------------------------------------- statistics

THRESHOLDS = (50, 80)  # weeks_to_<t>: the first week alignment reached t/100 (NaN: not by the horizon)
TIME_COLUMNS = tuple(f"weeks_to_{t}" for t in THRESHOLDS)
TABLE_COLUMNS = ["mean", "low", "high", "predict_low", "predict_high", "n"]


def metric_columns(summary: pd.DataFrame) -> list[str]:
    """The per-replication outcomes summarised by a mean (times to an event are censored: they
    are summarised by ``time_rows`` instead)."""
    return [c for c in summary.columns if c != "rep" and c not in TIME_COLUMNS
            and pd.api.types.is_numeric_dtype(summary[c])]


def _times(summary: pd.DataFrame, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """(times with inf for "not reached by the horizon", mask of runs below the threshold at
    week 0): runs already there when the change starts did not have to get there."""
    t = summary[f"weeks_to_{threshold}"].to_numpy(dtype=float)
    return np.where(np.isnan(t), np.inf, t), ~(t == 0)


def time_rows(summary: pd.DataFrame) -> dict[str, dict]:
    """Censored times to alignment 0.5 and 0.8, measured from week 0 (the start of the change):
    ``reached_<t>``, the share of runs at or above the threshold by the horizon (Wilson interval);
    ``started_above_<t>``, the share already there at week 0; ``weeks_to_<t>_median``, the
    Kaplan-Meier median over the runs that started below, with its bootstrap interval (``inf``:
    fewer than half got there by the horizon)."""
    rows = {}
    for t in THRESHOLDS:
        if f"weeks_to_{t}" not in summary:
            continue
        times, below = _times(summary, t)
        n = len(times)
        share, low, high = wilson(int(np.isfinite(times).sum()), n)
        rows[f"reached_{t}"] = {"mean": share, "low": low, "high": high, "n": n}
        share, low, high = wilson(int((~below).sum()), n)
        rows[f"started_above_{t}"] = {"mean": share, "low": low, "high": high, "n": n}
        at_risk = times[below]
        median, low, high = math.nan, math.nan, math.nan
        if len(at_risk):
            median = km_median(at_risk)
            low, high = percentile_interval(km_median(at_risk, resample_weights(len(at_risk))))
        rows[f"weeks_to_{t}_median"] = {"mean": median, "low": low, "high": high, "n": len(at_risk)}
    return rows


def outcome_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: the mean with the interval of the mean (``low``, ``high``: bootstrap
    percentile), the prediction interval (``predict_low``, ``predict_high``: the middle 95% of
    replications) and n; then the censored times (``time_rows``)."""
    rows = {}
    for col in metric_columns(summary):
        mean, low, high, n = mean_interval(summary[col])
        p_low, p_high = prediction_interval(summary[col])
        rows[col] = {"mean": mean, "low": low, "high": high, "predict_low": p_low,
                     "predict_high": p_high, "n": n}
    rows.update(time_rows(summary))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=TABLE_COLUMNS)
    table.index.name = "metric"
    return table


def paired_differences(summary: pd.DataFrame, reference: pd.DataFrame, better: dict) -> dict[str, dict]:
    """Per outcome, ``summary`` minus ``reference`` replication by replication (paired: common
    random numbers): the mean difference and its bootstrap interval, and ``p_better``, the share of
    paired replications in which ``summary`` does better (``better``: +1 higher is better, -1 lower).
    Censored times: the difference of the Kaplan-Meier medians (the same resamples for both) and
    of the shares reaching the threshold."""
    a, b = summary.set_index("rep"), reference.set_index("rep").reindex(summary["rep"])
    out = {}
    for col in metric_columns(summary):
        if col not in b:
            continue
        diff = a[col].to_numpy(dtype=float) - b[col].to_numpy(dtype=float)
        d, low, high, _ = mean_interval(diff)
        out[col] = {"diff": d, "diff_low": low, "diff_high": high,
                    "p_better": beats(a[col], b[col], better.get(col, 0))}
    weights = resample_weights(len(a))
    for t in THRESHOLDS:
        col = f"weeks_to_{t}"
        if col not in a or col not in b:
            continue
        (ta, below_a), (tb, below_b) = _times(a.reset_index(), t), _times(b.reset_index(), t)
        reached = np.isfinite(ta).astype(float) - np.isfinite(tb).astype(float)
        d, low, high, _ = mean_interval(reached)
        out[f"reached_{t}"] = {"diff": d, "diff_low": low, "diff_high": high,
                               "p_better": beats(np.isfinite(ta), np.isfinite(tb), 1)}
        out[f"started_above_{t}"] = {"diff": float(np.mean(~below_a) - np.mean(~below_b)),
                                     "diff_low": math.nan, "diff_high": math.nan, "p_better": math.nan}
        median, low, high = math.nan, math.nan, math.nan
        if below_a.any() and below_b.any():  # inf - inf (neither reached) is no difference to report
            with np.errstate(invalid="ignore"):
                median = km_median(ta[below_a]) - km_median(tb[below_b])
                draws = km_median(ta[below_a], weights[:, below_a]) - km_median(tb[below_b], weights[:, below_b])
            low, high = percentile_interval(draws)  # +-inf: one of the two not reached
        out[f"weeks_to_{t}_median"] = {"diff": median,
                                       "diff_low": low, "diff_high": high,
                                       "p_better": beats(ta, tb, -1)}
    return out


# --------------------------------------------------------------------------- results


def _versions() -> dict:
    import matplotlib
    import mesa
    import pydantic

    from . import __version__

    return {"cascade-sim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "pandas": pd.__version__, "mesa": mesa.__version__, "pydantic": pydantic.__version__,
            "matplotlib": matplotlib.__version__}


def _remove_stale_partials(folder: Path) -> None:
    """Remove the hidden ``.NAME.partial-PID`` folders of writers that no longer run (``kill -9``
    while saving); a live writer's folder is left alone."""
    for tmp in folder.glob(".*.partial-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not tmp.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
        except (PermissionError, OverflowError):  # alive (another user's), or no such pid at all
            continue


def _atomic_dir(directory: Path, write: Callable[[Path], None], unique: bool = False) -> Path:
    """Write into a hidden temporary folder beside ``directory``, then rename it into place: an
    interrupted write leaves nothing behind, and an existing folder is never overwritten. With
    ``unique``, a folder that appeared meanwhile (another run started in the same second) makes
    this one ``<name>-2`` (``-3``, ...) instead of an error; the folder written is returned."""
    directory = Path(directory)
    if directory.exists() and not unique:
        raise FileExistsError(f"{directory} already exists: results are never overwritten")
    directory.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(directory.parent)
    tmp = directory.parent / f".{directory.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
        target, n = directory, 1
        while True:
            try:
                if target.exists():  # rename would replace an empty folder: never do that
                    raise FileExistsError(f"{target} already exists: results are never overwritten")
                os.rename(tmp, target)
                return target
            except OSError:  # the target exists (rename onto a non-empty folder fails too)
                if not unique or not target.exists():
                    raise
                n += 1
                target = directory.with_name(f"{directory.name}-{n}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@dataclass
class Results:
    """Replications of one scenario: ``timeseries`` (long, with ``rep``), ``summary`` (a row per
    replication); ``table()`` gives each summary metric's mean and 95% interval."""

    scenario: Scenario
    seed: int
    reps: int
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    elapsed: float = 0.0
    meta: dict = field(default_factory=dict)  # e.g. the command line, recorded by the CLI
    draws: pd.DataFrame | None = None  # each replication's parameters drawn from a posterior
    _table: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.scenario.label()

    def table(self) -> pd.DataFrame:
        """Every outcome's mean, the 95% interval of the mean and the 95% prediction interval
        (``sim.runner.outcome_table``), and the censored times to alignment 0.5 and 0.8.
        Computed once (the bootstrap takes a moment; reports ask often); a copy is returned."""
        if self._table is None:
            self._table = outcome_table(self.summary)
        return self._table.copy()

    def plot(self) -> dict:
        """The report's figures (matplotlib ``Figure`` objects by name)."""
        from .report import run_figures

        return run_figures(self)

    def run_info(self) -> dict:
        """Everything needed to repeat the run exactly (plus versions, for the record)."""
        return {"scenario": self.scenario.name, "label": self.name, "source": self.scenario.source,
                "seed": self.seed, "replications": self.reps, "horizon": self.scenario.horizon,
                "seeding": SEEDING, "overrides": self.scenario.overrides, "versions": _versions(),
                "elapsed_seconds": round(self.elapsed, 3), **self.meta}

    def scenario_yaml(self) -> str:
        """The resolved scenario, with the seed and replications of this run: running it again
        (``cascade run scenario.yaml``) repeats the run exactly."""
        sc = self.scenario.model_copy(update={"seed": self.seed, "replications": self.reps})
        from . import __version__

        head = (f"# Resolved scenario written by cascade-sim {__version__}: every parameter's value,\n"
                f"# the seed and the replications of this run. `cascade run <this file>` repeats it\n"
                f"# exactly; replication i uses {SEEDING}.\n")
        if self.draws is not None:
            head += (f"# Each replication drew {', '.join(self.draws.columns)} from a calibration's posterior\n"
                     f"# (posterior_draws.csv): repeat with --posterior {self.meta.get('posterior', 'DIR')}.\n")
        return head + sc.to_yaml(resolved=True)

    def save(self, directory: str | Path, unique: bool = False, exports=()) -> Path:
        """Write the run to a new folder (never overwriting one): scenario.yaml, run.json,
        timeseries.parquet, replications.csv, summary.csv, figures/*.png (and .svg), report.html,
        and the client files named in ``exports`` (``xlsx``, ``pptx``: report.xlsx, report.pptx).
        ``unique``: if the folder exists, write ``<directory>-2`` (``-3``, ...) instead of failing.
        Returns the folder written."""
        from .report import run_report, save_figures, write_exports

        def write(tmp: Path) -> None:
            (tmp / "scenario.yaml").write_text(self.scenario_yaml(), encoding="utf-8")
            (tmp / "run.json").write_text(json.dumps(self.run_info(), indent=2, default=str) + "\n")
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.summary.to_csv(tmp / "replications.csv", index=False)
            self.table().to_csv(tmp / "summary.csv")
            if self.draws is not None:
                self.draws.rename_axis("rep").to_csv(tmp / "posterior_draws.csv")
            figures = save_figures(self.plot(), tmp / "figures", svg=True)
            (tmp / "report.html").write_text(run_report(self, figures), encoding="utf-8")
            write_exports(self, tmp, exports, figures)

        return _atomic_dir(Path(directory), write, unique)


@dataclass
class Comparison:
    """Alternatives run on the same seeds; the first is the reference for the differences."""

    results: list[Results]
    meta: dict = field(default_factory=dict)
    names: list[str] | None = None  # the labels, when known (a comparison read back from its folder)
    _table: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        if self.names:
            return list(self.names)
        # overrides shared by every alternative (e.g. --set horizon=52) do not tell them apart
        first = self.results[0].scenario.overrides
        common = {k: v for k, v in first.items()
                  if all(r.scenario.overrides.get(k, object()) == v for r in self.results)}
        labels = [r.scenario.label(omit=common) for r in self.results]
        seen: dict[str, int] = {}
        out = []
        for label in labels:  # the same file twice: number the repeats
            seen[label] = seen.get(label, 0) + 1
            out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
        return out

    @property
    def seed(self) -> int:
        return self.results[0].seed

    @property
    def reps(self) -> int:
        return self.results[0].reps

    @property
    def timeseries(self) -> pd.DataFrame:
        return pd.concat([r.timeseries.assign(alternative=label)
                          for label, r in zip(self.labels, self.results)], ignore_index=True)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.concat([r.summary.assign(alternative=label)
                          for label, r in zip(self.labels, self.results)], ignore_index=True)

    def table(self) -> pd.DataFrame:
        """Per metric and alternative: the mean, the interval of the mean and the prediction
        interval; the difference to the first alternative with the interval of that difference
        (paired by replication); ``p_better``, the share of paired replications in which the
        alternative did better than the first (which way is better: ``sim.metrics.BETTER``).
        Computed once; a copy is returned."""
        if self._table is None:
            self._table = self._compute_table()
        return self._table.copy()

    def _compute_table(self) -> pd.DataFrame:
        ref = self.results[0]
        frames = []
        for k, (label, res) in enumerate(zip(self.labels, self.results)):
            table = res.table()
            if k:
                diffs = pd.DataFrame.from_dict(paired_differences(res.summary, ref.summary, BETTER),
                                               orient="index")
                table = table.join(diffs)
            frames.append(table.assign(alternative=label).reset_index())  # the reference: no differences
        out = pd.concat(frames, ignore_index=True)
        order = {m: i for i, m in enumerate(frames[0]["metric"])}
        out = out.sort_values(["metric"], key=lambda m: m.map(order), kind="stable")
        return out[["metric", "alternative", *TABLE_COLUMNS, "diff", "diff_low", "diff_high",
                    "p_better"]].reset_index(drop=True)

    def plot(self) -> dict:
        from .report import compare_figures

        return compare_figures(self)

    def save(self, directory: str | Path, unique: bool = False, exports=()) -> Path:
        """Write the comparison to a new folder: comparison.csv, timeseries.parquet,
        replications.csv, one resolved scenario per alternative, figures, report.html and the
        client files in ``exports``. ``unique`` as in ``Results.save``; returns the folder written."""
        from .report import compare_report, save_figures, write_exports

        def write(tmp: Path) -> None:
            scen = tmp / "scenarios"
            scen.mkdir()
            for k, res in enumerate(self.results):
                (scen / f"{k + 1}-{res.scenario.name}.yaml").write_text(res.scenario_yaml(), encoding="utf-8")
            info = {"alternatives": self.labels, "reference": self.labels[0], "seed": self.seed,
                    "replications": self.reps, "seeding": SEEDING + " (the same for every alternative)",
                    "versions": _versions(),
                    "elapsed_seconds": round(sum(r.elapsed for r in self.results), 3), **self.meta}
            (tmp / "run.json").write_text(json.dumps(info, indent=2, default=str) + "\n")
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.summary.to_csv(tmp / "replications.csv", index=False)
            self.table().to_csv(tmp / "comparison.csv", index=False)
            if self.results[0].draws is not None:  # the same draws for every alternative (their --set aside)
                self.results[0].draws.rename_axis("rep").to_csv(tmp / "posterior_draws.csv")
            figures = save_figures(self.plot(), tmp / "figures", svg=True)
            (tmp / "report.html").write_text(compare_report(self, figures), encoding="utf-8")
            write_exports(self, tmp, exports, figures)

        return _atomic_dir(Path(directory), write, unique)


def load(directory: str | Path) -> "Results | Comparison":
    """A finished run or comparison read back from the folder ``save`` wrote (nothing is rerun):
    its resolved scenarios, replications and time series, with the seed and the command."""
    from .scenario import load_scenario

    directory = Path(directory)
    try:
        info = json.loads((directory / "run.json").read_text(encoding="utf-8"))
        summary = pd.read_csv(directory / "replications.csv")
        timeseries = pd.read_parquet(directory / "timeseries.parquet")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{directory}: not a finished run or comparison folder "
                         f"(run.json, replications.csv and timeseries.parquet are needed): {exc}") from None
    meta = {k: info[k] for k in ("command", "posterior") if k in info}
    draws_file = directory / "posterior_draws.csv"
    draws = pd.read_csv(draws_file, index_col="rep") if draws_file.is_file() else None
    if "alternatives" not in info:
        return Results(load_scenario(directory / "scenario.yaml"), info["seed"], info["replications"],
                       timeseries, summary, info.get("elapsed_seconds", 0.0), meta, draws)
    files = sorted((directory / "scenarios").glob("*.yaml"), key=lambda f: int(f.name.split("-", 1)[0]))
    def pick(frame: pd.DataFrame, label: str) -> pd.DataFrame:
        return frame[frame["alternative"] == label].drop(columns="alternative").reset_index(drop=True)

    results = [Results(load_scenario(path), info["seed"], info["replications"], pick(timeseries, label),
                       pick(summary, label), draws=draws) for label, path in zip(info["alternatives"], files)]
    return Comparison(results, meta, names=list(info["alternatives"]))


__all__ = ["run", "compare", "load", "posterior_draws", "Results", "Comparison", "outcome_table", "paired_differences", "time_rows",
           "fresh_seed"]
