"""Robust lever plans: search the levers of a sweep spec for the Pareto front of outcomes (and cost),
each plan judged over the same sample of the spec's uncertainties with common random numbers.

A *plan* is a value for each lever. It runs at each of ``scenarios`` points of the uncertainties (a
Latin hypercube drawn from the spec's own seed, the same for every plan) with the spec's
replications, on the seeds a sweep would use (replication ``rep`` of every run shares its random
numbers): the plans' differences are not blurred by different luck. Its *robust* value of an
outcome is a percentile over those scenarios of the outcome's mean over replications: the
``robustness``-th percentile from the bad side (10: the value that 90% of the scenarios do at least
as well as). Cost is the sum over levers of ``cost per unit x (value - the lever's low end)``.
With ``timing``, each lever's start week is searched too (week 0: from the start; week w: the base
scenario's value until week w, then the plan's, as an intervention), and a lever's cost is prorated
by the share of the horizon it is on.

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

from ..model import Intervention
from ..report import COLORS, _head, _img, plt, save_figures
from ..sweep.analysis import _table
from ..sweep.design import _scale, problem
from ..sweep.engine import run_batch
from ..sweep.executors import make_executor
from ..sweep.spec import Range, SweepError, SweepSpec, load_spec, outputs

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
    costs: dict[str, float]
    notes: list[str] = field(default_factory=list)
    directory: Path | None = None  # where the files were written

    @property
    def front(self) -> pd.DataFrame:
        first, sense = self.objectives[0]
        return (self.plans[self.plans["front"]].sort_values(first, ascending=sense == "min", kind="stable")
                .reset_index(drop=True))

    def scenario(self, k: int):
        """Plan ``k`` of the front as a scenario: the spec's base with the plan's lever values (from
        their start weeks, as interventions, when the timing was searched)."""
        from ..scenario import InterventionSpec

        sc, row = self.spec.scenario, self.front.loc[k]
        plan = {lever: _plain(row[lever]) for lever in self.levers}
        weeks = {lever: int(row.get(f"{lever}_week", 0)) for lever in self.levers}
        now = {n: v for n, v in plan.items() if weeks[n] == 0}
        later = [InterventionSpec(week=w, changes={n: v for n, v in plan.items() if weeks[n] == w})
                 for w in sorted(set(weeks.values()) - {0})]
        said = ", ".join((f"{n} = {v:.4g}" if isinstance(v, float) else f"{n} = {v}")
                         + (f" from week {weeks[n]}" if weeks[n] else "") for n, v in plan.items())
        return sc.model_copy(update={"parameters": {**sc.parameters, **now},
                                     "interventions": (*sc.interventions, *later),
                                     "name": f"{self.spec.name}-plan-{k + 1}",
                                     "description": f"A robust lever plan from cascade optimise: {said}"})

    @property
    def levers(self) -> list[str]:
        return [n for n in self.spec.parameters if self.spec.roles.get(n) == "lever"]


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def optimise(spec: SweepSpec | str | Path, maximise=("alignment_mean",), minimise=("fatigue_mean",),
             costs: dict[str, float] | None = None, trials: int = 64, population: int = 16,
             scenarios: int = 8, robustness: int = 10, seed: int = 0, timing: bool = False, executor: str = "local",
             workers: int | None = None, scheduler: str | None = None, out: str | Path | None = None,
             write: bool = True) -> Front:
    """Search the spec's levers for the Pareto front of the ``maximise`` and ``minimise`` outcomes'
    robust values (and of cost, if ``costs`` are given), over ``scenarios`` points of its
    uncertainties. Writes ``front.csv``, ``plans.csv``, ``scenarios.csv``, a figure, ``index.html``
    and ``plan-<k>.yaml`` for each plan of the front to ``out`` (default ``results/<name>-optimise``)."""
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
    costs = dict(costs or {})
    for lever, cost in costs.items():
        if lever not in levers:
            raise SweepError(f"cost of {lever[:60]!r}: not a lever of {spec.name}; levers: {', '.join(levers)}")
        if not (isinstance(cost, (int, float)) and math.isfinite(cost) and cost >= 0):
            raise SweepError(f"cost of {lever} = {cost!r} is not allowed: expected a number >= 0 (per unit)")
        if not isinstance(spec.parameters[lever], Range):
            raise SweepError(f"cost of {lever}: costs are per unit of a range; {lever} is a list of values")
    if costs:
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
    kwargs, reps = spec.scenario.model_kwargs(), spec.replications

    with make_executor(executor, workers, scheduler) as ex:
        def evaluate(plans: list[dict]) -> list[tuple[float, ...]]:
            runs = [(p * scenarios * reps + s * reps + r, p * scenarios + s, r, {**points.iloc[s].to_dict(), **_run_values(plan, levers, timing, kwargs["interventions"])})
                    for p, plan in enumerate(plans) for s in range(scenarios) for r in range(reps)]
            batches = [(spec.entropy, kwargs, spec.horizon, None, runs[i:i + reps]) for i in range(0, len(runs), reps)]
            records = [rec for result in ex.map_unordered(run_batch, batches) for rec, _ in result]
            table = pd.DataFrame(records).sort_values("run")
            out = []
            for p, plan in enumerate(plans):
                mine = table[table["point"] // scenarios == p]
                values = []
                for m, sense in objectives:
                    if m == "cost":
                        values.append(sum(c * (plan[lever] - spec.parameters[lever].low)
                                          * (spec.horizon - plan.get(f"{lever}_week", 0)) / spec.horizon
                                          for lever, c in costs.items()))
                        continue
                    ok = mine[mine["status"] == "ok"]
                    if len(ok) < len(mine):  # a failed run: the plan cannot be judged
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
    found = Front(spec, objectives, plans.reset_index(), robustness, points, costs)
    if plans[[m for m, _ in objectives]].isna().any(axis=1).any():
        found.notes.append(f"{int(plans[[m for m, _ in objectives]].isna().any(axis=1).sum())} plans had a "
                           "failed run and were left out of the front")
    if write:
        found.directory = Path(out) if out else Path("results") / f"{spec.name}-optimise"
        _write(found, found.directory)
    return found


def _run_values(plan: dict, levers: list[str], timing: bool, interventions: list) -> dict:
    """A plan as a run's values: the levers that start at week 0, and an intervention (after the base
    scenario's own) for each later start week."""
    if not timing:
        return plan
    weeks = {n: plan[f"{n}_week"] for n in levers}
    later = [Intervention(w, {n: plan[n] for n in levers if weeks[n] == w}) for w in sorted(set(weeks.values()) - {0})]
    return {**{n: plan[n] for n in levers if weeks[n] == 0},
            **({"interventions": [*interventions, *later]} if later else {})}


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
             + (f"; cost: per unit above each lever's low end ({', '.join(f'{k}: {v:g}' for k, v in found.costs.items())})"
                if found.costs else "") + f". NSGA-II (Optuna), {len(found.plans)} plans tried; the front: "
             f"{len(found.front)} plans, each as plan-&lt;k&gt;.yaml for <code>cascade compare</code>.</p>"]
    for note in found.notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append("<h2>The front</h2>" + _table(found.front.drop(columns=["front"])))
    for name, path in figures.items():
        parts.append(_img(path, name))
    parts.append("<h2>The scenarios (uncertainties)</h2>" + _table(found.scenarios))
    parts.append("</body></html>\n")
    return "\n".join(parts)


__all__ = ["optimise", "pareto_search", "front_mask", "Front", "SENSES"]
