"""Same results before and after a speed-up: every output, bit for bit.

Runs a fixed set of cases (the defaults, bundled scenarios, feedback, dialogue, pivots, turnover,
broadcasts only, bounded confidence, an irregular org chart, a 100,000-person tree) with the
``sim`` package of a given checkout, and either writes every time series (all DataCollector
columns) and the final state arrays to a file, or compares them with exact equality against such a
file written by another checkout:

    python bench/identical.py --root /path/to/old/checkout --write /tmp/old.pkl
    python bench/identical.py --against /tmp/old.pkl

``--root DIR`` imports ``sim`` from DIR (default: this file's checkout), so the script need not
exist in the old checkout. Exit code 1 if anything differs, naming the case and the columns.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

STATE = ("b", "h", "zeta", "x", "u", "m", "f", "tau", "conf", "kappa", "c", "r", "lam", "load", "o",
         "sight", "informed", "heard", "tenure", "s")


def cases() -> dict:
    """name: (model keyword arguments, weeks). Imported after ``--root`` is on the path."""
    from sim.orgchart import chart_from_table, generate
    from sim.scenario import load_scenario
    from sim.submodels import BOUNDED_CONFIDENCE

    def scenario(name, **overrides):
        return load_scenario(name, overrides).model_kwargs()

    def chart(n, seed):
        return chart_from_table(generate(n, seed=seed)).chart

    out = {
        "defaults": ({}, 104),
        "technology": (scenario("technology"), 104),
        "feedback_dialogue": (dict(feedback=0.5, dialogue=0.4, pivot_interval=10.0,
                                   pivot_schedule="fixed"), 80),
        "turnover": (dict(span=14, role_clarity=0.3, p_quit=0.02, pivot_interval=8.0, change_rewards=0.3,
                          capability_investment=0.05), 80),
        "broadcast_only": (dict(communication="broadcast", broadcast_interval=4.0, dialogue=0.2), 60),
        "cascade_only": (dict(communication="cascade", feedback=0.3, w_c=0.0, conf_surprise=0.0,
                              k_win=0.0, k_fail=0.0, champion_selection="high_credibility"), 60),
        "bounded_confidence": (dict(submodels={"peers": BOUNDED_CONFIDENCE}, defender_share=0.4), 40),
        "interventions": (dict(interventions=[{"week": 10, "pivot": True},
                                              {"week": 20, "changes": {"role_clarity": 0.8, "rationale": 0.9}},
                                              {"week": 30, "changes": {"initiatives": 1, "feedback": 0.8}}]), 50),
        "midsize_company": (scenario("scenarios/orgcharts/midsize_company.yaml"), 104),
        "irregular_5000": (dict(org_chart=chart(5000, 3), feedback=0.3, p_quit=0.01), 60),
        "tree_100k": (dict(executives=10, layers=4, span=[5, 5, 5, 5, 15]), 30),
    }
    return out


def run_all(seeds=(1, 2)) -> dict:
    from sim import OrgModel

    res = {}
    for name, (kwargs, weeks) in cases().items():
        for seed in seeds if name != "tree_100k" else seeds[:1]:
            model = OrgModel(rng=seed, **kwargs)
            ts = model.run(weeks)
            state = {a: np.array(getattr(model.state, a)) for a in STATE}
            state["peer_w"] = model.state.peer_w.toarray() if model.org.n <= 5000 else model.state.peer_w.data
            res[f"{name} seed {seed}"] = (ts, state)
            print(f"{name} seed {seed}: {model.org.n} people, {weeks} weeks, {ts.shape[1]} columns", flush=True)
    return res


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def compare(old: dict, new: dict) -> list[str]:
    problems = []
    for case in old.keys() | new.keys():
        if case not in old or case not in new:
            problems.append(f"{case}: only in {'the new run' if case in new else 'the file'}")
            continue
        (ts_old, st_old), (ts_new, st_new) = old[case], new[case]
        if list(ts_old.columns) != list(ts_new.columns):
            problems.append(f"{case}: columns differ: {set(ts_old.columns) ^ set(ts_new.columns)}")
        cols = [c for c in ts_old.columns if c in ts_new.columns and not same(ts_old[c], ts_new[c])]
        if cols:
            worst = max(float(np.max(np.abs(ts_old[c].to_numpy(float) - ts_new[c].to_numpy(float)))) for c in cols)
            problems.append(f"{case}: {len(cols)} columns differ (largest difference {worst:.3g}): {', '.join(cols)}")
        arrays = [a for a in st_old if not same(st_old[a], st_new.get(a))]
        if arrays:
            problems.append(f"{case}: final state differs in {', '.join(arrays)}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="the checkout whose sim package runs (default: this one)")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", type=Path, help="write the results to this file")
    what.add_argument("--against", type=Path, help="compare with the results in this file")
    args = ap.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    import sim

    print(f"sim from {Path(sim.__file__).parent}", flush=True)
    res = run_all()
    if args.write:
        args.write.write_bytes(pickle.dumps(res))
        print(f"{len(res)} runs written to {args.write}")
        return
    problems = compare(pickle.loads(args.against.read_bytes()), res)
    for line in problems:
        print(line)
    print(f"{len(res)} runs: " + ("all outputs and final states identical" if not problems
                                  else f"{len(problems)} differences"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
