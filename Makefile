# Developer entry points. Everything runs from the project's own virtualenv,
# built from requirements.lock with every hash checked: a fresh machine needs
# only python3 (3.11+) and make, plus Debian's postgresql package for the
# PostgreSQL tests (.ci/run installs it when missing).
#
#   make up      run nats-server and the three services (data in ./var)
#   make test    protos-check, lint, then the whole test suite
#   make lock    regenerate requirements.lock after changing pyproject.toml

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv up test protos protos-check lint bench lock clean fuzz simulate faults

venv: $(STAMP)

# Re-runs only when the lock or pyproject.toml changes (or .venv is gone).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
	touch $@

up: venv
	$(BIN)/benefits up

test: venv protos-check lint
	$(BIN)/python -m pytest -q

protos: venv
	$(BIN)/python scripts/gen_protos.py

protos-check: venv
	$(BIN)/python scripts/gen_protos.py --check
	$(BIN)/buf lint protos

lint: venv
	$(BIN)/ruff check services tests benchmarks scripts
	$(BIN)/mypy

# The long profiles below run single tests for longer than the suite's hang
# limit (faulthandler_timeout in pyproject.toml), so they lift it.
#
# The long fuzz profile: every RPC of every service with random, boundary and
# malformed input; prints the calls made per RPC, the status codes seen and
# anything found. BENEFITS_FUZZ_EXAMPLES=20000 (the default) makes over 20,000
# calls; `make test` runs a short profile.
fuzz: venv
	BENEFITS_FUZZ_EXAMPLES=$${BENEFITS_FUZZ_EXAMPLES:-20000} $(BIN)/python -m pytest -q -s -o faulthandler_timeout=0 -m fuzz tests/fuzz

# The long profile of the deterministic simulation (tests/test_simulation.py):
# 300 seeds of 1000 steps unless BENEFITS_SIM_RUNS / BENEFITS_SIM_STEPS say
# otherwise; BENEFITS_SIM_SEED is the first seed (random by default). Prints the
# totals (steps, faults injected, outcomes); a failure names its seed.
simulate: venv
	BENEFITS_SIM_RUNS=$${BENEFITS_SIM_RUNS:-300} BENEFITS_SIM_STEPS=$${BENEFITS_SIM_STEPS:-1000} \
	  $(BIN)/python -m pytest -q -o faulthandler_timeout=0 tests/test_simulation.py -k profile

# The long profile of the fault tests (tests/faults/test_faults.py): the same
# faults on a real cluster (3 NATS nodes at R3, PostgreSQL, two ledgers, relay,
# reporting) with larger loads, each fault injected three times; prints the
# payouts posted, faults injected and seconds of each test.
faults: venv
	BENEFITS_FAULT_PROFILE=long $(BIN)/python -m pytest -q -s -o faulthandler_timeout=0 tests/faults/test_faults.py

# Every benchmark script (benchmarks/bench_*.py), one after the other; none is
# fine. Other scripts there are helpers that take arguments (e.g. profile_summary.py).
bench: venv
	@set -e; found=0; \
	for script in benchmarks/bench_*.py; do \
	  [ -f "$$script" ] || continue; \
	  found=1; echo "== $$script"; $(BIN)/python "$$script"; \
	done; \
	[ "$$found" = 1 ] || echo "no benchmarks (benchmarks/bench_*.py)"

lock: venv
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command "make lock" -o requirements.lock

# Removes the virtualenv, caches and build output. Never touches ./var (data).
clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find services tests scripts benchmarks -name __pycache__ -type d -prune -exec rm -rf {} +
	find services -maxdepth 1 -name '*.egg-info' -type d -prune -exec rm -rf {} +
