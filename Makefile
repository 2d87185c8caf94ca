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

.PHONY: venv up test protos protos-check lint bench lock clean

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
