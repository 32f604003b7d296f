"""Packaging (issue 19): the lock file pins every dependency within pyproject's bounds, and a wheel
(`pip install .`, not editable) carries the bundled scenarios, sweep specs and org charts."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def pins() -> dict[str, str]:
    out = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.lock: {line!r} is not name==version"
        out[canonicalize_name(name)] = version
    return out


def test_the_lock_pins_every_dependency_within_the_bounds_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"],
              *project["optional-dependencies"]["distributed"]]
    locked = pins()
    for text in wanted:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in requirements.lock (run `make lock`)"
        assert req.specifier.contains(locked[name], prereleases=True), \
            f"requirements.lock pins {req.name}=={locked[name]}, outside {req.specifier} (run `make lock`)"
    for known in ("ipyvue", "ipyvuetify", "mesa", "pydantic", "numpy"):  # known API breaks: bounded
        (req,) = [Requirement(t) for t in project["dependencies"] if canonicalize_name(Requirement(t).name) == known]
        assert any(s.operator == "<" for s in req.specifier), f"{known} needs an upper bound"


def test_the_lock_is_what_this_environment_runs():
    """`make install` installed these versions (the tests run on the lock)."""
    from importlib.metadata import version

    for name in ("numpy", "pandas", "solara", "mesa", "pydantic", "pyyaml"):
        assert version(name) == pins()[canonicalize_name(name)], name


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    """A fresh virtualenv with the project installed from its wheel; the dependencies come from
    this environment (a .pth), so nothing is downloaded."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp / "dist")],
                           capture_output=True, text=True, timeout=600)
    if build.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {build.stderr.strip().splitlines()[-1:]}")
    (wheel,) = (tmp / "dist").glob("cascade_sim-*.whl")
    venv = tmp / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return venv, tmp


def test_a_wheel_install_has_the_bundled_scenarios_and_sweeps(wheel_env):
    venv, tmp = wheel_env
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*args):
        return subprocess.run([*args], capture_output=True, text=True, cwd=elsewhere, env=env, timeout=300)

    where = run(str(venv / "bin" / "python"), "-c", "import sim; print(sim.__file__)")
    assert where.returncode == 0 and where.stdout.startswith(str(venv)), where.stdout + where.stderr
    listed = run(str(venv / "bin" / "cascade"), "list")
    assert listed.returncode == 0, listed.stderr
    for name in ("baseline", "enabled", "technology"):
        assert name in listed.stdout
    checked = run(str(venv / "bin" / "cascade"), "validate", "enabled")  # extends: baseline
    assert checked.returncode == 0 and "valid" in checked.stdout, checked.stderr
    specs = run(str(venv / "bin" / "python"), "-c",
                "from sim.sweep.spec import bundled_specs, load_spec; "
                "print(sorted(bundled_specs())); print(load_spec('pivot_vs_clarity').name); "
                "from sim.scenario import SCENARIO_DIR, load_scenario; "
                "from sim.calibrate.survey import read_survey; "
                "print(read_survey(SCENARIO_DIR / 'surveys' / 'example_pulse.csv').respondents); "
                "print(load_scenario(SCENARIO_DIR / 'orgcharts' / 'midsize_company.yaml').people)")
    assert specs.returncode == 0, specs.stderr
    assert "pivot_vs_clarity" in specs.stdout and int(specs.stdout.split()[-1]) > 0
    assert int(specs.stdout.split()[-2]) == 400  # the example survey is installed with the scenarios
