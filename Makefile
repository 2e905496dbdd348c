# The two commands of README.md:
#   make demo   set up and run brand-scout on its embedded defaults (SQLite, sample data, offline model)
#   make test   set up and run the whole test suite (tests/unit, tests/integration, tests/e2e)
#   make test-fast  the unit tier only (tests/unit: no database, subprocess, socket, browser or thread)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test test-fast lint audit lock bench-sentiment bench-pipeline clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e . -c requirements.lock
	touch $@

$(VENV)/.dev: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev,train]" -c requirements.lock
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/scout demo

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -q tests/unit

lint: $(VENV)/.dev
	$(BIN)/ruff check monitor connectors tests bench scripts
	$(BIN)/mypy monitor connectors bench tests scripts/audit.py

audit: $(VENV)/.dev
	$(BIN)/python scripts/audit.py requirements.lock

lock:
	bash scripts/lock.sh

bench-sentiment: $(VENV)/.dev
	$(BIN)/python -m bench.sentiment.run

bench-pipeline: $(VENV)/.dev
	$(BIN)/python -m bench.pipeline.run

clean:
	rm -rf $(VENV) data/demo .pytest_cache .mypy_cache .ruff_cache
