# Two commands set up everything on a fresh machine: `make preview` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: preview test lint bench clean

$(STAMP): requirements.txt policies/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

preview: $(STAMP)
	$(BIN)/python -m toms preview --stack acme

bench: $(STAMP)
	$(BIN)/python -m toms.bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
