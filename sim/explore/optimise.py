"""Robust lever plans: search the levers of a sweep spec for the Pareto front of outcomes (and cost),
each plan judged over the same sample of the spec's uncertainties with common random numbers.

A *plan* is a value for each lever. It runs at each of ``scenarios`` points of the uncertainties (a
Latin hypercube drawn from the spec's own seed, the same for every plan) with the spec's
replications, on the seeds a sweep would use (replication ``rep`` of every run shares its random
numbers): the plans' differences are not blurred by different luck. Its *robust* value of an
outcome is a percentile over those scenarios of the outcome's mean over replications: the
``robustness``-th percentile from the bad side (10: the value that 90% of the scenarios do at least
as well as). With ``timing``, each lever's start week is searched too (week 0: from the start;
week w: the base scenario's value until week w, then the plan's, as an intervention).

A plan's *scenario* is the spec's base scenario with the plan's lever values (``plan_scenario``):
what its runs run and what its file says. When the base scenario has a ``costs`` section, cost is
one more objective to minimise: the plan scenario's cost by the project's one cost model,
``sim.costs.costs(scenario)["total"]`` (deterministic, so the same in every scenario of the
uncertainties).

The search is Optuna's NSGA-II (multi-objective, seeded: the same front for the same seed, whatever
the executor or the number of workers), asked a generation of plans at a time and told their robust
values; the plans run on the sweep executors (local processes or Dask). The front is the
non-dominated plans; each can be written as a scenario file for `cascade compare`.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from SALib.sample import latin

from ..costs import costs
from ..report import COLORS, _head, _img, plt, save_figures
from ..scenario import InterventionSpec, Scenario
from ..sweep.analysis import _table
from ..sweep.design import _scale, problem
from ..sweep.engine import run_batch
from ..sweep.executors import make_executor
from ..sweep.spec import SweepError, SweepSpec, load_spec, outputs

SENSES = ("max", "min")


def _optuna():
    try:
        import optuna
    except ImportError:
        raise SweepError("lever optimisation needs Optuna: pip install 'cascade-sim[explore]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def pareto_search(evaluate: Callable[[list[dict]], list[tuple[float, ...]]], space: dict[str, tuple],
                  senses: tuple[str, ...], trials: int, population: int, seed: int) -> pd.DataFrame:
    """NSGA-II (Optuna) over ``space`` (``{name: (low, high)}``: a float range, or an int range if
    both ends are ints; ``{name: [values]}``: a choice), ``trials`` plans in generations of
    ``population``; ``evaluate`` takes a generation's plans and returns their objective values (in
    the order of ``senses``). Returns every plan tried, with its values and ``front`` (True for the
    non-dominated ones), in the order tried."""
    optuna = _optuna()
    directions = ["maximize" if s == "max" else "minimize" for s in senses]
    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    study = optuna.create_study(directions=directions, sampler=sampler)
    rows = []
    while len(rows) < trials:
        batch = [study.ask() for _ in range(min(population, trials - len(rows)))]
        plans = [{name: _suggest(trial, name, values) for name, values in space.items()} for trial in batch]
        for trial, plan, values in zip(batch, plans, evaluate(plans)):
            study.tell(trial, list(values) if all(map(math.isfinite, values)) else None,
                       state=None if all(map(math.isfinite, values)) else optuna.trial.TrialState.FAIL)
            rows.append({**plan, **{f"objective_{k}": v for k, v in enumerate(values)}})
    table = pd.DataFrame(rows)
    table["front"] = front_mask(table[[f"objective_{k}" for k in range(len(senses))]].to_numpy(), senses)
    return table


def _suggest(trial, name, values):
    if isinstance(values, list):
        return trial.suggest_categorical(name, values)
    low, high = values
    if isinstance(low, int) and isinstance(high, int):
        return trial.suggest_int(name, low, high)
    return trial.suggest_float(name, float(low), float(high))


def front_mask(values: np.ndarray, senses) -> np.ndarray:
    """True for the rows no other row dominates (at least as good in every objective, better in one),
    the first of rows with equal values only; rows with a NaN are never on the front."""
    signs = np.array([-1.0 if s == "max" else 1.0 for s in senses])
    v = values * signs  # everything minimised
    finite = np.isfinite(v).all(axis=1)
    out = np.zeros(len(v), dtype=bool)
    for i in np.flatnonzero(finite):
        others = v[finite]
        dominated = ((others <= v[i]).all(axis=1) & (others < v[i]).any(axis=1)).any()
        repeated = (v[:i][finite[:i]] == v[i]).all(axis=1).any()
        out[i] = not dominated and not repeated
    return out


@dataclass
class Front:
    """Every plan tried (``plans``), the front (``front``: the non-dominated plans, best first by the
    first objective), the objectives, and how robustness was measured."""

    spec: SweepSpec
    objectives: list[tuple[str, str]]  # (outcome or "cost", "max" | "min")
    plans: pd.DataFrame
    robustness: int
    scenarios: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    directory: Path | None = None  # where the files were written

    @property
    def front(self) -> pd.DataFrame:
        first, sense = self.objectives[0]
        return (self.plans[self.plans["front"]].sort_values(first, ascending=sense == "min", kind="stable")
                .reset_index(drop=True))

    def scenario(self, k: int) -> Scenario:
        """Plan ``k`` of the front as a scenario (``plan_scenario``), named and described."""
        row = self.front.loc[k]
        plan = {n: _plain(row[n]) for n in (*self.levers, *(f"{n}_week" for n in self.levers)) if n in row.index}
        said = ", ".join((f"{n} = {plan[n]:.4g}" if isinstance(plan[n], float) else f"{n} = {plan[n]}")
                         + (f" from week {plan[f'{n}_week']}" if plan.get(f"{n}_week") else "") for n in self.levers)
        return plan_scenario(self.spec.scenario, plan, self.levers).model_copy(
            update={"name": f"{self.spec.name}-plan-{k + 1}",
                    "description": f"A robust lever plan from cascade optimise: {said}"})

    @property
    def levers(self) -> list[str]:
        return [n for n in self.spec.parameters if self.spec.roles.get(n) == "lever"]


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def plan_scenario(scenario: Scenario, plan: dict, levers) -> Scenario:
    """``scenario`` with a plan's lever values: from week 0 as parameters, or, for a lever with a
    start week ``plan[<lever>_week]`` w > 0 (searched with ``timing``), from week w as an
    intervention, merged with the scenario's own intervention of that week (the plan's values win)."""
    weeks = {n: int(plan.get(f"{n}_week", 0)) for n in levers}
    later: dict[int, dict] = {}
    for n in levers:
        if weeks[n]:
            later.setdefault(weeks[n], {})[n] = plan[n]
    interventions = []
    for iv in scenario.interventions:
        changes = later.pop(iv.week, None)
        interventions.append(iv if changes is None else iv.model_copy(update={"changes": {**iv.changes, **changes}}))
    interventions += [InterventionSpec(week=w, changes=c) for w, c in later.items()]
    return scenario.model_copy(update={
        "parameters": {**scenario.parameters, **{n: plan[n] for n in levers if not weeks[n]}},
        "interventions": tuple(sorted(interventions, key=lambda iv: iv.week))})


def optimise(spec: SweepSpec | str | Path, maximise=("alignment_mean",), minimise=("fatigue_mean",),
             trials: int = 64, population: int = 16,
             scenarios: int = 8, robustness: int = 10, seed: int = 0, timing: bool = False, executor: str = "local",
             workers: int | None = None, scheduler: str | None = None, out: str | Path | None = None,
             write: bool = True) -> Front:
    """Search the spec's levers for the Pareto front of the ``maximise`` and ``minimise`` outcomes'
    robust values (and of cost, if the spec's base scenario has a ``costs`` section), over
    ``scenarios`` points of its uncertainties. Writes ``front.csv``, ``plans.csv``,
    ``scenarios.csv``, a figure, ``index.html`` and ``plan-<k>.yaml`` for each plan of the front
    to ``out`` (default ``results/<name>-optimise``)."""
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    levers = [n for n in spec.parameters if spec.roles.get(n) == "lever"]
    uncertain = [n for n in spec.parameters if spec.roles.get(n) != "lever"]
    if not levers:
        raise SweepError(f"{spec.name}: no levers to optimise: name them under levers: in the spec")
    metrics, _ = outputs(spec.scenario)
    objectives = [(m, "max") for m in maximise] + [(m, "min") for m in minimise]
    if not objectives:
        raise SweepError("optimise: give at least one outcome to maximise or minimise")
    for m, _ in objectives:
        if m not in metrics:
            raise SweepError(f"outcome {m[:60]!r} is not a summary metric; allowed: {', '.join(metrics)}")
    if spec.scenario.costs:
        objectives.append(("cost", "min"))
    for what, value, low in (("trials", trials, 1), ("population", population, 2), ("scenarios", scenarios, 1)):
        if not isinstance(value, int) or value < low:
            raise SweepError(f"{what} = {value!r} is not allowed: expected an integer >= {low}")
    if not 0 <= robustness <= 50:
        raise SweepError(f"robustness = {robustness!r} is not allowed: expected a percentile in [0, 50]")
    points = _scenarios(spec, uncertain, scenarios)
    space = {n: (list(v) if isinstance(v, tuple) else (v.low, v.high)) for n, v in spec.parameters.items() if n in levers}
    if timing:
        space.update({f"{n}_week": (0, spec.horizon - 1) for n in levers})
    base, reps = spec.scenario, spec.replications
    kwargs = base.model_kwargs()

    with make_executor(executor, workers, scheduler) as ex:
        def evaluate(plans: list[dict]) -> list[tuple[float, ...]]:
            planned = [plan_scenario(base, plan, levers) for plan in plans]
            runs = [(p * scenarios * reps + s * reps + r, p * scenarios + s, r,
                     {**points.iloc[s].to_dict(), **_run_values(plan, levers, planned[p], base)})
                    for p, plan in enumerate(plans) for s in range(scenarios) for r in range(reps)]
            # each (plan, scenario)'s replications as one ensemble (sim.engine), as a sweep runs them
            batches = [(spec.entropy, kwargs, spec.horizon, None, runs[i:i + reps], True)
                       for i in range(0, len(runs), reps)]
            records = [rec for result in ex.map_unordered(run_batch, batches) for rec, _ in result]
            table = pd.DataFrame(records).sort_values("run")
            out = []
            for p in range(len(plans)):
                runs_p = table[table["point"] // scenarios == p]
                values = []
                for m, sense in objectives:
                    if m == "cost":
                        values.append(costs(planned[p])["total"])
                        continue
                    ok = runs_p[runs_p["status"] == "ok"]
                    if len(ok) < len(runs_p):  # a failed run: the plan cannot be judged
                        values.append(math.nan)
                        continue
                    per_scenario = ok.groupby("point")[m].mean().to_numpy()
                    q = robustness if sense == "max" else 100 - robustness
                    values.append(float(np.percentile(per_scenario, q)))
                out.append(tuple(values))
            return out

        plans = pareto_search(evaluate, space, tuple(s for _, s in objectives), trials, population, seed)
    plans = plans.rename(columns={f"objective_{k}": m for k, (m, _) in enumerate(objectives)})
    plans.index.name = "trial"
    found = Front(spec, objectives, plans.reset_index(), robustness, points)
    if plans[[m for m, _ in objectives]].isna().any(axis=1).any():
        found.notes.append(f"{int(plans[[m for m, _ in objectives]].isna().any(axis=1).sum())} plans had a "
                           "failed run and were left out of the front")
    if spec.scenario.costs and plans["cost"].nunique() == 1:
        found.notes.append(f"every plan costs the same ({plans['cost'].iloc[0]:,.0f}): the base scenario's costs "
                           f"section ({', '.join(spec.scenario.costs)}) prices none of the levers searched")
    if write:
        found.directory = Path(out) if out else Path("results") / f"{spec.name}-optimise"
        _write(found, found.directory)
    return found


def _run_values(plan: dict, levers: list[str], scenario: Scenario, base: Scenario) -> dict:
    """A plan as a run's values: the levers that start at week 0, and the plan scenario's
    interventions if the plan changed the base scenario's."""
    now = {n: plan[n] for n in levers if not plan.get(f"{n}_week", 0)}
    if scenario.interventions == base.interventions:
        return now
    return {**now, "interventions": scenario.model_kwargs()["interventions"]}


def _scenarios(spec: SweepSpec, names: list[str], n: int) -> pd.DataFrame:
    """``n`` points of the uncertainties (a Latin hypercube from the spec's seed), or one empty
    scenario (the base) if the spec names none."""
    if not names:
        return pd.DataFrame(index=range(1))
    rng = np.random.default_rng(np.random.SeedSequence(spec.entropy, spawn_key=(2 ** 31,)))  # not a run's
    u = latin.sample(problem(names), n, seed=rng)
    return pd.DataFrame({name: _scale(name, spec.parameters[name], u[:, j]) for j, name in enumerate(names)})


def _write(found: Front, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    front = found.front
    front.to_csv(out / "front.csv", index=False)
    found.plans.to_csv(out / "plans.csv", index=False)
    found.scenarios.to_csv(out / "scenarios.csv", index=False)
    for k in range(len(front)):
        (out / f"plan-{k + 1}.yaml").write_text(found.scenario(k).to_yaml(resolved=True), encoding="utf-8")
    paths = save_figures({"front": _front_figure(found)}, out / "figures")
    (out / "index.html").write_text(_page(found, paths), encoding="utf-8")


def _front_figure(found: Front):
    names = [m for m, _ in found.objectives]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]] or [(names[0], names[0])]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.4 * len(pairs), 3.8), squeeze=False)
    plans, front = found.plans, found.front
    for ax, (a, b) in zip(axes[0], pairs):
        ax.scatter(plans[a], plans[b], s=10, color="#bbb", label="plans tried")
        ax.scatter(front[a], front[b], s=22, color=COLORS[3], label="front")
        for k, r in front.iterrows():
            ax.annotate(str(k + 1), (r[a], r[b]), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"Robust lever plans of {found.spec.name}: the Pareto front (numbers: plan-<k>.yaml)", fontsize=10)
    fig.tight_layout()
    return fig


def _page(found: Front, figures) -> str:
    senses = ", ".join(f"{'maximise' if s == 'max' else 'minimise'} {html.escape(m)}" for m, s in found.objectives)
    parts = [_head(f"Robust lever plans: {found.spec.name}"),
             f"<h1>Robust lever plans: {html.escape(found.spec.name)}</h1>",
             f"<p>{senses}. Each plan (a value for each lever: {', '.join(found.levers)}) ran at the same "
             f"{len(found.scenarios)} points of the uncertainties with {found.spec.replications} replications on "
             f"common random numbers; an outcome's robust value is the {found.robustness}th percentile over the "
             "scenarios from the bad side (the value 90% of them reach or beat, for 10)"
             + ("; cost: each plan's scenario's by its costs section (<code>sim.costs</code>: "
                f"{html.escape(', '.join(found.spec.scenario.costs))})" if found.spec.scenario.costs else "")
             + f". NSGA-II (Optuna), {len(found.plans)} plans tried; the front: "
             f"{len(found.front)} plans, each as plan-&lt;k&gt;.yaml for <code>cascade compare</code>.</p>"]
    for note in found.notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append("<h2>The front</h2>" + _table(found.front.drop(columns=["front"])))
    for name, path in figures.items():
        parts.append(_img(path, name))
    parts.append("<h2>The scenarios (uncertainties)</h2>" + _table(found.scenarios))
    parts.append("</body></html>\n")
    return "\n".join(parts)


__all__ = ["optimise", "pareto_search", "front_mask", "plan_scenario", "Front", "SENSES"]
