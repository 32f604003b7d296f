"""The OrgModel API: construction, agents, validation, interventions, pluggable submodels,
the message trace, the DataCollector's time series and the summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import params

import sim
import sim.engine
from sim import Employee, Executive, Intervention, MiddleManager, OrgModel, ParameterError
from sim.org import EMPLOYEE, EXECUTIVE, MANAGER
from sim.submodels import BOUNDED_CONFIDENCE, Submodel


def model(rng=1, **overrides):
    return OrgModel(rng=rng, **params(**overrides))


# ------------------------------------------------------------------------------ construction

@pytest.mark.parametrize("structure, counts", [
    (dict(executives=2, layers=2, span=3), (2, 2 * (3 + 9), 2 * 27)),
    (dict(executives=1, layers=2, span=[2, 3, 4]), (1, 2 + 6, 24)),
    (dict(executives=3, layers=1, span=1), (3, 3, 3)),
])
def test_agents_by_type_counts(structure, counts):
    m = model(**structure)
    got = tuple(len(m.agents_by_type[cls]) for cls in (Executive, MiddleManager, Employee))
    assert got == counts
    assert len(m.people) == m.org.n == sum(counts)
    for row, agent in enumerate(m.people):
        assert agent.row == row
        assert isinstance(agent, (Executive, MiddleManager, Employee)[m.org.role[row]])


def test_rng_none_and_generator_are_accepted():
    assert model(rng=None).run(2).shape[0] == 3
    a = model(rng=np.random.default_rng(5)).run(3)
    b = model(rng=np.random.default_rng(5)).run(3)
    pd.testing.assert_frame_equal(a, b)


ATTRIBUTES = {"understanding": "u", "confidence": "conf", "commitment": "m", "fatigue": "f",
              "trust": "tau", "credibility": "kappa", "capability": "c", "role_clarity": "r",
              "overload": "o"}


def test_agent_attributes_read_the_state_arrays():
    m = model(executives=1, layers=2, span=2)
    st, org = m.state, m.org
    manager = m.people[3]
    assert isinstance(manager, MiddleManager)
    for i, (attr, field) in enumerate(ATTRIBUTES.items()):
        getattr(st, field)[3] = 0.01 * (i + 1)
        assert getattr(manager, attr) == pytest.approx(0.01 * (i + 1))
    st.b[3] = [0.5, 0.5, 0.5, 0.5]
    np.testing.assert_array_equal(manager.belief, st.b[3])
    manager.belief[0] = 9.0  # a copy: the state is not changed through it
    assert st.b[3, 0] == 0.5
    for stance, name in enumerate(("neutral", "champion", "defender")):
        st.stance[3] = stance
        assert manager.stance == name
    assert manager.level == org.depth[3] == 2
    assert manager.department == org.dept[3]
    assert manager.boss is m.people[org.boss[3]] and manager.boss.row == 1
    assert [r.row for r in manager.reports] == list(np.flatnonzero(org.boss == 3))
    assert all(isinstance(r, Employee) for r in manager.reports)

    executive, employee = m.people[0], m.people[-1]
    assert executive.boss is None and executive.level == 0
    assert employee.reports == [] and employee.level == org.levels - 1
    np.testing.assert_array_equal(employee.work, st.x[-1])
    # views, not copies: after a step the agents show the new state
    m.step()
    for attr, field in ATTRIBUTES.items():
        assert getattr(employee, attr) == pytest.approx(getattr(st, field)[-1])
        assert getattr(manager, attr) == pytest.approx(getattr(st, field)[3])


# ------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("bad, words", [
    (dict(pivot_intervall=3.0), ["pivot_intervall", "did you mean 'pivot_interval'"]),
    (dict(eta=1.5), ["'eta'", "1.5", "[0, 1]"]),
    (dict(translation_noise=-0.1), ["'translation_noise'", "-0.1", "[0, 3]"]),
    (dict(layers=2.5), ["'layers'", "2.5", "integer", "[1, 8]"]),
    (dict(executives="2"), ["'executives'", "'2'", "integer"]),
    (dict(communication="email"), ["'communication'", "'email'", "'cascade'", "'broadcast'", "'both'"]),
    (dict(layers=2, span=[2, 2]), ["'span'", "[2, 2]", "one entry per level"]),
    (dict(span=0), ["'span'", "0", "[1, 60]"]),
    (dict(span=61), ["'span'", "61", "[1, 60]"]),
    (dict(layers=1, span=[2, 0]), ["'span'", "0", "[1, 60]"]),
    (dict(champion_share=0.7, defender_share=0.5), ["champion_share", "defender_share"]),
])
def test_invalid_parameters_raise_before_anything_runs(monkeypatch, bad, words):
    def boom(*args, **kwargs):
        raise RuntimeError("the organisation was built before validation")

    monkeypatch.setattr(sim.engine, "build_org", boom)  # (the engine under OrgModel builds it)
    with pytest.raises(ParameterError) as err:
        OrgModel(rng=1, **{**params(), **bad})
    message = str(err.value)
    for word in words:
        assert word in message, (word, message)
    assert "\n" not in message  # one clear line
    # the patch is live: valid parameters do reach the construction
    with pytest.raises(RuntimeError):
        OrgModel(rng=1, **params())


def test_parameter_error_is_a_value_error():
    assert issubclass(ParameterError, ValueError)


def test_parameter_error_names_a_bad_span_once():
    with pytest.raises(ParameterError) as err:
        OrgModel(rng=1, **{**params(), "span": 2.5})
    assert str(err.value).count("'span' = 2.5") == 1, str(err.value)


# ------------------------------------------------------------------------------ interventions

def test_parameter_change_takes_effect_that_week():
    base = dict(capability_investment=0.0, pivot_interval=0.0, executives=1, layers=2, span=2)
    plain = model(rng=4, **base)
    changed = model(rng=4, **base, interventions=[
        Intervention(week=3, changes={"capability_investment": 0.1})])
    managers = plain.org.role == MANAGER
    for week in range(6):
        assert changed.week == week
        c_before = changed.state.c[managers].copy()
        plain.step()
        changed.step()
        if week < 3:
            np.testing.assert_array_equal(changed.state.c, plain.state.c)
        else:  # coaching closes 10% of the capability gap in the week of the change
            np.testing.assert_allclose(changed.state.c[managers],
                                       c_before + 0.1 * (1 - c_before), atol=1e-12)
    assert changed.p.capability_investment == 0.1 and plain.p.capability_investment == 0.0
    a, b = plain.timeseries(), changed.timeseries()
    pd.testing.assert_frame_equal(a.iloc[:4], b.iloc[:4])  # rows for weeks 0-3: before it
    assert not a.iloc[4:].equals(b.iloc[4:])


def test_forced_pivot_takes_effect_that_week():
    m = model(rng=2, pivot_interval=0.0, pivot_magnitude=0.75,
              interventions=[Intervention(week=5, pivot=True), {"week": 8, "pivot": True}])
    s_before = None
    for week in range(10):
        if week == 5:
            s_before = m.state.s.copy()
        m.step()
    pivots = m.timeseries()["pivots"].tolist()
    # the step taken in week 5 pivots (its row is week 6), and again in week 8
    assert pivots == [0] * 6 + [1] * 3 + [2] * 2
    assert not np.allclose(m.state.s, s_before)


@pytest.mark.parametrize("changes, word", [
    ({"layers": 3}, "layers"), ({"span": 4}, "span"), ({"executives": 3}, "executives"),
])
def test_structural_interventions_are_rejected(changes, word):
    with pytest.raises(ParameterError, match=word):
        model(interventions=[Intervention(week=2, changes=changes)])


def test_invalid_intervention_values_are_rejected_up_front():
    with pytest.raises(ParameterError, match="'eta'"):
        model(interventions=[Intervention(week=2, changes={"eta": 2.0})])
    with pytest.raises(ParameterError, match="unknown parameter 'etaa'"):
        model(interventions=[Intervention(week=2, changes={"etaa": 0.2})])
    with pytest.raises(ParameterError, match="week"):
        model(interventions=[Intervention(week=-1, changes={"eta": 0.2})])


# ------------------------------------------------------------------------------ submodels

def test_bounded_confidence_replaces_peers():
    common = dict(executives=2, layers=2, span=3, peer_degree=4, beta=0.5, beta_m=0.3)
    a = model(rng=6, **common).run(12)
    m = OrgModel(rng=6, submodels={"peers": BOUNDED_CONFIDENCE}, **params(**common))
    assert [sm.name for sm in m.schedule] == [sm.name for sm in sim.submodels.SCHEDULE]
    assert m.schedule[3] is BOUNDED_CONFIDENCE
    b = m.run(12)
    assert list(a.columns) == list(b.columns) and len(b) == 13
    assert np.all(np.isfinite(b.to_numpy(float)))
    pd.testing.assert_frame_equal(a.iloc[:1], b.iloc[:1])  # same start
    assert not np.allclose(a["alignment_1"], b["alignment_1"])


def test_a_custom_submodel_is_called_each_week_with_its_own_stream():
    calls = []

    def draw(org, st, p, rng):
        return {"u": rng.random()}

    def apply(org, st, p, dr):
        calls.append((st.week, dr["u"]))

    m = OrgModel(rng=1, submodels={"feedback": Submodel("feedback", apply, draw)}, **params())
    m.run(4)
    assert [w for w, _ in calls] == [0, 1, 2, 3]
    assert len({u for _, u in calls}) == 4


def test_unknown_submodel_is_rejected():
    with pytest.raises(ParameterError, match="unknown submodel 'peer'.*peers"):
        OrgModel(rng=1, submodels={"peer": BOUNDED_CONFIDENCE}, **params())


# ------------------------------------------------------------------------------ trace

TRACE = dict(executives=2, layers=3, span=3, base_load=0.2, team_load=0.05, initiative_load=0.05,
             escalation_load=0.05, initiatives=2)


def test_trace_follows_one_chain_from_an_executive_to_an_employee():
    m = model(rng=3, **TRACE)
    m.run(3)
    assert m.state.load.max() < 1  # nothing is dropped
    employee = int(np.flatnonzero(m.org.role == EMPLOYEE)[7])
    tr = m.trace_message(employee=employee, rng=0)
    assert len(tr) == m.p.layers + 1
    assert m.org.role[tr["sender"].iloc[0]] == EXECUTIVE
    assert tr["receiver"].iloc[-1] == employee
    assert list(tr["sender"].iloc[1:]) == list(tr["receiver"].iloc[:-1])  # one unbroken chain
    for s, r in zip(tr["sender"], tr["receiver"]):
        assert m.org.boss[r] == s
    assert list(tr["level"]) == list(range(1, m.org.levels))
    assert tr["delivered"].all()
    for col in [c for c in tr.columns if "alignment" in c]:
        assert tr[col].between(-1, 1).all(), col
    # a random employee when none is given
    tr = m.trace_message(rng=1)
    assert m.org.role[tr["receiver"].iloc[-1]] == EMPLOYEE
    with pytest.raises(ValueError):
        m.trace_message(employee=m.org.n + 5)


def test_trace_records_a_drop_by_an_overloaded_sender():
    m = model(rng=3, **{**TRACE, "base_load": 5.0, "team_load": 1.0, "initiative_load": 1.0,
                        "initiatives": 10})
    m.step()
    assert m.state.load[m.org.role != EMPLOYEE].min() > 10
    drops = 0
    for seed in range(5):
        tr = m.trace_message(rng=seed)
        assert 1 <= len(tr) <= m.p.layers + 1
        if not tr["delivered"].iloc[-1]:
            drops += 1
            assert tr["delivered"].iloc[:-1].all()  # the trace stops at the drop
            assert "overloaded" in tr["what_happened"].iloc[-1]
            assert tr["delivery_chance"].iloc[-1] < 0.1
    assert drops >= 4


def test_trace_words_agree_with_the_alignments_it_reports():
    m = model(rng=4, **{**TRACE, "translation_noise": 0.6})
    m.run(3)
    st, p, k = m.state, m.p, m.p.n_goals
    seen = set()
    for seed in range(12):
        tr = m.trace_message(rng=seed)
        assert list(tr["sender_alignment"].iloc[1:]) == pytest.approx(list(tr["receiver_alignment_after"].iloc[:-1]))
        for _, hop in tr.iterrows():
            msg = np.array([hop[f"message_{g}"] for g in range(k)])
            assert hop["message_alignment"] == pytest.approx(float(centred_cosine(msg, st.s)))
            r, sender = int(hop["receiver"]), int(hop["sender"])
            assert hop["receiver_alignment_before"] == pytest.approx(float(centred_cosine(st.b[r], st.s)))
            w = (p.eta * st.tau[r] * (1 - st.f[r]) * (p.authority_weight + (1 - p.authority_weight) * st.kappa[sender])
                 * (1 - p.m_listen + p.m_listen * st.m[r]))
            assert hop["weight"] == pytest.approx(w if hop["delivered"] else 0.0)
            change, text = hop["message_alignment"] - hop["sender_alignment"], hop["what_happened"]
            if not hop["delivered"]:
                continue
            if change < -0.05:
                assert text.startswith("distorted"), (change, text)
            elif change <= 0.05:  # closely, unless the mix changed (reshuffled): see test_app_render
                assert text.startswith(("passed on closely", "reshuffled")), (change, text)
            else:
                assert text.startswith("noise happened to move it closer"), (change, text)
            seen.add(text.split()[0])
    assert {"distorted", "passed", "noise"} <= seen


def test_trace_does_not_change_the_model():
    a, b = model(rng=8, **TRACE), model(rng=8, **TRACE)
    a.run(4)
    b.run(4)
    before = {k: v.copy() for k, v in vars(b.state).items() if isinstance(v, np.ndarray)}
    for seed in range(3):
        b.trace_message(rng=seed)
    b.trace_message()  # with the model's own trace stream
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(b.state, k), v, err_msg=k)
    pd.testing.assert_frame_equal(a.run(6), b.run(6))


# ------------------------------------------------------------------------------ outputs

def centred_cosine(b, s):
    """MODEL.md 10.1's alignment, written out: the Pearson correlation of each row of b with s
    across the goals (0 for a row with no spread)."""
    bc = b - b.mean(axis=-1, keepdims=True)
    sc = s - s.mean()
    length = np.sqrt((bc * bc).sum(axis=-1) * (sc @ sc))
    return np.where(length > 0, bc @ sc / np.where(length > 0, length, 1.0), 0.0)


def test_time_series_has_every_output_of_section_6():
    m = model(rng=5, executives=1, layers=2, span=3, n_goals=4, pivot_interval=3.0,
              pivot_schedule="fixed", f_burnout=0.3, a_over=0.5, base_load=1.5, p_leave=0.3)
    ts = m.run(8)
    levels = range(m.org.levels)
    required = (
        ["week", "alignment", "action_alignment", "line_of_sight", "adoption",
         "overload", "burnout", "turnover", "trust", "bsc_balance", "initiatives_launched",
         "initiatives_succeeded", "initiatives_failed", "clarity_gap", "focus", "names_top",
         "perceived_alignment", "illusion_gap"]
        + [f"{name}_{d}" for name in ("alignment", "understanding", "fatigue", "confidence")
           for d in levels]
        + [f"execution_{k}" for k in range(4)])
    missing = [c for c in required if c not in ts.columns]
    assert not missing, missing
    assert list(ts["week"]) == list(range(9))
    assert ts.equals(m.datacollector.get_model_vars_dataframe().reset_index(drop=True))
    assert np.all(np.diff(ts["turnover"]) >= 0) and ts["turnover"].iloc[-1] > 0
    assert ts["initiatives_failed"].iloc[-1] >= 2  # pivots in weeks 3 and 6

    # the last row, recomputed from the state with MODEL.md 6's definitions
    st, org, last = m.state, m.org, ts.iloc[-1]
    cos = centred_cosine(st.b, st.s)
    for d in levels:
        rows = org.level(d)
        assert last[f"alignment_{d}"] == pytest.approx(cos[rows].mean())
        assert last[f"understanding_{d}"] == pytest.approx(st.u[rows].mean())
        assert last[f"fatigue_{d}"] == pytest.approx(st.f[rows].mean())
        assert last[f"confidence_{d}"] == pytest.approx(st.conf[rows].mean())
    staff = org.role != EXECUTIVE  # the whole-organisation outputs are over everyone below the executives
    assert last["alignment"] == pytest.approx(cos[staff].mean())
    q = st.b[staff] / st.b[staff].sum(axis=1, keepdims=True)
    entropy = -np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0).sum(axis=1)
    assert last["focus"] == pytest.approx(np.mean(1 - entropy / np.log(4)))
    assert last["names_top"] == pytest.approx(np.mean(st.b[staff].argmax(axis=1) == st.s.argmax()))
    assert last["illusion_gap"] == pytest.approx(last["perceived_alignment"] - last["alignment"])
    emp = org.role == EMPLOYEE
    act = centred_cosine(st.x[emp], st.s)
    assert last["action_alignment"] == pytest.approx(act.mean())
    assert last["line_of_sight"] == pytest.approx(np.mean(act >= 0.9))
    e = (1 - st.f[emp]) * (0.5 + 0.5 * st.tau[emp])
    E = (e[:, None] * st.x[emp]).mean(axis=0)
    for k in range(4):
        assert last[f"execution_{k}"] == pytest.approx(E[k])
    balance = 1 - 0.5 * np.abs(E / E.sum() - st.s / st.s.sum()).sum()
    assert last["bsc_balance"] == pytest.approx(balance)
    assert last["adoption"] == pytest.approx(np.mean(st.m[org.role == MANAGER] >= 0.5))
    assert last["turnover"] == st.turnover
    assert last["initiatives_launched"] == st.launched


def test_summary_is_a_plain_dict_with_the_summary_keys():
    m = model(rng=5, pivot_interval=4.0, pivot_schedule="fixed")
    ts = m.run(10)
    out = m.summary()
    assert type(out) is dict
    for key in ("alignment_final", "alignment_mean", "action_alignment_final", "understanding_final",
                "adoption_final", "fatigue_mean", "trust_final", "weeks_to_50", "weeks_to_80",
                "failure_rate", "peak_fatigue", "turnover", "focus_mean", "focus_final",
                "names_top_mean", "names_top_final", "illusion_gap_mean", "illusion_gap_final"):
        assert key in out, key
    assert all(type(v) in (int, float) for v in out.values()), {k: type(v) for k, v in out.items()}
    assert out["alignment_final"] == pytest.approx(ts["alignment"].iloc[-1])
    assert out["alignment_mean"] == pytest.approx(ts["alignment"].mean())
    assert out["peak_fatigue"] == pytest.approx(ts["fatigue"].max())
    assert out["turnover"] == ts["turnover"].iloc[-1]
    failed, succeeded = ts["initiatives_failed"].iloc[-1], ts["initiatives_succeeded"].iloc[-1]
    assert failed >= 2
    assert out["failure_rate"] == pytest.approx(failed / (failed + succeeded))
    for key in ("weeks_to_50", "weeks_to_80"):
        assert np.isnan(out[key]) or out[key] in set(ts["week"])
    if not np.isnan(out["weeks_to_80"]):
        assert out["weeks_to_80"] >= out["weeks_to_50"]
