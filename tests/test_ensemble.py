"""Ensembles (sim.engine, sim.members): a member of an ensemble runs exactly as it would alone.

Every submodel's update is compared, member by member, with the same organisations run alone, with
pivots (random and forced), turnover, feedback, broadcasts, reviews, interventions and an irregular
chart among the members.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import Engine, run_ensemble
from sim.model import OrgModel
from sim.org import Chart
from sim.orgchart import chart_from_table, generate
from sim.params import validate
from sim.state import PER_DEPARTMENT, PER_MEMBER
from sim.submodels import BOUNDED_CONFIDENCE

TOL = 1e-12
PERSON = ("b", "h", "zeta", "x", "u", "m", "m0", "f", "tau", "conf", "kappa", "c", "r", "lam", "stance",
          "tenure", "trust_offset", "load", "o", "sight", "informed", "heard")
BUSY = dict(executives=2, layers=2, span=[3, 4, 6], pivot_interval=5.0, p_quit=0.03, feedback=0.6,
            dialogue=0.3, broadcast_interval=3.0, review_interval=7.0, f_burnout=0.2, a_over=0.4,
            base_load=1.4, p_leave=0.3, k_pace=0.2, initiative_deadline=4.0, initiative_effort=0.1,
            stubbornness=0.3, defender_share=0.3)
INTERVENTIONS = [{"week": 4, "pivot": True},
                 {"week": 7, "changes": {"role_clarity": 0.8, "rationale": 0.9, "initiatives": 3}}]


def irregular(n=60, seed=3) -> Chart:
    return chart_from_table(generate(n, seed=seed)).chart


def lockstep(kwargs, charts, seeds, weeks, submodels=None, varying=None):
    """Run the ensemble and each member alone side by side, comparing after every submodel.
    ``varying``: each member's own values of some parameters (``sim.engine.VARYING``)."""
    params = [validate(**{**kwargs, **v}) for v in (varying or [{}] * len(seeds))]
    extra = dict(interventions=INTERVENTIONS, submodels=submodels)
    together = Engine(params, [np.random.default_rng(s) for s in seeds], charts, **extra)
    alone = [Engine(p, [np.random.default_rng(s)], [c], **extra) for p, s, c in zip(params, seeds, charts)]
    members = together.org.members
    compared = set()
    for _ in range(weeks):
        stages = [e.stages() for e in alone]
        for name in together.stages():
            for j, stage in enumerate(stages):
                assert next(stage) == name
                same_state(together.state, alone[j].state, members.rows[j], j, f"week {together.state.week} {name}")
            compared.add(name)
        for stage in stages:
            assert next(stage, None) is None
    assert compared == {sm.name for sm in together.schedule}
    return together, alone


def same_state(st, one, rows, j, where):
    for name in PERSON:
        np.testing.assert_allclose(getattr(st, name)[rows], getattr(one, name), rtol=0, atol=TOL,
                                   err_msg=f"{name} of member {j}, {where}")
    for name in PER_MEMBER:
        np.testing.assert_allclose(np.asarray(getattr(st, name))[j], getattr(one, name), rtol=0, atol=TOL,
                                   err_msg=f"{name} of member {j}, {where}")
    np.testing.assert_allclose(st.peer_w[rows][:, rows].toarray(), one.peer_w.toarray(), rtol=0, atol=TOL)


# Members that differ in parameters (every one of VARYING)
DIFFERENT = [{"pivot_interval": 5.0, "translation_noise": 0.9, "m_adopt": 0.9, "feedback": 0.0, "dialogue": 0.8},
             {"pivot_interval": 3.0, "role_clarity": 0.2, "p_quit": 0.05, "rationale": 0.6, "conf_broadcast": 0.2,
              "change_rewards": 0.9, "leadership_alignment": 0.4, "kpi_alignment": 0.1},
             {"pivot_interval": 0.0, "capability": 0.9, "leadership_consistency": 0.3, "base_load": 0.8,
              "initiative_effort": 0.4, "capability_investment": 0.05, "champion_share": 0.5},
             {"pivot_interval": 4.0, "role_clarity": 0.9, "base_load": 0.1, "rationale": 0.9, "m_adopt": 0.6,
              "initiative_effort": 3.0, "feedback": 0.9, "dialogue": 0.0, "leadership_alignment": 0.7,
              "kpi_alignment": 1.0}]


@pytest.mark.parametrize("submodels, varying, schedule", [
    (None, None, "poisson"), ({"peers": BOUNDED_CONFIDENCE}, None, "poisson"), (None, DIFFERENT, "poisson"),
    (None, None, "fixed"), (None, DIFFERENT, "fixed")],
    ids=["degroot", "bounded", "varying", "fixed", "varying-fixed"])
def test_every_submodel_of_a_member_updates_as_alone(submodels, varying, schedule):
    charts = [None, irregular(), None, irregular(45, seed=8)]
    together, alone = lockstep({**BUSY, "pivot_schedule": schedule}, charts, seeds=[1, 2, 3, 4], weeks=14,
                               submodels=submodels, varying=varying)
    st = together.state
    # the run exercised what it claims to
    assert np.sum(st.pivots >= 2) >= 3 and np.all(st.turnover > 0) and np.any(st.failed > 0)
    assert len(set(together.org.members.sizes)) == 3  # different structures
    for j, one in enumerate(alone):
        series = together.timeseries()[j]
        expected = one.timeseries()[0]
        assert list(series.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(series, expected, check_exact=False, rtol=0, atol=TOL)
        for name in PER_DEPARTMENT:
            departments = range(sum(max(o.n_depts, 1) for o in together.org.members.orgs[:j]),
                                sum(max(o.n_depts, 1) for o in together.org.members.orgs[:j + 1]))
            np.testing.assert_allclose(getattr(st, name)[list(departments)], getattr(one.state, name), atol=TOL)
    # each member read on its own (Engine.members: what a survey is answered from) is its run alone
    for j, (member, one) in enumerate(zip(together.members(), alone)):
        assert member.org is together.org.members.orgs[j]
        np.testing.assert_array_equal(member.org.dept, one.org.dept)
        np.testing.assert_array_equal(member.org.level_start, one.org.level_start)
        pd.testing.assert_frame_equal(member.timeseries(), one.timeseries()[0], check_exact=False, rtol=0, atol=TOL)
        for name in (*PERSON, *PER_MEMBER, *PER_DEPARTMENT):
            mine, theirs = getattr(member.state, name), getattr(one.state, name)
            assert np.shape(mine) == np.shape(theirs), name
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOL, err_msg=f"{name} of member {j}")
        np.testing.assert_allclose(member.state.peer_w.toarray(), one.state.peer_w.toarray(), rtol=0, atol=TOL)
        assert member.state.week == one.state.week


def test_an_ensemble_run_matches_orgmodel_runs():
    kwargs = dict(executives=1, layers=2, span=5, pivot_interval=8.0, p_quit=0.02, feedback=0.4)
    rngs = [np.random.default_rng(s) for s in (11, 12, 13)]
    series = run_ensemble(rngs, 20, **kwargs)
    for s, ts in zip((11, 12, 13), series):
        alone = OrgModel(rng=np.random.default_rng(s), **kwargs).run(20)
        pd.testing.assert_frame_equal(ts, alone, check_exact=False, rtol=0, atol=TOL)
        assert ts.dtypes.equals(alone.dtypes)


def test_a_member_is_not_its_neighbour():
    """Different seeds give different members (the comparison above could not pass by accident
    if every member ran the same organisation)."""
    a, b = run_ensemble([np.random.default_rng(1), np.random.default_rng(2)], 5, executives=1, layers=1, span=4)
    assert not np.allclose(a["alignment"], b["alignment"])


def test_an_ensemble_needs_a_chart_per_member():
    with pytest.raises(ValueError, match="one chart and one set of parameters per member"):
        Engine(validate(), [np.random.default_rng(1)] * 2, [None])


def test_every_varying_parameter_is_exercised():
    from sim.engine import VARYING

    assert set(VARYING) == {name for member in DIFFERENT for name in member}


def test_members_may_differ_only_in_the_varying_parameters():
    with pytest.raises(ValueError, match="differ in defender_share: they may differ only in pivot_interval"):
        Engine([validate(defender_share=0.1), validate(defender_share=0.2)], [np.random.default_rng(1)] * 2)



def test_one_member_stacked_runs_as_alone():
    """An ensemble of one (what the runners use for a leftover replication) keeps its levels apart
    (its rows are one member from top to bottom)."""
    kwargs = dict(executives=1, layers=2, span=4, pivot_interval=6.0, p_quit=0.02)
    alone = run_ensemble([3], 30, stacked=False, **kwargs)[0]
    stacked = run_ensemble([3], 30, stacked=True, **kwargs)[0]
    pd.testing.assert_frame_equal(stacked, alone, check_exact=False, rtol=0, atol=TOL)


def test_replications_in_ensembles_match_replications_alone():
    from sim.runner import run
    from sim.scenario import load_scenario

    scenario = load_scenario("baseline", {"executives": 1, "layers": 2, "span": 5, "horizon": 12, "pivot_interval": 4.0})
    one = run(scenario, reps=5, seed=7, batch=1)
    for batch in (2, None):
        together = run(scenario, reps=5, seed=7, batch=batch)
        pd.testing.assert_frame_equal(together.timeseries, one.timeseries, check_exact=False, rtol=0, atol=TOL)
    # a replication's results do not depend on which others share its ensemble
    pd.testing.assert_frame_equal(run(scenario, reps=5, seed=7, batch=2).summary,
                                  run(scenario, reps=5, seed=7, batch=3).summary, check_exact=True)
    # and batch 1 is OrgModel's run, bit for bit
    alone = OrgModel(np.random.default_rng(np.random.SeedSequence(7).spawn(5)[3]), **scenario.model_kwargs()).run(12)
    expected = one.timeseries[one.timeseries["rep"] == 3].drop(columns="rep").reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, expected, check_exact=True)


def test_a_sweep_in_ensembles_gives_the_table_of_runs_alone(tmp_path):
    from sim.sweep import spec_from_dict, sweep
    from sim.sweep.engine import _batches

    spec = spec_from_dict({"name": "ens", "base": "baseline", "set": {"executives": 1, "layers": 2, "span": 4},
                           "horizon": 10, "replications": 3,
                           "parameters": {"pivot_interval": [0.0, 3.0], "role_clarity": [0.2, 0.8],
                                          "defender_share": [0.1, 0.3]}})
    together = sweep(spec, tmp_path / "together", workers=1).sort_values("run").reset_index(drop=True)
    alone = sweep(spec, tmp_path / "alone", workers=1, batch=1).sort_values("run").reset_index(drop=True)
    numbers = [c for c in together.columns if pd.api.types.is_float_dtype(together[c])]
    pd.testing.assert_frame_equal(together[numbers], alone[numbers], check_exact=False, rtol=0, atol=TOL)
    assert (together["status"] == "ok").all()
    # points that differ only in VARYING parameters share ensembles; defender_share splits them
    values = [{"pivot_interval": a, "role_clarity": b, "defender_share": c}
              for a in (0.0, 3.0) for b in (0.2, 0.8) for c in (0.1, 0.3)]
    batches = _batches(list(range(24)), values, 3, workers=1, members=40)  # (6 a batch: 4 for the worker)
    assert sorted(r for b in batches for r in b) == list(range(24)) and all(len(b) == 6 for b in batches)
    assert all(len({values[r // 3]["defender_share"] for r in b}) == 1 for b in batches)
    assert all(len({r // 3 for r in b}) > 1 for b in batches)  # several points in each


def test_a_refused_point_fails_only_its_own_runs_in_an_ensemble():
    """(Found by CI when champion_share joined VARYING: a resumed sweep grouped the runs of a refused
    point, champion share 0.9 with defender share 0.5, with valid ones, and all of them failed.)"""
    from sim.sweep.engine import run_batch

    kwargs = dict(executives=1, layers=2, span=3, defender_share=0.5)
    runs = [(0, 0, 0, {"champion_share": 0.1}), (1, 1, 0, {"champion_share": 0.9}), (2, 0, 1, {"champion_share": 0.1})]
    together = run_batch((7, kwargs, 10, (5, ["alignment"]), runs, True))
    assert [record["status"] for record, _ in together] == ["ok", "error", "ok"]
    assert "champion_share" in together[1][0]["error"] and together[1][1] is None
    for i in (0, 2):  # as the run in an ensemble without the refused one
        (record, series), = run_batch((7, kwargs, 10, (5, ["alignment"]), [runs[i]], True))
        assert together[i][0] == record
        pd.testing.assert_frame_equal(together[i][1], series, check_exact=True)


def test_replications_drawn_from_a_posterior_share_ensembles(monkeypatch):
    import sim.runner
    from sim.runner import run
    from sim.scenario import load_scenario

    sizes = []

    def counted(rngs, *args, **kwargs):
        sizes.append(len(rngs))
        return run_ensemble(rngs, *args, **kwargs)

    monkeypatch.setattr(sim.runner, "run_ensemble", counted)

    scenario = load_scenario("baseline", {"executives": 1, "layers": 2, "span": 4, "horizon": 10})
    posterior = pd.DataFrame({"translation_noise": [0.2, 0.9, 1.5], "base_load": [0.1, 0.5, 0.9],
                              "weight": [0.3, 0.3, 0.4]})
    alone = run(scenario, reps=6, seed=3, batch=1, posterior=posterior)
    together = run(scenario, reps=6, seed=3, posterior=posterior)
    assert sizes == [1] * 6 + [6]  # one at a time, then the six together
    assert together.draws.equals(alone.draws) and together.draws["translation_noise"].nunique() > 1
    pd.testing.assert_frame_equal(together.timeseries, alone.timeseries, check_exact=False, rtol=0, atol=TOL)
