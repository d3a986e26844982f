# The two Quickstart commands and the checks CI runs. Safe to run again: each step skips
# what is already done (the virtualenv is rebuilt only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= small

.PHONY: run test test-slow lint check install clean

$(BIN)/hub: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("the hub needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(BIN)/hub

install: $(BIN)/hub

## Load the demo into the embedded SQLite database (once), print a token per role, serve.
run: install
	$(BIN)/hub demo --scale $(SCALE)
	$(BIN)/hub serve

## The whole default test suite (PostgreSQL too where HUB_TEST_DATABASE_URL is set).
test: install
	$(BIN)/pytest -m "not slow"

## The long runs: large generated worlds, fault injection.
test-slow: install
	$(BIN)/pytest -m slow

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hub

check: lint test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
