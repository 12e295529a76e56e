# Two commands set up everything on a fresh machine: `make preview` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: preview test lint quick-lint bench clean schemas sample-report checkov

$(STAMP): requirements.txt policies/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# The `toms` command in .venv/bin, running this checkout's code (pyproject.toml says what it includes).
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(STAMP)

# Lint and format checks and the import contracts: seconds. `make lint` adds the type check.
quick-lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

lint: quick-lint
	$(BIN)/mypy

# The suite in one worker process per core (pytest-xdist); `--dist loadfile` keeps each test module on one
# worker, so its module fixtures and the cached example-stack runs are built once, not once per worker.
# `python -m pytest tests/<path>` alone still runs in one process. Exit code 5 (no tests) still fails.
# mypy (most of a minute of one core on a fresh clone, before it has a cache) runs beside the suite, which
# leaves gaps on the cores while its tests wait for their processes; its report is printed when the suite
# ends, and either one failing fails the target.
test: quick-lint
	@report=$$(mktemp); $(BIN)/mypy > $$report 2>&1 & types=$$!; \
	$(BIN)/python -m pytest -n auto --dist loadfile; suite=$$?; \
	wait $$types; typed=$$?; echo "$(BIN)/mypy"; cat $$report; rm -f $$report; \
	test $$suite -eq 0 && test $$typed -eq 0

preview: $(STAMP)
	$(BIN)/toms preview --stack acme

# Bytecode first: a checkout's .pyc files go stale with every change, and an environment with
# PYTHONDONTWRITEBYTECODE set would otherwise compile the changed modules again in every timed run.
bench: $(STAMP)
	$(BIN)/python -m compileall -q toms components policies/toms_pack policies/__main__.py __main__.py
	$(BIN)/python -m toms.bench

# The artifacts' JSON schemas, generated from their pydantic models (tests/toms/test_artifact_schemas.py).
schemas: $(STAMP)
	$(BIN)/python -m toms.artifact_schemas

# docs/sample-report/: evidence from the real audit and drill against moto, then the report of it
# (tests/toms/report/test_sample_report.py fails when the checked-in report is not what it writes).
sample-report: $(STAMP)
	$(BIN)/python -m tests.toms.report.sample_report

# The policy pack's own virtualenv: PulumiPolicy.yaml points the pulumi CLI at it (docs/deploying.md).
PACK_VENV := policies/venv
PACK_STAMP := $(PACK_VENV)/.installed
.PHONY: policy-venv

$(PACK_STAMP): policies/requirements.txt
	test -x $(PACK_VENV)/bin/python || $(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python -m pip install --quiet -r policies/requirements.txt
	touch $(PACK_STAMP)

policy-venv: $(PACK_STAMP)

# Checkov on every example stack, compared with what README accepts (tools/checkov/scan.py). Checkov runs from
# its own virtualenv, never a dependency of the product; the converter is the shared checkov-plan, unchanged.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CHECKOV_PLAN ?= ../shared/tools/checkov-plan

$(CHECKOV_STAMP): tools/checkov/requirements.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r tools/checkov/requirements.txt
	touch $(CHECKOV_STAMP)

checkov: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/python tools/checkov/scan.py --checkov $(CHECKOV_VENV)/bin/checkov --converter $(CHECKOV_PLAN)

clean:
	rm -rf $(VENV) $(PACK_VENV) $(CHECKOV_VENV) .pytest_cache .mypy_cache .ruff_cache toms.egg-info build
