"""The ``cascade`` command: a thin layer over ``sim.scenario``, ``sim.runner`` and ``sim.report``.

Each subcommand is registered by its own small function (listed in ``COMMANDS``): to add one,
write ``def _add_x(sub)`` that creates its parser and sets ``func``, and append it to ``COMMANDS``.
A command function takes the parsed arguments and returns an exit code; bad input raises
``CLIError`` (or ``ScenarioError``/``ParameterError``) and becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .orgchart import SHAPES, ChartError
from .params import ParameterError
from .inputs import quote
from .scenario import MAX_REPLICATIONS, ScenarioError, bundled, load_scenario

PROG = "cascade"


class CLIError(Exception):
    """A one-line message for the user; ``code`` is the exit code (2: bad input)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


# --------------------------------------------------------------------------- helpers


def _sets(pairs: list[str] | None, option: str = "--set") -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CLIError(f"{option} {pair!r}: expected name=value (for example {option} role_clarity=0.8)")
        out[name.strip()] = value.strip()
    return out


def _at_least(minimum: int, what: str, maximum: int | None = None):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{quote(text)} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"{quote(value)} is not allowed: expected {what}")
        return value
    return parse


_positive = _at_least(1, "at least 1")
_reps = _at_least(1, f"a whole number in [1, {MAX_REPLICATIONS:,}]", MAX_REPLICATIONS)
_seed = _at_least(0, "0 or more")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reps", type=_reps, metavar="N", help="replications (default: the scenario's)")
    p.add_argument("--seed", type=_seed, metavar="S", help="seed (default: the scenario's)")
    p.add_argument("--set", action="extend", nargs="+", metavar="NAME=VALUE", dest="sets",
                   help="change a parameter (or horizon): --set role_clarity=0.8 feedback=0.5")
    p.add_argument("--jobs", type=_positive, metavar="J", default=os.cpu_count() or 1,
                   help="parallel processes (default: all cores); results do not depend on it")
    _add_batch(p)
    p.add_argument("--out", metavar="DIR", default="results", help="where to write (default: results)")
    p.add_argument("--posterior", metavar="DIR",
                   help="a calibration folder (cascade calibrate): each replication draws the calibrated "
                        "parameters from its posterior (intervals then carry parameter uncertainty too)")
    _add_export(p)


def _add_batch(p: argparse.ArgumentParser, what: str = "replications",
               outcome: str = "results agree to about 1e-15 either way") -> None:
    from .engine import BATCH_PEOPLE

    p.add_argument("--batch", type=_positive, metavar="N",
                   help=f"{what} advanced together as one ensemble (default: as many as make about "
                        f"{BATCH_PEOPLE:,} people; 1: each alone); {outcome}")


def _posterior(args):
    """The --posterior folder's posterior, checked (None without the option)."""
    if not args.posterior:
        return None
    from .calibrate import CalibrationError, read_posterior

    try:
        return read_posterior(args.posterior)
    except CalibrationError as exc:
        raise CLIError(f"--posterior {exc}") from None


def _add_export(p: argparse.ArgumentParser) -> None:
    from .report import EXPORTS

    p.add_argument("--export", nargs="+", choices=EXPORTS, default=[], metavar="KIND",
                   help="client files beside report.html: xlsx (every table, the replications, the "
                        "weekly series, the assumptions) and/or pptx (a short deck; needs python-pptx)")


def _exports(args) -> list[str]:
    """The --export kinds, checked before anything runs."""
    from .report.deck import INSTALL, available

    if "pptx" in args.export and not available():
        raise CLIError(f"--export pptx needs the package python-pptx, which is not installed: {INSTALL}", code=1)
    return list(dict.fromkeys(args.export))


def _new_dir(base: Path) -> Path:
    """base/<timestamp>, with a suffix if that exists already (nothing is ever overwritten)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = base / stamp, 1
    while path.exists() or (base / f".{path.name}.partial-{os.getpid()}").exists():
        n += 1
        path = base / f"{stamp}-{n}"
    return path


def _writable_dir(option: str, path: str | Path) -> Path:
    """The folder an option names, checked before anything is computed (and nothing created): it
    is a folder, or can be created in the nearest existing folder above it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CLIError(f"{option} {_bounded(path)}: is a file, not a folder; expected a folder to write into")
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise CLIError(f"{option} {_bounded(path)}: cannot create this folder ({_bounded(probe)} is a file)")
    try:  # the one sure test of writing: create (and remove) a folder there
        os.rmdir(tempfile.mkdtemp(prefix=".cascade-check-", dir=probe))
    except OSError as exc:
        raise CLIError(f"{option} {_bounded(path)}: cannot create this folder "
                       f"({_bounded(probe)}: {exc.strerror or exc})") from None
    return path


def _bounded(path: Path, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60] or "scenario"


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, what: str = "replications", stream=None):
        self.stream = stream or sys.stderr
        # CASCADE_PROGRESS=1 forces it on (for logs, and for tests that wait for a run to start)
        self.enabled = self.stream.isatty() or os.environ.get("CASCADE_PROGRESS") == "1"
        self.what, self.start = what, time.perf_counter()
        self.first: int | None = None  # done at the first call (a resumed sweep starts part-way)

    def __call__(self, done: int, total: int) -> None:
        if self.first is None:
            self.first = done
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                          f"{self.what}  {elapsed:5.1f} s{self._eta(done, total, elapsed):<16}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()

    def _eta(self, done: int, total: int, elapsed: float) -> str:
        if not self.first < done < total:
            return ""
        return f"  ETA {elapsed / (done - self.first) * (total - done):6.0f} s"


def _key_table(table, kinds=True) -> str:
    from .report import KEY_METRICS, fmt, fmt_interval

    rows = [(label, fmt(table.loc[col, "mean"], kind), fmt_interval(table.loc[col, "low"], table.loc[col, "high"], kind),
             fmt_interval(table.loc[col, "predict_low"], table.loc[col, "predict_high"], kind))
            for col, label, _, kind in KEY_METRICS if col in table.index]
    w = max(len(r[0]) for r in rows)
    v = max(max(len(r[2]) for r in rows), len("95% interval of the mean"))
    lines = [f"  {'measure':<{w}}  {'mean':>8}  {'95% interval of the mean':<{v}}  95% prediction interval (one organisation)"]
    lines += [f"  {a:<{w}}  {b:>8}  {c:<{v}}  {d}" for a, b, c, d in rows]
    return "\n".join(lines)


def _warn(scenario) -> None:
    for note in scenario.notes():
        print(f"{PROG}: note: {scenario.name}: {note}", file=sys.stderr)


# --------------------------------------------------------------------------- commands


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario's replications and write a report",
                       description="Run replications of a scenario (in parallel) and write "
                                   "results/<scenario>/<timestamp>/: the resolved scenario, the time "
                                   "series (Parquet), a summary table (CSV), figures and report.html.")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or a bundled name (see `cascade list`)")
    _add_run_options(p)
    p.set_defaults(func=_cmd_run)


def _cmd_run(args) -> int:
    from .runner import run

    scenario = load_scenario(args.scenario, _sets(args.sets))
    _warn(scenario)
    exports = _exports(args)
    posterior = _posterior(args)
    directory = _new_dir(_writable_dir("--out", _writable_dir("--out", args.out) / _safe(scenario.name)))
    results = run(scenario, reps=args.reps, jobs=args.jobs, seed=args.seed, progress=ProgressBar(),
                  posterior=posterior, batch=args.batch)
    results.meta["command"] = " ".join([PROG, *args.argv])
    if posterior is not None:
        results.meta["posterior"] = args.posterior
    directory = results.save(directory, unique=True, exports=exports)
    print(f"Wrote {_show(directory)} ({results.reps} replications of {results.name}, "
          f"seed {results.seed}, {results.elapsed:.1f} s)")
    print(f"  report: {_show(directory / 'report.html')}"
          + "".join(f", {_show(directory / f'report.{kind}')}" for kind in exports) + "\n")
    print(_key_table(results.table()))
    return 0


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare alternatives on the same random numbers",
                       description="Run every alternative on the same seeds (common random numbers) "
                                   "and report each summary metric with its difference to the first "
                                   "alternative and the 95% interval of that difference. Alternatives "
                                   "are scenario files or names, and/or --variant sets applied to the "
                                   "first one.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios (the first is the reference)")
    p.add_argument("--variant", action="append", metavar="'NAME=VALUE ...'", default=[],
                   help="an alternative: the first scenario with these changes (repeatable)")
    _add_run_options(p)
    p.set_defaults(func=_cmd_compare)


def _cmd_compare(args) -> int:
    from .runner import compare

    common = _sets(args.sets)
    alternatives = [load_scenario(s, common) for s in args.scenarios]
    for variant in args.variant:
        changes = _sets(variant.split(), "--variant")
        if not changes:
            raise CLIError("--variant: expected one or more NAME=VALUE")
        alternatives.append(load_scenario(args.scenarios[0], {**common, **changes}))
    if len(alternatives) < 2:
        raise CLIError("compare needs at least two alternatives: two scenarios, or one with --variant")
    for sc in alternatives:
        _warn(sc)
    names = "-vs-".join(_safe(sc.name) for sc in alternatives)[:80]
    exports = _exports(args)
    posterior = _posterior(args)
    directory = _new_dir(_writable_dir("--out", _writable_dir("--out", args.out) / f"compare-{names}"))
    comparison = compare(alternatives, reps=args.reps, jobs=args.jobs, seed=args.seed,
                         progress=ProgressBar(), posterior=posterior, batch=args.batch)
    comparison.meta["command"] = " ".join([PROG, *args.argv])
    if posterior is not None:
        comparison.meta["posterior"] = args.posterior
    directory = comparison.save(directory, unique=True, exports=exports)
    print(f"Wrote {_show(directory)} ({len(alternatives)} alternatives x {comparison.reps} "
          f"replications on the same seeds, seed {comparison.seed})")
    print(f"  report: {_show(directory / 'report.html')}"
          + "".join(f", {_show(directory / f'report.{kind}')}" for kind in exports) + "\n")
    print(_compare_table(comparison))
    return 0


def _compare_table(comparison) -> str:
    from .report import KEY_METRICS, fmt, fmt_interval

    table = comparison.table()
    labels = comparison.labels
    lines = []
    for col, label, _, kind in KEY_METRICS:
        sub = table[table["metric"] == col]
        if sub.empty:
            continue
        lines.append(f"  {label}")
        for _, r in sub.iterrows():
            line = f"    {r['alternative']:<40} {fmt(r['mean'], kind):>8}"
            if r["alternative"] != labels[0]:
                line += (f"   diff {fmt(r['diff'], kind, True):>10}  "
                         f"[{fmt_interval(r['diff_low'], r['diff_high'], kind, True)}]")
            lines.append(line)
    return f"  (diff: to {labels[0]}, with its 95% interval)\n" + "\n".join(lines)


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="rebuild a finished run's report (and client files) without rerunning it",
                       description="Read a finished run or comparison folder (results/...), and rewrite its "
                                   "tables, figures and report.html with this version's report, plus the "
                                   "client files asked for with --export. Nothing is rerun.")
    p.add_argument("directory", metavar="DIR", help="a run or comparison folder written by cascade run / compare")
    _add_export(p)
    p.set_defaults(func=_cmd_report)


def _cmd_report(args) -> int:
    from .report import rebuild
    from .runner import load

    exports = _exports(args)
    directory = Path(args.directory)
    if not directory.is_dir():
        raise CLIError(f"report {_bounded(directory)}: no such folder; expected a folder written by cascade run or compare")
    try:
        obj = load(directory)
    except ValueError as exc:
        raise CLIError(str(exc).splitlines()[0][:300]) from None
    written = rebuild(obj, directory, exports)
    print(f"Rebuilt {_show(directory)}: " + ", ".join(p.name for p in written))
    return 0


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check a scenario file without running it")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--set", action="extend", nargs="+", metavar="NAME=VALUE", dest="sets")
    p.add_argument("--resolved", action="store_true", help="print the resolved scenario (every value)")
    p.set_defaults(func=_cmd_validate)


def _cmd_validate(args) -> int:
    sc = load_scenario(args.scenario, _sets(args.sets))
    _warn(sc)
    seed = f", seed {sc.seed}" if sc.seed is not None else ""
    print(f"{sc.label()}: valid ({_show(Path(sc.source))}; {sc.people:,} people, {sc.horizon} weeks, "
          f"{sc.replications} replications{seed})")
    if args.resolved:
        print(sc.to_yaml(resolved=True), end="")
    return 0


def _add_list(sub) -> None:
    p = sub.add_parser("list", help="the bundled scenarios, one line each")
    p.set_defaults(func=_cmd_list)


def _cmd_list(args) -> int:
    names = bundled()
    width = max((len(n) for n in names), default=0)
    cols = shutil.get_terminal_size((100, 20)).columns
    for name, path in names.items():
        try:
            description = " ".join(load_scenario(path).description.split())
        except ScenarioError as exc:
            description = f"(invalid: {exc})"
        line = f"{name:<{width}}  {description}"
        print(line[:cols - 3] + "..." if sys.stdout.isatty() and len(line) > cols else line)
    return 0


def _add_params(sub) -> None:
    p = sub.add_parser("params", help="the parameter reference (names, defaults, ranges, meaning)")
    p.add_argument("--markdown", action="store_true", help="Markdown, as in docs/PARAMETERS.md")
    p.set_defaults(func=_cmd_params)


def _cmd_params(args) -> int:
    from .reference import parameter_markdown, parameter_text

    print(parameter_markdown() if args.markdown else parameter_text(), end="")
    return 0


def _add_app(sub) -> None:
    p = sub.add_parser("app", help="the interactive view in a browser")
    p.add_argument("scenario", nargs="*", metavar="SCENARIO",
                   help="scenarios to offer besides the bundled ones (the view starts from the first)")
    p.add_argument("--host", default="127.0.0.1", metavar="H",
                   help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the "
                        "network, without authentication: see docs/SECURITY.md)")
    p.add_argument("--port", type=int, default=8765, metavar="P", help="the port (default 8765)")
    p.add_argument("--max-sessions", type=_positive, default=None, metavar="N",
                   help="browser sessions the server runs at once (default 40; see docs/SECURITY.md)")
    p.add_argument("--workshop", action="store_true",
                   help="the workshop game: teams join with a code, play quarters under a budget; "
                        "the teacher's screen has the leaderboard")
    p.add_argument("--code", default=None, metavar="CODE",
                   help="with --workshop: reopen this workshop (results/workshops/CODE.jsonl) or name a new one")
    p.add_argument("--quarters", type=_positive, default=4, metavar="N", help="with --workshop: quarters to play")
    p.add_argument("--budget", type=float, default=None, metavar="B", help="with --workshop: budget a quarter (default: the game's units, or with a scenario's costs "
                        "section, in its currency, a share of its prices: docs/USER_GUIDE.md)")
    p.set_defaults(func=_cmd_app)


def _cmd_app(args) -> int:
    # checked here, so a broken file fails before the server starts
    scenarios = [str(Path(load_scenario(s).source).resolve()) for s in args.scenario]
    try:
        from . import app
    except ModuleNotFoundError as exc:
        if exc.name == "sim.app":
            raise CLIError("the interactive view is not available in this version (sim/app.py is missing)",
                           code=1) from None
        raise CLIError(f"the interactive view needs the package {exc.name!r}, which is not installed",
                       code=1) from None
    workshop = _workshop(args, scenarios[0] if scenarios else None) if args.workshop else None
    code = app.serve(scenarios, args.host, args.port, max_sessions=args.max_sessions, workshop=workshop)
    return code if isinstance(code, int) else 0


WORKSHOPS = Path("results/workshops")


def _workshop(args, scenario) -> str:
    """The workshop's file: reopened with --code when it exists, else created (its code printed)."""
    from .viz.workshop import Workshop, WorkshopError

    if args.code and not re.fullmatch(r"[A-Za-z0-9]{1,20}", args.code):
        raise CLIError(f"--code {args.code[:30]!r}: letters and digits, at most 20")
    code = args.code.upper() if args.code else None
    path = WORKSHOPS / f"{code}.jsonl"
    if code and path.exists():
        workshop = Workshop.open(path)
        print(f"workshop {workshop.code} reopened: {len(workshop.teams)} teams ({path})")
    else:
        if args.budget is not None and not args.budget > 0:
            raise CLIError(f"--budget {args.budget:g}: a positive number")
        try:
            workshop = Workshop.create(WORKSHOPS, scenario, quarters=args.quarters,
                                       budget=args.budget, code=code)
        except WorkshopError as exc:
            raise CLIError(str(exc)) from None
        prices = "the scenario's costs section" if workshop.priced else "the game's default prices"
        print(f"workshop {workshop.code}: {workshop.quarters} quarters, budget {workshop.budget:,g} a quarter, "
              f"levers priced by {prices} ({workshop.path})")
    print(f"teams open http://{args.host}:{args.port}/ and join with the code {workshop.code}; "
          "the teacher's screen is behind the 'Teacher's screen' button")
    return str(workshop.path.resolve())


def _add_validate_model(sub) -> None:
    p = sub.add_parser("validate-model", help="run the stylized facts and survey figures; write docs/VALIDATION.md")
    p.add_argument("--out", default="docs/VALIDATION.md", metavar="FILE", help="the report to write")
    p.add_argument("--reps", type=_positive, default=None, metavar="N",
                   help="replications for every survey figure (default: each condition's from a power calculation, "
                        "as the stylized facts do)")
    p.add_argument("--jobs", type=_positive, default=None, metavar="N", help="processes (default: up to 2)")
    p.add_argument("--only", default=None, metavar="KEYS",
                   help="comma-separated stylized facts to run (e.g. S2,S13); default all")
    p.set_defaults(func=_cmd_validate_model)


def _cmd_validate_model(args) -> int:
    from . import validation

    keys = None
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        unknown = [k for k in keys if k not in validation.STYLIZED_FACTS]
        if unknown:
            raise CLIError(f"--only {unknown[0]!r} is not a stylized fact: expected some of "
                           f"{', '.join(validation.STYLIZED_FACTS)}")
    print(f"running {len(keys or validation.STYLIZED_FACTS)} stylized facts with their negative controls "
          f"and 6 survey figures on the validation seeds", file=sys.stderr)
    results = validation.write_report(Path(args.out), keys=keys, reps=args.reps, jobs=args.jobs,
                                      progress=lambda key: print(f"  {key}", file=sys.stderr, flush=True))
    failing = [r.key for r in results if not r.holds]
    print(f"wrote {args.out}: {len(results) - len(failing)} of {len(results)} patterns hold"
          + (f" (failing: {', '.join(failing)})" if failing else ""))
    return 1 if failing else 0


def _add_robustness(sub) -> None:
    p = sub.add_parser("robustness", help="Morris screening of the patterns over the behavioural parameters; "
                                          "write docs/ROBUSTNESS.md",
                       description="Which behavioural parameters can break which stylized fact: a Morris "
                                   "screening of each pattern's effect size over every behavioural parameter "
                                   "(sim/robustness.py). Writes OUT/ROBUSTNESS.md, OUT/robustness.csv, "
                                   "OUT/robustness_holds.csv and OUT/images/validation/robustness.png. The "
                                   "defaults are 14,960 runs; --r 6 --reps 3 (37,944 runs) took 24 minutes on 2 "
                                   "busy cores.")
    p.add_argument("--r", type=_at_least(2, "at least 2"), default=4, metavar="N",
                   help="Morris trajectories (default: 4)")
    p.add_argument("--reps", type=_positive, default=1, metavar="N",
                   help="seeds per condition and point (default: 1; S9 and S14 take at least 12)")
    p.add_argument("--weeks", type=_positive, default=104, metavar="N", help="weeks per run (default: 104)")
    p.add_argument("--jobs", type=_positive, default=2, metavar="J", help="parallel processes (default: 2)")
    _add_batch(p)
    p.add_argument("--out", default="docs", metavar="DIR", help="where to write (default: docs)")
    p.set_defaults(func=_cmd_robustness)


def _cmd_robustness(args) -> int:
    from . import robustness

    start = time.perf_counter()
    step = {"next": 0.0}

    def progress(done: int, total: int) -> None:
        if done / total >= step["next"] or done == total:  # a line every 5% (readable in a log)
            step["next"] = done / total + 0.05
            elapsed = time.perf_counter() - start
            eta = elapsed / done * (total - done)
            print(f"  {done}/{total} design points, {elapsed:.0f} s, ETA {eta:.0f} s", file=sys.stderr, flush=True)

    print(f"robustness map: {len(robustness.BEHAVIOURAL)} parameters, r = {args.r}, {args.reps} seed(s), "
          f"{args.weeks} weeks", file=sys.stderr)
    out = Path(args.out)
    section = robustness.write(out, args.r, args.reps, args.jobs, progress, weeks=args.weeks, batch=args.batch)
    (out / "ROBUSTNESS.md").write_text(
        "# Robustness\n\nGenerated by `" + " ".join([PROG, *args.argv]) + "`; do not edit by hand.\n\n" + section)
    print(f"wrote {_show(out / 'ROBUSTNESS.md')}, robustness.csv, robustness_holds.csv and "
          f"images/validation/robustness.png ({time.perf_counter() - start:.0f} s)")
    return 0


def _add_sweep(sub) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep (resumable) into results/<sweep>/",
                       description="Run every (design point, replication) of a sweep spec and store "
                                   "the runs in Parquet shards under OUT/<sweep>/. Rerunning an "
                                   "interrupted sweep does only the missing runs; a run that fails is "
                                   "recorded and the sweep goes on. Results do not depend on the "
                                   "executor or the number of workers. See docs/SWEEPS.md.")
    p.add_argument("spec", metavar="SPEC", help="a sweep spec file, or a bundled sweep (scenarios/sweeps/)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes (default), or a Dask cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:port); without it --executor dask starts a local cluster")
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="worker processes (default: all cores; 1 runs in this process)")
    _add_batch(p)
    p.add_argument("--out", metavar="DIR", default="results", help="where to write (default: results)")
    p.set_defaults(func=_cmd_sweep)


def _cmd_sweep(args) -> int:
    from .sweep import SweepError, load_runs, load_spec, sweep
    from .sweep.design import size
    from .sweep.executors import check_executor

    try:
        check_executor(args.executor, args.workers, args.scheduler)
        spec = load_spec(args.spec)
        directory = _writable_dir("--out", args.out) / spec.name
        _warn(spec.scenario)
        n = size(spec)
        design = spec.design.method + ("" if spec.design.method == "grid" else f", n = {spec.design.n}")
        print(f"{spec.name}: {n} points x {spec.replications} replications = {n * spec.replications} runs "
              f"({design}; {spec.scenario.people:,} people, {spec.horizon} weeks)", file=sys.stderr)
        bar = ProgressBar("runs")
        start = time.perf_counter()
        try:
            table = sweep(spec, args.out, args.executor, args.workers, args.scheduler, progress=bar,
                          table_columns=["status", "error"], batch=args.batch)  # what the summary needs, not the whole table
        except (KeyboardInterrupt, _Terminated) as exc:
            saved = len(load_runs(directory)) if (directory / "sweep.json").is_file() else 0
            print(f"\n{PROG}: {'interrupted' if isinstance(exc, KeyboardInterrupt) else 'terminated'}: "
                  f"{saved} of {n * spec.replications} runs are saved in {_show(directory)}; "
                  "run the same command again to finish", file=sys.stderr)
            return 130 if isinstance(exc, KeyboardInterrupt) else 143
    except SweepError as exc:
        raise CLIError(str(exc)) from None
    failed = int((table["status"] != "ok").sum())
    set_aside = table.attrs.get("quarantined") or []
    if set_aside:
        print(f"{PROG}: note: {len(set_aside)} damaged shard{'s' if len(set_aside) > 1 else ''} set aside in "
              f"{_show(directory / 'quarantine')} and their runs redone (first: {set_aside[0]})", file=sys.stderr)
    now = len(table) - (bar.first or 0)
    print(f"Wrote {_show(directory)}: {len(table)} runs ({now} now"
          + (f", {bar.first} from before" if bar.first else "") + f"; {failed} failed), "
          f"{time.perf_counter() - start:.1f} s")
    if failed:
        print(f"  failed runs: their parameters and errors are in the table (status = error); "
              f"first: {table.loc[table['status'] != 'ok', 'error'].iloc[0]}")
    print(f"  next: {PROG} analyze {_show(directory)}")
    return 0


def _add_analyze(sub) -> None:
    p = sub.add_parser("analyze", help="effects and contrasts, heatmaps, Sobol and Morris indices of a sweep",
                       description="Analyse a sweep's results: per-point means and spread; for grids, "
                                   "each parameter's effect with its 95%% interval between replications, "
                                   "paired contrasts and heatmaps; Sobol (first, total, second order) or "
                                   "Morris indices, with notes on the sample size; CSV, PNG and "
                                   "index.html in SWEEP_DIR/analysis/. The same files every time.")
    p.add_argument("directory", metavar="SWEEP_DIR", help="a sweep's results folder (results/<sweep>)")
    p.add_argument("--metrics", nargs="+", metavar="METRIC", help="summary metrics (default: the spec's)")
    p.add_argument("--weeks", nargs="+", type=int, metavar="WEEK",
                   help="each point's kept time series at these weeks (at_weeks.csv; the sweep must keep series)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: SWEEP_DIR/analysis)")
    p.set_defaults(func=_cmd_analyze)


def _cmd_analyze(args) -> int:
    from .sweep import SweepError, analyze

    out = _writable_dir("--out", args.out) if args.out else Path(args.directory) / "analysis"
    try:
        tables = analyze(args.directory, metrics=args.metrics, out=out, weeks=args.weeks)
    except SweepError as exc:
        raise CLIError(str(exc)) from None
    figures = len(list((out / "figures").glob("*.png")))
    csvs = ", ".join(f"{name}.csv" for name in tables if name != "notes")
    print(f"Wrote {_show(out)}: index.html, {figures} figures, {csvs}")
    for note in tables["notes"]["note"]:
        print(f"  note: {note}")
    for method, what, index, cols in (
            ("sobol", "sobol indices", ["parameter"], ["S1", "S1_conf", "ST", "ST_conf"]),
            ("sobol2", "second-order sobol indices", ["parameter", "other"], ["S2", "S2_conf"]),
            ("morris", "morris indices", ["parameter"], ["mu_star", "mu_star_conf", "sigma"])):
        if method in tables:
            for metric, sub in tables[method].groupby("metric", sort=False):
                print(f"\n{what} of {metric}:")
                print(sub.set_index(index)[cols].round(3).to_string())
    return 0


def _add_discover(sub) -> None:
    p = sub.add_parser("discover", help="scenario discovery on a sweep: when does an outcome fail? (PRIM)",
                       description="Scenario discovery on a sweep's runs: the runs whose OUTCOME is above "
                                   "(or below) THRESHOLD are the cases of interest; PRIM (EMA Workbench) "
                                   "finds the box of inputs (by default the sweep's uncertainties) where "
                                   "they concentrate, with its coverage, density and peeling trajectory, "
                                   "and feature scores rank the inputs. Needs the extra: pip install "
                                   "'cascade-sim[explore]'. See docs/SWEEPS.md.")
    p.add_argument("directory", metavar="SWEEP_DIR", help="a sweep's results folder (results/<sweep>)")
    p.add_argument("--outcome", required=True, metavar="METRIC", help="a summary metric, e.g. failure_rate")
    p.add_argument("--threshold", required=True, type=float, metavar="X", help="the outcome's threshold")
    p.add_argument("--below", action="store_true",
                   help="the cases of interest are below the threshold (default: above)")
    p.add_argument("--inputs", nargs="+", metavar="PARAMETER",
                   help="the inputs to box (default: the sweep's uncertainties, else every parameter)")
    p.add_argument("--density", type=float, default=0.8, metavar="D",
                   help="the box: the highest coverage with at least this density (default: 0.8)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: SWEEP_DIR/discover-<outcome>-...)")
    p.set_defaults(func=_cmd_discover)


def _cmd_discover(args) -> int:
    from .explore import discover
    from .sweep import SweepError

    try:
        found = discover(args.directory, args.outcome, args.threshold, "below" if args.below else "above",
                         inputs=args.inputs, density=args.density, out=args.out)
    except SweepError as exc:
        raise CLIError(str(exc)) from None
    print(found.summary)
    for note in found.notes:
        print(f"  note: {note}")
    if len(found.box):
        print("\nthe box (quasi-p: small means the limit matters):")
        print(found.box.set_index("input").round(4).to_string())
    print("\nfeature scores:")
    print(found.scores.set_index("input").round(3).to_string())
    print(f"\nWrote {_show(found.directory)}: index.html, box.csv, trajectory.csv, scores.csv, 3 figures")
    return 0


def _add_optimise(sub) -> None:
    p = sub.add_parser("optimise", help="robust lever plans: the Pareto front over a spec's levers (NSGA-II)",
                       description="Search the levers of a sweep spec for the Pareto front of outcomes (and "
                                   "cost, when the spec's base scenario has a costs section), each plan judged "
                                   "by a percentile over the same sample of the spec's uncertainties, on common "
                                   "random numbers (Optuna's NSGA-II). Writes the front "
                                   "(front.csv, a figure, index.html) and each plan as plan-<k>.yaml for "
                                   "`cascade compare`. Needs the extra: pip install 'cascade-sim[explore]'. "
                                   "See docs/SWEEPS.md.")
    p.add_argument("spec", metavar="SPEC", help="a sweep spec with levers (and uncertainties)")
    p.add_argument("--maximise", nargs="*", default=["alignment_mean"], metavar="METRIC",
                   help="outcomes to maximise (default: alignment_mean)")
    p.add_argument("--minimise", nargs="*", default=["fatigue_mean"], metavar="METRIC",
                   help="outcomes to minimise (default: fatigue_mean)")
    p.add_argument("--trials", type=_positive, default=64, metavar="N", help="plans to try (default: 64)")
    p.add_argument("--population", type=_at_least(2, "at least 2"), default=16, metavar="N",
                   help="plans per NSGA-II generation (default: 16)")
    p.add_argument("--scenarios", type=_positive, default=8, metavar="N",
                   help="points of the uncertainties each plan runs at (default: 8)")
    p.add_argument("--robustness", type=int, default=10, metavar="P",
                   help="the percentile from the bad side over the scenarios (default: 10)")
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="the search's seed (default: 0)")
    p.add_argument("--timing", action="store_true",
                   help="search each lever's start week too (before it: the base scenario's value)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes (default), or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:port)")
    p.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: results/<spec name>-optimise)")
    p.set_defaults(func=_cmd_optimise)


def _cmd_optimise(args) -> int:
    from .explore.optimise import optimise
    from .sweep import SweepError

    try:
        found = optimise(args.spec, args.maximise, args.minimise, trials=args.trials,
                         population=args.population, scenarios=args.scenarios, robustness=args.robustness,
                         seed=args.seed, timing=args.timing, executor=args.executor, workers=args.workers,
                         scheduler=args.scheduler, out=args.out)
    except SweepError as exc:
        raise CLIError(str(exc)) from None
    for note in found.notes:
        print(f"  note: {note}")
    print(f"The front: {len(found.front)} of {len(found.plans)} plans (robust value: the "
          f"{found.robustness}th percentile over {len(found.scenarios)} scenarios, from the bad side)")
    print(found.front.drop(columns=["front", "trial"]).round(4).to_string())
    out = found.directory
    print(f"\nWrote {_show(out)}: index.html, front.csv, plans.csv, scenarios.csv, plan-1.yaml ... "
          f"plan-{len(found.front)}.yaml")
    if len(found.front) > 1:
        print(f"  next: {PROG} compare {_show(out / 'plan-1.yaml')} {_show(out / 'plan-2.yaml')}")
    return 0


def _add_calibrate(sub) -> None:
    p = sub.add_parser("calibrate", help="fit parameters to a client's pulse survey (ABC-SMC; resumable)",
                       description="Find the parameter values consistent with a client's pulse survey (and the "
                                   "scenario's survey_facts) by approximate Bayesian computation (pyabc's "
                                   "ABC-SMC), and write OUT/<scenario>/calibration/<timestamp>/: the posterior "
                                   "(Parquet), its summary against the prior, a predictive check, figures, a "
                                   "calibrated scenario and report.html. An interrupted calibration continues "
                                   "when the same command is run again. See docs/SURVEYS.md.")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or a bundled name")
    p.add_argument("--survey", required=True, metavar="FILE", help="the survey CSV (docs/SURVEYS.md)")
    p.add_argument("--parameters", metavar="A,B,...",
                   help="the parameters to calibrate (default: translation_noise, rationale, "
                        "leadership_consistency, p_quit, base_load)")
    p.add_argument("--items", metavar="A,B,...", help="use only these survey items (default: all it has)")
    p.add_argument("--likert", choices=("levels", "agree"), default="levels",
                   help="Likert answers: the shares answering at least 2, 3, 4 and 5 (levels, the default), "
                        "or only the share agreeing, 4-5 (agree)")
    p.add_argument("--by-department", action="store_true",
                   help="statistics by level and department, matched to the scenario's departments by name "
                        "(default: by level, pooled over departments)")
    p.add_argument("--populations", type=_positive, default=8, metavar="N",
                   help="at most N ABC-SMC populations (default: 8; fewer if the survey's precision is reached)")
    p.add_argument("--population-size", type=_at_least(2, "at least 2"), default=200, metavar="N",
                   help="accepted particles per population (default: 200)")
    p.add_argument("--draws", type=_positive, default=40, metavar="N",
                   help="posterior draws for the predictive check (default: 40)")
    p.add_argument("--seed", type=_seed, metavar="S", help="seed (default: the scenario's, else a fresh one)")
    p.add_argument("--set", action="extend", nargs="+", metavar="NAME=VALUE", dest="sets",
                   help="change a parameter (or horizon) of the scenario first")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes (default), or a Dask cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:port); without it --executor dask starts a local cluster")
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="worker processes (default: all cores; 1 runs in this process)")
    _add_batch(p, "simulations (particles)",
               "each alone anyway when a calibrated parameter is not one an ensemble's members may differ in "
               "(docs/PERFORMANCE.md); the posterior depends on the batch, not on the workers")
    p.add_argument("--out", metavar="DIR", default="results", help="where to write (default: results)")
    p.set_defaults(func=_cmd_calibrate)


def _names(text: str | None) -> list[str] | None:
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


def _cmd_calibrate(args) -> int:
    from .calibrate import CalibrationError, SurveyError, calibrate, read_survey
    from .calibrate.inference import prepare, unfinished
    from .runner import fresh_seed
    from .sweep import SweepError
    from .sweep.executors import check_executor

    try:
        check_executor(args.executor, args.workers, args.scheduler)
        scenario = load_scenario(args.scenario, _sets(args.sets))
        _warn(scenario)
        survey = read_survey(args.survey, likert=args.likert == "levels", by_department=args.by_department)
        items = _names(args.items)
        if items:
            survey = survey.only(items)
        parameters = _names(args.parameters)
        scenario, survey, priors = prepare(scenario, survey, parameters)  # checked before anything starts
        parameters = list(priors)
        base = _writable_dir("--out", _writable_dir("--out", args.out) / _safe(scenario.name) / "calibration")
        found = unfinished(base, scenario, survey, parameters, args.population_size, args.seed, args.batch)
        if found:
            directory, seed = found
            print(f"{PROG}: continuing the interrupted calibration in {_show(directory)}", file=sys.stderr)
        else:
            directory = _new_dir(base)
            seed = args.seed if args.seed is not None else (scenario.seed if scenario.seed is not None else fresh_seed())

        def progress(p: dict) -> None:
            print(f"  population {p['population']}/{p['populations']}: epsilon {p['epsilon']:.3g}, acceptance "
                  f"{p['acceptance_rate']:.0%}, {p['simulations']:,} simulations, {p['seconds']:.0f} s"
                  + (f", at most {p['eta_seconds']:.0f} s left" if p["population"] < p["populations"] else ""),
                  file=sys.stderr, flush=True)

        workers = args.workers or os.cpu_count() or 1
        print(f"{scenario.name}: calibrating {', '.join(parameters)} to "
              f"{survey.source} ({survey.respondents:,} respondents; {scenario.people:,} people, "
              f"{scenario.horizon} weeks; seed {seed})", file=sys.stderr)
        try:
            cal = calibrate(scenario, survey, parameters, populations=args.populations,
                            population_size=args.population_size, executor=args.executor, workers=workers,
                            scheduler=args.scheduler, seed=seed, directory=directory, progress=progress,
                            batch=args.batch)
        except (KeyboardInterrupt, _Terminated) as exc:
            print(f"\n{PROG}: {'interrupted' if isinstance(exc, KeyboardInterrupt) else 'terminated'}: the finished "
                  f"populations are stored in {_show(directory)}; run the same command again to continue",
                  file=sys.stderr)
            return 130 if isinstance(exc, KeyboardInterrupt) else 143
    except (SurveyError, CalibrationError, SweepError) as exc:
        raise CLIError(str(exc)) from None
    cal.meta["command"] = " ".join([PROG, *args.argv])
    cal.save(directory, draws=args.draws)
    print(f"Wrote {_show(directory)} ({len(cal.populations)} populations, {cal.simulations:,} simulations, "
          f"{cal.elapsed:.0f} s)")
    print(f"  report: {_show(directory / 'report.html')}; calibrated scenario: {_show(directory / 'calibrated.yaml')}\n")
    table = cal.summary()[["prior_low", "prior_high", "median", "low", "high", "ratio", "identifiability"]]
    print(table.round(4).to_string())
    return 0


def _add_orgchart(sub) -> None:
    p = sub.add_parser("orgchart", help="summarise and draw a client's org chart, or generate one",
                       description="Check an org chart file (.csv, .parquet or .xlsx: person_id, "
                                   "manager_id, optional department, role and traits), print a "
                                   "summary (people by level, spans, depth, departments) and draw it, "
                                   "before anything is simulated. Or, with --generate, write a "
                                   "synthetic irregular chart.")
    p.add_argument("file", nargs="?", metavar="FILE", help="the org chart to check")
    p.add_argument("--executives", nargs="+", metavar="ID", default=[],
                   help="the executive team's ids, when several people have no manager and the file has no role column")
    p.add_argument("--picture", metavar="PNG", help="where to draw the chart (default: results/<FILE's name>-orgchart.png)")
    p.add_argument("--generate", type=_positive, metavar="N", help="write a synthetic irregular chart of N people to --out")
    p.add_argument("--shape", choices=sorted(SHAPES), default="typical", help="the synthetic chart's shape (default: typical)")
    p.add_argument("--seed", type=_seed, metavar="S", help="seed of the synthetic chart (default: a fresh one)")
    p.add_argument("--out", metavar="FILE", help="the synthetic chart's file (.csv, .parquet or .xlsx)")
    p.set_defaults(func=_cmd_orgchart)


def _cmd_orgchart(args) -> int:
    from .orgchart import describe, generate, picture, read_chart, write_table
    from .runner import fresh_seed

    try:
        if args.generate is not None:
            if args.file or not args.out:
                raise CLIError("orgchart --generate N writes a new chart: give --out FILE (and no FILE to read)")
            if Path(args.out).exists():
                raise CLIError(f"--out {args.out}: the file exists already (nothing is overwritten)")
            seed = args.seed if args.seed is not None else fresh_seed()
            _writable_dir("--out", Path(args.out).parent)
            path = write_table(generate(args.generate, args.shape, seed), args.out)
            print(f"Wrote {_show(path)} (a synthetic {args.shape} chart, seed {seed})\n")
            print(describe(read_chart(path)))
            return 0
        if not args.file:
            raise CLIError("orgchart: give a chart FILE to check, or --generate N --out FILE")
        chart = read_chart(args.file, args.executives)
    except ChartError as exc:
        raise CLIError(str(exc)) from None
    for note in chart.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    target = Path(args.picture or Path("results") / f"{_safe(Path(args.file).stem)}-orgchart.png")
    _writable_dir("--picture", target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        picture(chart).savefig(target, dpi=150)
    except OSError as exc:
        raise CLIError(f"--picture {_bounded(target)}: cannot write it ({exc.strerror or exc})") from None
    print(describe(chart))
    print(f"\n  picture: {_show(target)}")
    return 0


class _Terminated(BaseException):
    pass


def _terminated(signum, frame):
    raise _Terminated()


EXAMPLES = """examples:
  cascade list                                  the bundled scenarios
  cascade run baseline                          replicated runs of a typical organisation
  cascade run my_client.yaml --set role_clarity=0.8 --reps 50
  cascade compare baseline enabled              what enabling the middle changes
  cascade compare baseline enabled --export xlsx pptx   ... with an Excel workbook and a slide deck
  cascade report results/baseline/<timestamp>   rebuild a finished run's report (nothing is rerun)
  cascade compare baseline --variant "feedback=0.5" --variant "pivot_interval=52"
  cascade validate my_client.yaml --resolved    check a file; show every value
  cascade params                                every parameter, its range and meaning
  cascade validate-model                        the model against its patterns (docs/VALIDATION.md)
  cascade sweep pivot_vs_clarity --workers 2     a parameter sweep (resumable; see docs/SWEEPS.md)
  cascade analyze results/pivot_vs_clarity      its heatmaps, lines and sensitivity indices
  cascade discover results/S --outcome failure_rate --threshold 0.3   when does it fail? (PRIM)
  cascade optimise programme_failure --workers 2   robust lever plans (Pareto front, with cost)
  cascade orgchart client.csv                   a client's org chart: summary and picture
  cascade calibrate scenarios/surveys/example_client.yaml --survey scenarios/surveys/example_pulse.csv
                                                fit parameters to a pulse survey (docs/SURVEYS.md)
"""

COMMANDS = [_add_run, _add_compare, _add_report, _add_validate, _add_list, _add_params, _add_app, _add_validate_model,
            _add_robustness, _add_sweep, _add_analyze, _add_discover, _add_optimise, _add_orgchart,
            _add_calibrate]


def build_parser() -> Parser:
    from . import __version__

    parser = Parser(prog=PROG, description="Cascade: strategy diffusion through middle management. "
                                           "Run what-if scenarios, compare them, and report.",
                    formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    parser.add_argument("--version", action="version", version=f"cascade-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.argv = argv
    # A terminated run cleans up like an interrupted one (no half-written result folder).
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.code
    except (ScenarioError, ParameterError, FileExistsError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted: nothing was written", file=sys.stderr)
        return 130
    except _Terminated:
        print(f"\n{PROG}: terminated: nothing was written", file=sys.stderr)
        return 143
    except BrokenPipeError:  # e.g. `cascade params | head`
        sys.stderr.close()
        return 0
    except OSError as exc:  # the file system refused a write: disk full, read-only, a quota
        where = f" {quote(str(exc.filename))}" if exc.filename else ""
        print(f"{PROG}: error: cannot write{where}: {exc.strerror or exc} (nothing was written)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
