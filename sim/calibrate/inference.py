"""Which parameter values are consistent with a client's survey: ABC-SMC with pyabc.

``calibrate(scenario, survey, parameters=...)`` runs approximate Bayesian computation by sequential
Monte Carlo (pyabc's ``ABCSMC``): priors uniform over each parameter's range in ``sim.params`` (or the
scenario's narrower ``priors``), each simulation the scenario's organisation run to the survey's
week with the proposed values, and the distance between its answers and the survey's the Euclidean
norm of the differences standardised by the survey's sampling sd (``Survey.scales``): a model
that matches every statistic within one sampling sd is at distance sqrt(k) for k statistics, which
is where the calibration stops by default (closer than the survey can tell is over-fitting noise).

Each simulation draws its own organisation (no common random numbers in the inference: fixing
the organisation's random numbers would make the posterior conditional on one organisation's
accidents, and too narrow). Common random numbers are used where they help: the predictive check
answers the survey with the calibrated model and with the uncalibrated scenario on the same seeds.

Determinism: pyabc's samplers reseed every job from fresh entropy; here every job of generation
``t`` is seeded with ``SeedSequence([seed, t + 1, job])`` instead, and pyabc keeps the first
accepted particles in job order, so the same seed gives the same posterior whatever the number of
workers or the executor (local processes or Dask). Only the count of simulations started (and so the
reported acceptance rate) depends on timing: jobs begun after the population was complete are
cancelled and not used. A job is ``batch`` particles (``particles_per_job``), simulated together as
one ensemble (``sim.engine``; ``_job`` records them, runs them, and replays pyabc's proposals), so
the posterior depends on the batch as well as the seed. The store (pyabc's SQLite history,
``abc.db`` in the output folder) is written after every population; calling again with the same
folder continues from the last one.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import tempfile
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..engine import VARYING, batch_size, ensemble, ensembles, member_kwargs
from ..model import OrgModel
from ..params import BY_NAME, ParameterError
from ..scenario import Scenario, load_scenario
from .survey import (AGREE_CUT, Survey, answer, calibratable, calibratable_param, check_departments, check_levels,
                     read_survey)

DEFAULT_PARAMETERS = ("translation_noise", "rationale", "leadership_consistency", "p_quit", "base_load")
STORE = "abc.db"
SETTINGS = "settings.json"
INVALID = "_invalid"  # a simulation whose parameters the model refused (e.g. champion + defender share > 1)
INSTALL = "pip install 'cascade-sim[calibrate]'"
LEVEL = 0.90  # the posterior and predictive intervals


class CalibrationError(ValueError):
    """Settings a calibration cannot run with; the message is one line."""


# --------------------------------------------------------------------------- the simulation


class Simulator:
    """The scenario's organisation run to the survey's week with some parameters changed, answering
    the survey (``sim.calibrate.survey.answer``). Picklable: it runs in worker processes.
    ``stacked``: run every particle as a member of an ensemble (``sim.engine``), even alone, so that
    its answers do not depend on which others share its ensemble; False: a particle alone runs
    exactly as ``OrgModel`` runs it."""

    def __init__(self, scenario: Scenario, survey: Survey, stacked: bool = False):
        self.kwargs = scenario.model_kwargs()
        self.horizon = scenario.horizon
        self.survey = survey
        self.names = scenario.department_names() if survey.by_department else []
        self.stacked = stacked

    def __call__(self, parameters) -> dict:
        # The job's own stream (seeded per job by _job): the organisation this particle is run on.
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        values = {k: float(v) for k, v in parameters.items()}
        if _particles is not None:  # inside _job: the job's particles are run together
            return _particles.take(self, values, seed)
        return self.run(values, seed)

    def run(self, values: dict, seed) -> dict:
        """One particle's answers: ``values`` on the organisation of ``seed``."""
        return self.answers([(values, seed)])[0]

    def answers(self, particles: list[tuple[dict, object]], size: int | None = None) -> list[dict]:
        """Each particle's answers (a particle: its parameter values and the seed of its
        organisation), the particles that may share an ensemble (``sim.engine.ensembles``) run
        together, at most ``size`` (default: all) in one; ``{INVALID: 1.0}`` for a particle whose
        values the model refuses."""
        out: list[dict] = [{INVALID: 1.0}] * len(particles)
        for group in ensembles([values for values, _ in particles], size or max(len(particles), 1)):
            try:
                engine = ensemble([np.random.default_rng(particles[i][1]) for i in group], stacked=self.stacked,
                                  **{**self.kwargs, **member_kwargs([particles[i][0] for i in group])})
            except ParameterError:
                if len(group) > 1:  # which of them: each alone
                    for i in group:
                        out[i] = self.answers([particles[i]])[0]
                continue
            engine.run(self.horizon)
            for i, member in zip(group, engine.members()):
                out[i] = answer(member, self.survey, self.names)
        return out


class Distance:
    """Euclidean distance of standardised statistics: sqrt(sum(((x - x0) / sd) ** 2))."""

    def __init__(self, scales: dict[str, float]):
        self.scales = dict(scales)

    def __call__(self, x: dict, x0: dict) -> float:
        if INVALID in x:
            return math.inf
        return math.sqrt(sum(((x[k] - x0[k]) / s) ** 2 for k, s in self.scales.items()))


# --------------------------------------------------------------------------- deterministic sampling


class _Particles:
    """The particles of the job being run (``_job``): ``take`` records each particle
    ``Simulator.__call__`` is asked for on the job's first pass (answering with a placeholder that
    pyabc rejects), ``run`` runs them together (``Simulator.answers``), and on the second pass
    ``take`` hands each its answers, checking that it is the particle recorded in that place."""

    def __init__(self):
        self.recorded: list[tuple[dict, int]] = []
        self.simulator: Simulator | None = None
        self.answers: list[dict] | None = None
        self.given = 0

    def take(self, simulator: Simulator, values: dict, seed: int) -> dict:
        if self.answers is None:
            self.simulator = simulator
            self.recorded.append((values, seed))
            return {INVALID: 1.0}  # (distance inf: rejected, and nothing else depends on it)
        if self.given >= len(self.recorded) or self.recorded[self.given] != (values, seed):
            raise RuntimeError("pyabc proposed other particles when a job was replayed than when it was "
                               "recorded: its proposals depend on the simulations' results, and the "
                               "calibration cannot run a job's particles together (use batch=1)")
        self.given += 1
        return self.answers[self.given - 1]

    def run(self) -> None:
        self.answers = self.simulator.answers(self.recorded) if self.recorded else []


_particles: _Particles | None = None  # the job being run in this process (_job), if any


def _job(simulate_one_pickle: bytes, batch_size: int, job_ids: list, seed: int) -> list:
    """pyabc's job (``eps_mixin._global_full_submit_function_pickle``: ``batch_size`` particles,
    each a proposal, a simulation, its distance and acceptance), seeded instead of reseeded from
    fresh entropy, so that the proposals and the simulations of a job depend on (seed, t, job)
    only; and run in two passes, so that the job's simulations run together as ensembles
    (``sim.engine``): the first records the particles pyabc proposes (``_Particles``), which are
    then simulated together, and the second, from the same seed, proposes the same particles again
    and hands each its answers. The proposals draw from the global random streams in the same order
    both times: nothing a proposal draws depends on earlier particles' results (pyabc's uniform
    acceptor and this package's Distance draw no random numbers; ``_Particles`` checks it)."""
    import cloudpickle

    global _particles
    simulate_one = cloudpickle.loads(simulate_one_pickle)
    _particles = particles = _Particles()
    try:
        for replay in (False, True):
            random.seed(seed)
            np.random.seed(seed)
            out = []
            for j in range(batch_size):
                result = simulate_one()
                out.append((result, result.accepted, job_ids[j]))
            if not replay:
                particles.run()
        if particles.given != len(particles.recorded):
            raise RuntimeError("pyabc proposed fewer particles when a job was replayed than when it was recorded")
    finally:
        _particles = None
    return out


class _SeededClient:
    """A futures client (a process pool, a Dask client, or this process) whose ``submit`` runs
    ``_job`` with a seed from (seed, generation, job id) in place of pyabc's unseeded job."""

    def __init__(self, client, seed: int):
        self.client, self.seed, self.t = client, seed, 0

    def submit(self, fn, simulate_one_pickle, batch_size, job_ids):
        from pyabc.sampler.eps_mixin import _global_full_submit_function_pickle

        if fn is not _global_full_submit_function_pickle:  # pyabc changed its job: do not guess
            raise RuntimeError("pyabc's sampler job is not the one sim.calibrate seeds; check the pyabc version")
        seed = int(np.random.SeedSequence([self.seed, self.t + 1, job_ids[0]]).generate_state(1)[0])
        return self.client.submit(_job, simulate_one_pickle, batch_size, job_ids, seed)

    def ncores(self):  # pyabc's Dask sampler counts the cluster's cores through this
        return self.client.ncores()


class _Here:
    """Runs a job at once in this process (one worker)."""

    @staticmethod
    def submit(fn, *args):
        future: Future = Future()
        future.set_result(fn(*args))
        return future


def _deterministic(base):
    """pyabc's sampler ``base`` with seeded jobs and a report after every population."""

    class Seeded(base):
        report: Callable | None = None

        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
            self.client.t = t
            start = time.perf_counter()
            sample = super().sample_until_n_accepted(n, simulate_one, t, **kwargs)
            if self.report is not None and t >= 0:
                self.report(t, self.nr_evaluations_, time.perf_counter() - start)
            return sample

    Seeded.__name__ = f"Seeded{base.__name__}"
    return Seeded


def _sampler(executor: str, workers: int | None, scheduler: str | None, seed: int, batch: int):
    """A seeded pyabc sampler on local processes (sim.sweep's pool, sim.parallel's workers), a Dask
    cluster (pyabc's Dask sampler), or this process, whose jobs are of ``batch`` particles; and the
    executor to close afterwards."""
    from pyabc.sampler import ConcurrentFutureSampler, DaskDistributedSampler

    from ..sweep.executors import Dask, Processes, make_executor

    pool = make_executor(executor, workers, scheduler)
    if isinstance(pool, Dask):
        sampler = _deterministic(DaskDistributedSampler)(_SeededClient(pool.client, seed), batch_size=batch)
    elif isinstance(pool, Processes):
        sampler = _deterministic(ConcurrentFutureSampler)(_SeededClient(pool.pool, seed),
                                                          client_max_jobs=pool.workers, batch_size=batch)
    else:
        sampler = _deterministic(ConcurrentFutureSampler)(_SeededClient(_Here(), seed), client_max_jobs=1,
                                                          batch_size=batch)
    return sampler, pool


# --------------------------------------------------------------------------- priors and settings


def priors_for(scenario: Scenario, parameters) -> dict[str, tuple[float, float]]:
    """Each parameter's uniform prior: its range in sim.params, or the scenario's ``priors``."""
    out = {}
    for name in parameters:
        try:
            p = calibratable_param(name, "parameters")
        except ValueError as exc:
            raise CalibrationError(str(exc)) from None
        low, high = scenario.priors.get(name, (p.low, p.high))
        out[name] = (float(low), float(high))
    return out


def _deepest(scenario: Scenario) -> int:
    chart = scenario.chart()
    return int(chart.depth.max()) if chart is not None else scenario.params.layers + 1


def prepare(scenario, survey, parameters=None) -> tuple[Scenario, Survey, dict]:
    """The scenario and survey loaded and checked against each other (levels, facts, horizon), and
    the priors of the parameters to calibrate; raises ``SurveyError`` or ``CalibrationError``."""
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    survey = survey if isinstance(survey, Survey) else read_survey(survey)
    survey = survey.with_facts({**survey.facts, **scenario.survey_facts})
    what = f"the organisation of {scenario.name}"
    check_levels(survey, _deepest(scenario), what)
    if survey.by_department:
        org = OrgModel(np.random.default_rng(0), **scenario.model_kwargs()).org  # the structure is fixed
        check_departments(survey, org, scenario.department_names(), what)
    if survey.facts and scenario.horizon < 52:
        raise CalibrationError(f"{scenario.name}: survey_facts ({', '.join(survey.facts)}) are over the last "
                               f"52 weeks, but the horizon (the survey's week) is {scenario.horizon}")
    parameters = list(dict.fromkeys(parameters or DEFAULT_PARAMETERS))
    return scenario, survey, priors_for(scenario, parameters)


def particles_per_job(scenario: Scenario, priors: dict, population_size: int, batch: int | None = None) -> int:
    """The particles a job simulates together as one ensemble (``sim.engine``): ``batch``, by default
    as many organisations as make about ``BATCH_PEOPLE`` people, at most ``population_size``; 1
    (each alone, as ``OrgModel`` runs it) where a calibrated parameter is not one the members of an
    ensemble may differ in (``sim.engine.VARYING``): every particle has its own value of it."""
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1):
        raise CalibrationError(f"batch = {batch!r} is not allowed: expected a whole number of at least 1 "
                               f"(particles per ensemble)")
    return min(batch_size(scenario.people, batch), population_size) if set(priors) <= set(VARYING) else 1


def _settings(scenario: Scenario, survey: Survey, priors: dict, population_size: int, seed: int,
              batch: int) -> dict:
    """What a stored calibration must match to be continued (``batch``: particles per job, which
    decides which particles are proposed, and so the posterior)."""
    return {"scenario": scenario.to_dict(resolved=True), "survey": survey.observed(),
            "priors": {k: list(v) for k, v in priors.items()}, "population_size": population_size,
            "seed": seed, "batch": batch}


def _same(a: dict, b: dict) -> bool:
    a, b = ({"batch": 1, **x} for x in (a, b))  # (calibrations stored before batches ran a particle a job)
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def unfinished(base, scenario, survey, parameters=None, population_size: int = 200,
               seed: int | None = None, batch: int | None = None) -> tuple[Path, int] | None:
    """The newest folder under ``base`` holding an interrupted calibration with these settings (of
    any seed when ``seed`` is None), and its seed; None if there is none."""
    base = Path(base)
    if not base.is_dir():
        return None
    scenario, survey, priors = prepare(scenario, survey, parameters)
    want = _settings(scenario, survey, priors, population_size, seed,
                     particles_per_job(scenario, priors, population_size, batch))
    for folder in sorted((f for f in base.iterdir() if f.is_dir()), reverse=True):
        if (folder / "report.html").exists() or not (folder / STORE).exists():
            continue
        try:
            have = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if _same({**have, "seed": None}, {**want, "seed": None}) and seed in (None, have.get("seed")):
            return folder, int(have["seed"])
    return None


# --------------------------------------------------------------------------- the calibration


Progress = Callable[[dict], None]


def calibrate(scenario, survey, parameters=None, populations: int = 8, population_size: int = 200,
              executor: str = "local", workers: int | None = 1, scheduler: str | None = None,
              seed: int | None = None, directory=None, minimum_epsilon: float | None = None,
              min_acceptance_rate: float = 0.02, progress: Progress | None = None,
              batch: int | None = None) -> "Calibration":
    """Calibrate ``parameters`` (default ``DEFAULT_PARAMETERS``) of ``scenario`` (a Scenario, a file
    or a bundled name) to ``survey`` (a Survey or a survey CSV) by ABC-SMC.

    ``populations``: at most this many ABC-SMC generations of ``population_size`` accepted
    particles; it stops sooner once epsilon reaches ``minimum_epsilon`` (default sqrt(k), k the
    number of survey statistics) or the acceptance rate falls below ``min_acceptance_rate``.
    ``executor``/``workers``/``scheduler`` as for ``sim.sweep``. ``directory``: where pyabc's store
    is kept (a temporary folder if None); a folder holding an unfinished calibration with the same
    settings is continued. ``progress`` receives a dict after every population (population,
    populations, epsilon, acceptance_rate of that population, simulations so far, seconds,
    eta_seconds: the time left if every remaining population is run).
    ``batch``: particles simulated together as one ensemble (``sim.engine``; a pyabc job of that
    many particles: ``particles_per_job``; default: as many organisations as make about
    ``BATCH_PEOPLE`` people); 1 runs each alone as ``OrgModel`` does. The posterior is the same
    for any number of workers and executor; it depends on ``batch`` (which particles a job
    proposes), and a member of an ensemble answers as its run alone would to about 1e-15.
    """
    try:
        import pyabc
    except ImportError:
        raise CalibrationError(f"calibration needs pyabc, which is not installed: {INSTALL}") from None
    scenario, survey, priors = prepare(scenario, survey, parameters)
    if populations < 1 or population_size < 2:
        raise CalibrationError("populations must be at least 1 and population_size at least 2")
    batch = particles_per_job(scenario, priors, population_size, batch)
    if seed is None:
        from ..runner import fresh_seed

        seed = scenario.seed if scenario.seed is not None else fresh_seed()
    observed = survey.observed()
    if minimum_epsilon is None:
        minimum_epsilon = math.sqrt(len(observed))
    temporary = directory is None
    folder = Path(tempfile.mkdtemp(prefix="cascade-abc-")) if temporary else Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / STORE
    settings = _settings(scenario, survey, priors, population_size, seed, batch)
    resumed = store.exists()
    if resumed:
        try:
            before = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            before = None
        if before is None or not _same(before, settings):
            raise CalibrationError(f"{folder}: holds a calibration with other settings (scenario, survey, "
                                   f"parameters, population size or seed); use another folder")
    else:
        (folder / SETTINGS).write_text(json.dumps(settings, indent=1, default=str), encoding="utf-8")

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in priors.items()})
    sampler, pool = _sampler(executor, workers, scheduler, seed, batch)
    people = int(scenario.people)
    start = time.perf_counter()
    abc_logger = logging.getLogger("ABC")
    level = abc_logger.level
    abc_logger.setLevel(logging.WARNING)  # pyabc's own INFO lines: the caller's progress says it
    saved = np.random.get_state()
    np.random.seed(np.random.SeedSequence([seed, 0]).generate_state(1)[0])  # pyabc reads the global stream
    try:
        abc = pyabc.ABCSMC(Simulator(scenario, survey, stacked=batch > 1), prior, Distance(survey.scales(people)),
                           population_size=population_size, sampler=sampler)
        if resumed:
            abc.load("sqlite:///" + str(store), 1)
        else:
            abc.new("sqlite:///" + str(store), observed)
        done = abc.history.n_populations if resumed else 0
        times: list[float] = []
        total = [abc.history.total_nr_simulations if resumed else 0]

        def report(t, simulations, seconds):
            times.append(seconds)
            total[0] += simulations
            left = populations - (t + 1)
            if progress:
                progress({"population": t + 1, "populations": populations, "epsilon": float(abc.eps(t)),
                          "acceptance_rate": population_size / max(simulations, 1),
                          "simulations": total[0], "seconds": time.perf_counter() - start,
                          "eta_seconds": left * float(np.mean(times[-3:]))})

        sampler.report = report
        if done < populations:
            abc.run(minimum_epsilon=minimum_epsilon, max_nr_populations=populations - done,
                    min_acceptance_rate=min_acceptance_rate)
        history = abc.history
        frame, weights = history.get_distribution(m=0, t=history.max_t)
        posterior = frame[list(priors)].reset_index(drop=True).astype(float)
        posterior["weight"] = np.asarray(weights, dtype=float) / np.sum(weights)
        pops = history.get_all_populations()
        prior_sample = int(pops.loc[pops["t"] < 0, "samples"].sum())  # pyabc's first epsilon comes from it
        pops = pops[pops["t"] >= 0][["t", "epsilon", "samples"]].rename(
            columns={"t": "population", "samples": "simulations"}).reset_index(drop=True)
        pops["population"] += 1
        pops["acceptance_rate"] = population_size / pops["simulations"]
    finally:
        np.random.set_state(saved)
        abc_logger.setLevel(level)
        pool.close()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    return Calibration(scenario, survey, priors, posterior, pops, seed, population_size,
                       time.perf_counter() - start, meta={"resumed_at": done if resumed else None,
                                                          "minimum_epsilon": minimum_epsilon,
                                                          "prior_sample": prior_sample, "batch": batch})


# --------------------------------------------------------------------------- the result


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of a weighted sample (the weighted empirical distribution, interpolated)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, cum, v)


def identifiability(ratio: float) -> str:
    """The posterior's 90% interval as a share of the prior's, in words."""
    if ratio < 0.5:
        return "well constrained by the survey"
    if ratio < 0.8:
        return "partly constrained by the survey"
    return "not constrained by the survey (posterior close to the prior)"


@dataclass
class Calibration:
    """A finished calibration: ``posterior`` (a row per particle of the last population, with its
    ``weight``), ``populations`` (epsilon, simulations and acceptance rate of each generation)."""

    base: Scenario
    survey: Survey
    priors: dict
    posterior: pd.DataFrame
    populations: pd.DataFrame
    seed: int
    population_size: int
    elapsed: float = 0.0
    meta: dict = field(default_factory=dict)
    _predictive: tuple[int, pd.DataFrame] | None = field(default=None, init=False, repr=False)

    @property
    def parameters(self) -> list[str]:
        return list(self.priors)

    @property
    def simulations(self) -> int:
        """Every simulation run: the populations' and the prior sample pyabc sets its first epsilon on."""
        return int(self.populations["simulations"].sum()) + int(self.meta.get("prior_sample", 0))

    def summary(self) -> pd.DataFrame:
        """Per parameter: the prior's range and the posterior's median and 90% interval; ``ratio``,
        the posterior interval's width over the prior's 90% interval's, and what that says."""
        rows = []
        tail = (1 - LEVEL) / 2
        for name, (lo, hi) in self.priors.items():
            med, low, high = weighted_quantiles(self.posterior[name], self.posterior["weight"], [0.5, tail, 1 - tail])
            ratio = (high - low) / (LEVEL * (hi - lo))
            rows.append({"parameter": name, "default": BY_NAME[name].default,
                         "scenario": getattr(self.base.params, name), "prior_low": lo, "prior_high": hi,
                         "median": med, "low": low, "high": high, "ratio": ratio,
                         "identifiability": identifiability(ratio)})
        return pd.DataFrame(rows).set_index("parameter")

    def medians(self) -> dict[str, float]:
        """The posterior medians, to 4 significant figures."""
        return {k: float(f"{v:.4g}") for k, v in self.summary()["median"].items()}

    def scenario(self) -> Scenario:
        """The scenario with every calibrated parameter at its posterior median."""
        values = self.medians()
        described = (f"{self.base.description}\n\nCalibrated to {self.survey.source} "
                     f"(posterior medians of {', '.join(values)}; seed {self.seed}).").strip()
        return self.base.model_copy(update={"name": f"{self.base.name}_calibrated", "description": described,
                                            "parameters": {**self.base.parameters, **values}})

    def draws(self, n: int, rng) -> pd.DataFrame:
        """``n`` parameter sets drawn from the posterior by weight."""
        rng = np.random.default_rng(rng)
        rows = rng.choice(len(self.posterior), size=n, p=self.posterior["weight"].to_numpy())
        return self.posterior.iloc[rows][self.parameters].reset_index(drop=True)

    def predictive(self, draws: int = 40) -> pd.DataFrame:
        """The survey as the calibrated model answers it: for ``draws`` posterior draws, a run of
        the organisation and the survey's sample of it (a binomial sample of the survey's size per
        statistic), with the median and the 90% interval of those answers beside the survey's own;
        ``default``: the uncalibrated scenario's median answer on the same seeds (common random
        numbers), run in ensembles of the calibration's batch. Computed once."""
        if self._predictive is not None and self._predictive[0] == draws:
            return self._predictive[1].copy()
        root = np.random.SeedSequence([self.seed, 2])
        pick, sample, *seeds = root.spawn(2 + draws)
        values = self.draws(draws, pick)
        batch = int(self.meta.get("batch", 1))
        runs = [run for i in range(draws) for run in ((values.iloc[i].to_dict(), seeds[i]), ({}, seeds[i]))]
        answers = Simulator(self.base, self.survey, stacked=batch > 1).answers(runs, batch)
        rng = np.random.default_rng(sample)
        cells = {c.key: c for c in self.survey.cells}
        calibrated, default = [], []
        for k, answered in enumerate(answers):  # (in turn: the calibrated draw i, then the scenario's)
            (default if k % 2 else calibrated).append(
                {key: (rng.binomial(cells[key].n, v) / cells[key].n if key in cells else v)
                 for key, v in answered.items() if key != INVALID})
        cal, dft = pd.DataFrame(calibrated), pd.DataFrame(default)
        scales = self.survey.scales(int(self.base.people))
        tail = (1 - LEVEL) / 2
        rows = []
        ordinal = any(c.cut != AGREE_CUT for c in self.survey.cells)
        for key, obs in self.survey.observed().items():
            c = cells.get(key)
            low, med, high = np.quantile(cal[key], [tail, 0.5, 1 - tail])
            where = {"item": c.item if c else key, "level": c.group if c else "organisation",
                     **({"department": c.department if c else ""} if self.survey.by_department else {}),
                     **({"answer": f">={c.cut}" if c else ""} if ordinal else {})}
            rows.append({"statistic": key, **where,
                         "respondents": c.n if c else np.nan, "observed": obs,
                         "observed_sd": scales[key], "median": med, "low": low, "high": high,
                         "inside": bool(low <= obs <= high), "default": float(np.median(dft[key]))})
        table = pd.DataFrame(rows)
        self._predictive = (draws, table)
        return table.copy()

    def info(self) -> dict:
        from .. import __version__

        return {"scenario": self.base.name, "source": self.base.source, "survey": self.survey.source,
                "respondents": self.survey.respondents, "facts": self.survey.facts,
                "parameters": self.parameters, "priors": {k: list(v) for k, v in self.priors.items()},
                "seed": self.seed, "population_size": self.population_size,
                "populations": len(self.populations), "simulations": self.simulations,
                "elapsed_seconds": round(self.elapsed, 3), "cascade-sim": __version__, **self.meta}

    def save(self, directory, draws: int = 40) -> Path:
        """Write the calibration's files into ``directory`` (beside pyabc's store, if it is there):
        posterior.parquet, populations.csv, summary.csv, predictive.csv, calibrated.yaml,
        calibration.json, figures/*.png and report.html (written last: a folder with it is finished)."""
        from ..report import save_figures
        from ..report.calibration import calibration_figures, calibration_report

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.posterior.to_parquet(directory / "posterior.parquet", index=False)
        self.populations.to_csv(directory / "populations.csv", index=False)
        self.summary().to_csv(directory / "summary.csv")
        self.predictive(draws).to_csv(directory / "predictive.csv", index=False)
        head = (f"# Calibrated to {self.survey.source}: posterior medians of {', '.join(self.parameters)}\n"
                f"# (docs/SURVEYS.md). `cascade run <this file>` runs the calibrated organisation.\n")
        (directory / "calibrated.yaml").write_text(head + self.scenario().to_yaml(resolved=True), encoding="utf-8")
        (directory / "calibration.json").write_text(json.dumps(self.info(), indent=2, default=str) + "\n")
        figures = save_figures(calibration_figures(self, draws), directory / "figures")
        (directory / "report.html").write_text(calibration_report(self, figures, draws), encoding="utf-8")
        return directory


def read_posterior(directory) -> pd.DataFrame:
    """A calibration folder's posterior (posterior.parquet: a column per parameter and ``weight``),
    checked: known parameters with values in their ranges, weights >= 0 that sum to more than 0."""
    path = Path(directory) / "posterior.parquet"
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{directory}: not a calibration folder (cascade calibrate writes "
                               f"posterior.parquet there): {str(exc).splitlines()[0][:160]}") from None
    names = [c for c in frame.columns if c != "weight"]
    if "weight" not in frame or not names or len(frame) == 0:
        raise CalibrationError(f"{path}: expected a column per parameter and a weight column, and at least one row")
    for name in names:
        if not calibratable(name):
            raise CalibrationError(f"{path}: column {name!r} is not a calibratable parameter")
        p, values = BY_NAME[name], pd.to_numeric(frame[name], errors="coerce")
        if not values.between(p.low, p.high).all():
            raise CalibrationError(f"{path}: column {name}: values outside the parameter's range "
                                   f"[{p.low:g}, {p.high:g}]")
    weights = pd.to_numeric(frame["weight"], errors="coerce")
    if not (np.isfinite(weights) & (weights >= 0)).all() or weights.sum() <= 0:
        raise CalibrationError(f"{path}: column weight: expected numbers >= 0 that sum to more than 0")
    return frame.astype(float)


__all__ = ["calibrate", "prepare", "read_posterior", "unfinished", "particles_per_job", "Calibration",
           "CalibrationError", "DEFAULT_PARAMETERS", "Simulator", "Distance", "priors_for", "weighted_quantiles", "identifiability"]
