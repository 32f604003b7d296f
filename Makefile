# Cascade: make install | run | test | bench | validation
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# A Python >= 3.12: the first of these that exists (pyenv holds 3.12 and 3.13 on this machine).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: install run test bench validation clean

$(PY):
	@test -n "$(PYTHON)" || { echo "make install: needs Python 3.12 or newer (none found on PATH or in pyenv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The view's page assets come with the install (npm registry -> Solara's proxy cache), so it runs offline.
install: $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@scripts/fetch_solara_assets.sh >/dev/null || echo "make install: Solara's page assets not fetched (needs npm); the view will need the internet"

run: install
	$(VENV)/bin/cascade run scenarios/baseline.yaml

test: install
	$(PY) -m pytest -n 2 -q

bench: install
	$(PY) bench/run.py

validation: install
	$(VENV)/bin/cascade validate-model

clean:
	rm -rf $(VENV) build *.egg-info
