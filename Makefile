# negsim: the two commands. `make run` and `make test` bootstrap .venv on first use.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The first of these that is Python >= 3.12 (negsim needs it: Mesa 3.5 does); .python-version selects 3.12 under pyenv.
CANDIDATES := python3 python3.13 python3.12 python

# The pinned environment: every dependency at the version requirements.lock names (pip-compile
# of pyproject.toml with all its extras: $(EXTRAS); `make lock` regenerates it). `make test LOCK=`
# resolves from pyproject.toml's ranges instead (the newest versions they allow).
EXTRAS := test,dashboard,cluster
LOCK ?= requirements.lock
comma := ,

.PHONY: run test bench clean lock

$(STAMP): pyproject.toml $(LOCK)
	@py=""; for c in $(CANDIDATES); do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "negsim needs Python >= 3.12 (found: $$(python3 --version 2>&1 || echo none); tried: $(CANDIDATES)). Install one (e.g. pyenv install 3.12, or your system's python3.12 package) and run make again." >&2; exit 1; fi; \
	if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then rm -rf $(VENV); fi; \
	[ -x $(BIN)/python ] || { echo "Creating $(VENV) with $$($$py --version)"; $$py -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	@if [ -n "$(LOCK)" ]; then \
	  $(BIN)/python -m pip install --quiet -r $(LOCK) && \
	  $(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=compat; \
	else \
	  $(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" --config-settings editable_mode=compat; \
	fi
	@echo "$(LOCK)" > $(STAMP)

run: $(STAMP)  ## the default scenario (lieven_2022), 20,000 runs; outputs under outputs/
	$(BIN)/negsim $(ARGS)

# Two pytest-xdist workers; each test file stays on one worker, so a module's fixtures (one
# Monte Carlo checked by many tests) run once. PYTEST_ARGS="-n 0" runs everything in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile

test: $(STAMP)  ## the whole test suite, slow tests included
	NEGSIM_LOCKED=$(if $(LOCK),1,0) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)  ## every performance target, measured in one table (benchmarks/bench.py; writes benchmarks/results.json)
	$(BIN)/python benchmarks/bench.py $(ARGS)

lock: $(STAMP)  ## re-resolve requirements.lock from pyproject.toml (pip-tools), then reinstall from it
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --allow-unsafe $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) --strip-extras --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host --output-file requirements.lock pyproject.toml
	@rm -f $(STAMP)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
