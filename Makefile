# negsim: the two commands. `make run` and `make test` bootstrap .venv on first use.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The first of these that is Python >= 3.12 (Mesa 3.5 needs it); .python-version selects 3.12 under pyenv.
CANDIDATES := python3 python3.13 python3.12 python

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	@py=""; for c in $(CANDIDATES); do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "negsim: no Python >= 3.12 found (tried: $(CANDIDATES)); Mesa 3.5 needs 3.12 or newer. Install one (e.g. pyenv install 3.12)." >&2; exit 1; fi; \
	if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then rm -rf $(VENV); fi; \
	[ -x $(BIN)/python ] || { echo "Creating $(VENV) with $$($$py --version)"; $$py -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" --config-settings editable_mode=compat
	@touch $(STAMP)

run: $(STAMP)  ## the default scenario (lieven_2022), 20,000 runs; outputs under outputs/
	$(BIN)/negsim $(ARGS)

# Two pytest-xdist workers; each test file stays on one worker, so a module's fixtures (one
# Monte Carlo checked by many tests) run once. PYTEST_ARGS="-n 0" runs everything in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile

test: $(STAMP)  ## the whole test suite, slow tests included
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)  ## every performance target, measured in one table (benchmarks/bench.py; writes benchmarks/results.json)
	$(BIN)/python benchmarks/bench.py $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
