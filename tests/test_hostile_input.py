"""Hostile and malformed scenario files and sweep specs (issue 19): every case ends in one clear,
bounded line naming the field (exit 2 from the CLI), or in a correct reading; never a traceback, a
hang, unbounded memory, or a file written outside the output folder.

Hand-written cases first (each a defect that was found), then hypothesis strategies over scenario
and sweep documents. Most cases call the library (fast); the ones about hangs and memory run the
real command in a subprocess, with a time limit and its peak memory measured (``os.wait4``).
"""

from __future__ import annotations

import os
import resource
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.orgchart import MAX_LEVELS, ChartError, chart_from_table, picture
from sim.inputs import MAX_BYTES, MAX_DEPTH, MAX_NODES, QUOTE_CHARS, quote
from sim.scenario import FIELDS, MAX_EXTENDS, ScenarioError, load_scenario
from sim.sweep.spec import SweepError, load_spec

ROOT = Path(__file__).resolve().parents[1]
CASCADE = Path(sys.executable).with_name("cascade")
MESSAGE_LIMIT = 600  # characters in one error line, whatever the input


def bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" value (``width ** levels`` strings from a few hundred bytes) given to a
    parameter, so that it is the value an error message quotes."""
    value = f"&a0 [{', '.join(['lol'] * width)}]"
    for k in range(1, levels):
        value = f"&a{k} [{value}, {', '.join([f'*a{k - 1}'] * (width - 1))}]"
    return f"parameters:\n  role_clarity: {value}\n"


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rejected(path: Path, *words: str) -> str:
    """The scenario is refused with one bounded line naming each of ``words``."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message and len(message) < MESSAGE_LIMIT, message[:2000]
    for word in words:
        assert word in message, message
    return message


def run_measured(*args, timeout: float = 120, cwd=None, file_size: int | None = None) -> tuple[int, str, str, int]:
    """The real command in a subprocess, within ``timeout``; returns its exit code, stdout, stderr
    and peak resident memory (bytes, from ``os.wait4``). ``file_size``: the largest file it may
    write (a full disk, as the process sees it: writes beyond fail with EFBIG)."""
    cmd = [str(CASCADE)] if CASCADE.exists() else [sys.executable, "-m", "sim"]
    with open(os.devnull, "w") as devnull:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        proc = subprocess.Popen([*cmd, *map(str, args)], stdout=out_w, stderr=err_w, stdin=devnull,
                                cwd=cwd, env=env, preexec_fn=limit if file_size else None)
        os.close(out_w)
        os.close(err_w)
        deadline = time.monotonic() + timeout
        chunks = {out_r: [], err_r: []}
        open_fds = {out_r, err_r}
        sel = selectors.DefaultSelector()
        for fd in open_fds:
            sel.register(fd, selectors.EVENT_READ)
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    sel.unregister(key.fd)
                    open_fds.discard(key.fd)
                    os.close(key.fd)
        for fd in open_fds:
            sel.unregister(fd)
            os.close(fd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert time.monotonic() < deadline, f"cascade {' '.join(map(str, args))} did not finish in {timeout} s"
    decode = lambda fd: b"".join(chunks[fd]).decode("utf-8", "replace")  # noqa: E731
    return proc.returncode, decode(out_r), decode(err_r), usage.ru_maxrss * 1024


def one_clean_line(code: int, err: str, *words: str) -> str:
    assert code == 2, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < MESSAGE_LIMIT, err[:3000]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- hand-written cases


def test_alias_bomb_is_refused_quickly_by_the_command_with_bounded_memory(tmp_path):
    """565 bytes that expand to 9**9 strings hung `cascade validate` and `run` (1.7 GB in 30 s)."""
    path = write(tmp_path, bomb())
    assert len(path.read_bytes()) < 700
    for command in ("validate", "run"):
        extra = ("--out", tmp_path / "out") if command == "run" else ()
        code, _, err, peak = run_measured(command, path, *extra, timeout=90)
        one_clean_line(code, err, "aliases", f"{MAX_NODES:,}")
        assert peak < 600 * 2**20, f"peak memory {peak / 2**20:.0f} MiB"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_small_bomb_is_not_quoted_in_full(tmp_path):
    """A 343-byte variant printed an 8 MB one-line error (the value formatted with !r)."""
    path = write(tmp_path, bomb(levels=4, width=9))  # 9**4 = 6,561 values: under the node limit
    message = rejected(path, "parameters.role_clarity")
    assert message.count("lol") <= 4


def test_deep_nesting_is_a_clear_error(tmp_path):
    """YAML nested ~600 levels ended in a RecursionError traceback."""
    rejected(write(tmp_path, "parameters: " + "[" * 600 + "]" * 600 + "\n"), "nested", str(MAX_DEPTH))
    rejected(write(tmp_path, "a:\n" + "".join(" " * k + "- \n" for k in range(1, 700))), "nested")


@pytest.mark.parametrize("text", ["? [1, 2]\n: 3\n", "{{a: 1}: 2}\n", "parameters: {[x]: 1}\n"])
def test_a_list_or_mapping_as_key_is_a_clear_error(tmp_path, text):
    rejected(write(tmp_path, text), "cannot be a key", "line")


def test_long_extends_chain_is_refused(tmp_path):
    """A 1,500-file extends chain ended in a RecursionError traceback."""
    for k in range(1500):
        write(tmp_path, f"extends: s{k + 1}.yaml\n" if k < 1499 else "horizon: 10\n", f"s{k}.yaml")
    rejected(tmp_path / "s0.yaml", "extends", str(MAX_EXTENDS))
    for k in range(MAX_EXTENDS - 1):  # a chain within the limit still works
        write(tmp_path, f"extends: t{k + 1}.yaml\n", f"t{k}.yaml")
    write(tmp_path, "horizon: 12\n", f"t{MAX_EXTENDS - 1}.yaml")
    assert load_scenario(tmp_path / "t0.yaml").horizon == 12


def test_an_organisation_too_large_for_memory_is_refused_before_building(tmp_path):
    """Each setting in range, 204,970,088,135,593,220 people in total: `validate` called it valid."""
    path = write(tmp_path, "structure: {executives: 20, layers: 8, span: 60}\n")
    rejected(path, "structure", "people", "GiB")
    code, _, err, _ = run_measured("validate", path, timeout=60)
    one_clean_line(code, err, "memory")


def test_large_files_and_values_are_bounded(tmp_path):
    big = write(tmp_path, "description: '" + "x" * (MAX_BYTES + 10) + "'\n")
    rejected(big, "larger than")
    long_description = write(tmp_path, "horizon: 10\ndescription: '" + "word " * 5000 + "'\n")
    rejected(long_description, "description", "at most")
    secret = "hunter2-" * 2000  # a long value is quoted in part only
    message = rejected(write(tmp_path, f"parameters: {{role_clarity: '{secret}'}}\n"),
                       "parameters.role_clarity")
    assert message.count("hunter2") < QUOTE_CHARS // 8 + 2


@pytest.mark.parametrize("text, field", [
    ("horizon: 0100\n", "horizon"),  # YAML 1.1: octal 64 weeks
    ("horizon: 1:44\n", "horizon"),  # YAML 1.1: sexagesimal 104 weeks
    ("seed: 0o17\n", "seed"),
    ("horizon: 0x1F\n", "horizon"),
])
def test_numbers_are_never_silently_reinterpreted(tmp_path, text, field):
    rejected(write(tmp_path, text), field, "expected an integer")


def test_exponent_notation_is_a_number(tmp_path):
    """`1e-3` was read as text and rejected."""
    sc = load_scenario(write(tmp_path, "parameters: {rationale: 1e-3}\nhorizon: 1_0\n"))
    assert sc.parameters["rationale"] == 0.001 and sc.horizon == 10


def test_an_empty_scenario_file_is_an_error(tmp_path):
    """An empty file ran the defaults without a word."""
    for text in ("", "\n# only a comment\n", "{}\n", "---\n"):
        rejected(write(tmp_path, text), "empty")


@pytest.mark.parametrize("name", ["..", ".", "../../escaped", "a/b", "a\\\\b", "\\e[31mred\\e[0m", "x\\u0007"])
def test_names_cannot_escape_folders_or_carry_terminal_escapes(tmp_path, name):
    rejected(write(tmp_path, f'name: "{name}"\nhorizon: 10\n'), "name")


def test_control_characters_in_names_never_reach_the_terminal(tmp_path):
    path = write(tmp_path, 'goals:\n  - {name: "\\e]0;pwned\\a", perspective: financial, weight: 1}\n'
                           '  - {name: b, perspective: customer, weight: 1}\n')
    message = rejected(path, "goals[0].name")
    assert "\x1b" not in message and "\x07" not in message
    code, _, err, _ = run_measured("validate", path, timeout=60)
    one_clean_line(code, err, "goals[0].name")
    assert "\x1b" not in err


def test_name_dotdot_writes_nothing_outside_out(tmp_path):
    """`name: ".."` wrote results outside --out."""
    path = write(tmp_path, 'name: ".."\nstructure: {executives: 1, layers: 1, span: 2}\nhorizon: 3\n'
                           "replications: 2\n")
    out = tmp_path / "work" / "out"
    out.mkdir(parents=True)
    code, _, err, _ = run_measured("run", path, "--out", out, timeout=120)
    one_clean_line(code, err, "name")
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["out"]


def test_duplicate_keys_in_sweep_specs_are_refused(tmp_path):
    path = write(tmp_path, "name: dup\nbase: baseline\nreplications: 2\nreplications: 3\n"
                           "parameters: {role_clarity: [0.2, 0.8]}\n")
    with pytest.raises(SweepError, match="duplicate key 'replications'"):
        load_spec(path)


def test_sweep_spec_bomb_is_refused(tmp_path):
    path = write(tmp_path, bomb().replace("parameters: {role_clarity:", "name: b\nbase: baseline\nparameters: {role_clarity:"))
    with pytest.raises(SweepError, match="aliases") as info:
        load_spec(path)
    assert len(str(info.value)) < MESSAGE_LIMIT


@pytest.mark.parametrize("text, field", [
    ("interventions: {26: {5: 1}}\n", "interventions.26.5"),  # was a TypeError in the suggestion
    ("interventions: {26: {null: 1}}\n", "interventions.26.None"),
    ("interventions: {26: {[1]: 1}}\n", "cannot be a key"),
])
def test_odd_keys_in_interventions_are_a_clear_error(tmp_path, text, field):
    rejected(write(tmp_path, text), field)


@pytest.mark.parametrize("text", ["parameters: {role_clarity: &a [*a]}\n", "goals: &a [*a]\n",
                                  "interventions: &a {26: *a}\n", "structure: &a {span: *a}\n"])
def test_recursive_aliases_are_a_clear_error(tmp_path, text):
    rejected(write(tmp_path, text))


@pytest.mark.parametrize("args, words", [
    (["run", "baseline", "--reps", "99999999999"], ["--reps", "10,000"]),
    (["validate", "baseline", "--set", "role_clarity=" + "9" * 5000], ["role_clarity", "[0, 1]"]),
    (["validate", "baseline", "--set", "span=" + ",".join(["3"] * 20000)], ["span"]),
    (["validate", "\x1b[31mred"], ["no scenario file"]),
    (["validate", "baseline", "--set", "x" * 3000 + "=1"], ["unknown parameter"]),
])
def test_hostile_command_line_flags_get_one_bounded_line(tmp_path, args, words):
    extra = ["--out", tmp_path / "out"] if args[0] == "run" else []
    code, _, err, _ = run_measured(*args, *extra, timeout=60)
    line = one_clean_line(code, err, *words)
    assert "\x1b" not in line
    assert not (tmp_path / "out").exists()


def test_quote_is_bounded_on_shared_and_huge_values():
    shared = ["lol"] * 9
    for _ in range(30):  # 9**30 strings if expanded
        shared = [shared] * 9
    text = quote(shared)
    assert len(text) < QUOTE_CHARS + 20
    assert quote("\x1b[2J" + "x" * 10_000).count("x") < QUOTE_CHARS


# --------------------------------------------------------------------------- faults

TINY = "name: tiny\nstructure: {executives: 1, layers: 1, span: 2}\nhorizon: 3\nreplications: 2\nseed: 1\n"


def test_a_full_disk_while_saving_is_one_line_and_leaves_nothing(tmp_path):
    """Disk full ended in a traceback (exit 1)."""
    path = write(tmp_path, TINY)
    out = tmp_path / "out"
    code, _, err, _ = run_measured("run", path, "--out", out, timeout=120, file_size=4096)
    one_clean_line(code, err, "cannot write", "File too large")
    assert not [p for p in out.rglob("*") if p.is_file()]  # no half-written results


def test_a_folder_left_by_a_killed_save_is_removed_by_the_next_run(tmp_path):
    """`kill -9` while saving left a hidden .partial-* folder forever."""
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid no longer runs
    stale = tmp_path / "out" / "tiny" / f".20260101-000000.partial-{dead.pid}"
    stale.mkdir(parents=True)
    (stale / "summary.csv").write_text("half")
    alive = tmp_path / "out" / "tiny" / f".20260101-000001.partial-{os.getpid()}"  # a writer still running
    alive.mkdir()
    code, _, err, _ = run_measured("run", write(tmp_path, TINY), "--out", tmp_path / "out", timeout=120)
    assert code == 0, err[-2000:]
    assert not stale.exists() and alive.exists()
    assert len([p for p in (tmp_path / "out" / "tiny").iterdir() if not p.name.startswith(".")]) == 1


# --------------------------------------------------------------------------- hypothesis


KEYS = st.sampled_from([*FIELDS, "role_clarity", "executives", "layers", "span", "pivot", "file", "name",
                        "weight", "perspective", "kpi_bias", 26, 0, -1, True, None, "x" * 300])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["pivot", "baseline", "financial", "0100", "1:44", "1e-3", ".inf",
                                     "\x1b[31m", "..", "/etc/passwd", "../x", "~"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(KEYS, inner, max_size=4)),
                      max_leaves=20)
SMALL_ORG = {"executives": 1, "layers": 1, "span": 2}


@st.composite
def scenario_documents(draw):
    """Mostly-plausible scenario mappings: known fields with arbitrary values, plus noise."""
    doc = {}
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
        if field == "extends":  # keep loading local: a file next to it, a bundled name, or nonsense
            doc[field] = draw(st.sampled_from(["baseline", "missing.yaml", "../../etc/passwd", "case.yaml"]))
        elif field == "org_chart":
            doc[field] = draw(st.sampled_from(["missing.csv", "/etc/passwd", "../x.csv", ""]))
        elif field == "structure":
            doc[field] = draw(st.one_of(st.just(SMALL_ORG), st.dictionaries(KEYS, VALUES, max_size=3)))
        elif field == "interventions":
            doc[field] = draw(st.dictionaries(st.one_of(st.integers(-2, 60), KEYS),
                                              st.one_of(st.just("pivot"), st.dictionaries(KEYS, VALUES, max_size=3),
                                                        VALUES), max_size=3))
        elif field == "parameters":
            doc[field] = draw(st.dictionaries(st.sampled_from(["role_clarity", "rationale", "span", "pivot_interval",
                                                                "x"]), VALUES, max_size=3))
        else:
            doc[field] = draw(VALUES)
    if draw(st.booleans()):
        doc[draw(KEYS)] = draw(VALUES)
    return doc


def _dump(doc) -> str:
    try:
        return yaml.safe_dump(doc, allow_unicode=True)
    except (yaml.YAMLError, TypeError):
        return yaml.safe_dump({"description": "unrepresentable"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=scenario_documents())
def test_any_scenario_document_is_read_or_refused_in_one_line(tmp_path, doc):
    path = write(tmp_path, _dump(doc))
    try:
        sc = load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) < MESSAGE_LIMIT, message[:2000]
        assert message.startswith(str(path)) or message.startswith(path.name) or "case" in message, message
        return
    assert 1 <= sc.horizon <= 5200 and 1 <= sc.replications
    sc.params  # noqa: B018 - a valid scenario has valid parameters


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\" \n\t#%@`,?01.e")), max_size=200))
def test_any_text_is_read_or_refused_in_one_line(tmp_path, text):
    path = write(tmp_path, text)
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < MESSAGE_LIMIT


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from(["name", "base", "design", "parameters", "replications", "seed",
                                            "metrics", "timeseries", "horizon", "set", "x"]), VALUES, max_size=6))
def test_any_sweep_document_is_read_or_refused_in_one_line(tmp_path, doc):
    path = write(tmp_path, _dump(doc))
    try:
        load_spec(path)
    except SweepError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < MESSAGE_LIMIT, str(exc)[:2000]


# --------------------------------------------------------------------------- org charts


def chain(n: int) -> pd.DataFrame:
    """A chart that is one long management chain, n levels deep."""
    ids = [f"P{i}" for i in range(n)]
    return pd.DataFrame({"person_id": ids, "manager_id": ["", *ids[:-1]]})


def test_a_very_deep_chart_is_refused_quickly(tmp_path):
    """A 200k-level chain did not finish `cascade orgchart` in 300 s (`validate` took 123 s)."""
    with pytest.raises(ChartError, match=f"200000 levels deep.*at most {MAX_LEVELS} levels") as info:
        chart_from_table(chain(200_000), "deep.csv")
    assert "\n" not in str(info.value) and len(str(info.value)) < MESSAGE_LIMIT
    chain(3_000).to_csv(tmp_path / "deep.csv", index=False)
    code, _, err, _ = run_measured("orgchart", tmp_path / "deep.csv", "--picture", tmp_path / "deep.png", timeout=60)
    one_clean_line(code, err, "levels deep", str(MAX_LEVELS))
    assert not (tmp_path / "deep.png").exists()


def test_the_deepest_allowed_chart_draws_a_screen_sized_picture(tmp_path):
    """At 3,000 levels the picture was 1,800 x 202,980 px (1.77 GB)."""
    oc = chart_from_table(chain(MAX_LEVELS), "deep.csv")
    fig = picture(oc)
    width, height = fig.get_size_inches() * fig.dpi
    assert width <= 2000 and height <= 2000


HOSTILE_CELLS = st.sampled_from(["", " ", "=1+1", "\x1b[2J", "x" * 500, "N/A", "E0", "2", "-1", "nan", "inf",
                                 "1e-3", "executive", "ceo", "Sales"])
COLUMNS = ["person_id", "manager_id", "department", "role", "credibility", "tenure"]


@st.composite
def chart_tables(draw):
    """A valid tree (each person's manager drawn among those before), then a few cells replaced
    by hostile values: about half the tables stay valid."""
    n = draw(st.integers(1, 15))
    rows = [{"person_id": f"E{i}", "manager_id": "" if i == 0 else f"E{draw(st.integers(0, i - 1))}",
             "department": draw(st.sampled_from(["", "Sales", "Ops"])), "role": "",
             "credibility": draw(st.sampled_from(["", "0.5", "1"])), "tenure": draw(st.sampled_from(["", "3"]))}
            for i in range(n)]
    for _ in range(draw(st.integers(0, 3))):
        rows[draw(st.integers(0, n - 1))][draw(st.sampled_from(COLUMNS))] = draw(HOSTILE_CELLS)
    return pd.DataFrame(rows, columns=COLUMNS)


@settings(max_examples=200, deadline=None)
@given(table=chart_tables())
def test_any_chart_table_is_read_or_refused_in_one_line(table):
    try:
        oc = chart_from_table(table, "chart.csv")
    except ChartError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < MESSAGE_LIMIT, str(exc)[:3000]
        return
    assert oc.n == len(table) and (oc.depth < MAX_LEVELS).all()
    assert (oc.bosses[oc.depth == 0] == -1).all() and (oc.bosses[oc.depth > 0] >= 0).all()
    assert set(oc.ids) == set(table["person_id"])


def test_chart_messages_are_bounded_however_long_the_cells_or_the_cycle():
    ring = [f"P{i}" for i in range(5000)]
    with pytest.raises(ChartError, match="cycle") as info:
        chart_from_table(pd.DataFrame({"person_id": ["E", *ring], "manager_id": ["", *ring[1:], ring[0]]}), "c.csv")
    assert len(str(info.value)) < MESSAGE_LIMIT
    long = "x" * 5000
    table = pd.DataFrame({"person_id": ["E", "A", "B"], "manager_id": ["", "E", long], "credibility": ["", long, "2"]})
    for broken in (table, table.assign(manager_id=["", "E", "A"])):
        with pytest.raises(ChartError) as info:
            chart_from_table(broken, "c.csv")
        assert len(str(info.value)) < MESSAGE_LIMIT and long not in str(info.value)
