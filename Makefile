# Cascade: make install | run | test | bench | validation
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# A Python >= 3.12: the first of these that exists (pyenv holds 3.12 and 3.13 on this machine).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

LOCK := requirements.lock

.PHONY: install lock run test bench validation defaults-calibration notebooks clean

$(PY):
	@test -n "$(PYTHON)" || { echo "make install: needs Python 3.12 or newer (none found on PATH or in pyenv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The tested versions in requirements.lock are constraints: a dependency added to pyproject.toml
# since the last `make lock` still installs (unpinned) until the lock is refreshed.
# The view's page assets come with the install (npm registry -> Solara's proxy cache), so it runs offline.
install: $(PY)
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[test]'
	@scripts/fetch_solara_assets.sh >/dev/null || echo "make install: Solara's page assets not fetched (needs npm); the view will need the internet"

# Refresh requirements.lock: the newest versions pyproject.toml allows, resolved in a fresh
# virtualenv (then run `make test` and commit the lock with the result).
lock:
	@test -n "$(PYTHON)" || { echo "make lock: needs Python 3.12 or newer"; exit 1; }
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[test]'
	{ sed -n '1,/^[^#]/p' $(LOCK) | grep '^#'; .lock-venv/bin/python -m pip freeze --exclude-editable | grep -iv '^cascade[-_]sim'; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv

run: install
	$(VENV)/bin/cascade run scenarios/baseline.yaml

test: install
	$(PY) -m pytest -n 2 -q

bench: install
	$(PY) bench/run.py

validation: install
	$(VENV)/bin/cascade validate-model
	$(PY) -m pytest -q -m validation tests/test_calibrate.py  # calibration recovery at full budget

# Calibrate the defaults to the published figures E1-E6, read as one organisation's survey, and
# write docs/DEFAULTS_CALIBRATION.md (about 10-15 minutes on 2 cores; rerun when the defaults change).
defaults-calibration: install
	$(PY) scripts/defaults_calibration.py --workers 2

# Execute the teaching notebooks and store them with their outputs (the tests fail when the stored
# outputs are stale: run this, then commit the notebooks).
notebooks: install
	$(PY) scripts/execute_notebooks.py

clean:
	rm -rf $(VENV) .lock-venv build *.egg-info
