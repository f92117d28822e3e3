# Everyday commands. `make run` and `make test` set up .venv from the lock file first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The offline corpus mirror beside the project, when there is one (CI sets it too).
MIRROR := $(abspath ../shared/corpora)
ifneq ($(wildcard $(MIRROR)),)
export FRAMELENS_MIRROR ?= $(MIRROR)
endif
EXPERIMENT ?= security_coverage

.PHONY: install run test test-fast lint bench reproduce lock clean

$(BIN)/framelens: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/framelens

## the main job: the default experiment on the real AllSides corpus
run: install
	$(BIN)/framelens run experiment=$(EXPERIMENT)

## style checks and the whole test suite (what CI runs)
test: install lint
	$(BIN)/python -m pytest

## the quick subset while editing
test-fast: install
	$(BIN)/python -m pytest -m "not slow" -x -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## issue #7's side-by-side speed and memory run (~4 min; benchmarks/README.md lists the rest)
bench: install
	$(BIN)/python benchmarks/pipeline_bench.py --articles 5000

## rebuild the pinned environment from pyproject.toml (needs the package registry)
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet -e '.[dev,dask]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^framelens' > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf outputs multirun .pytest_cache .ruff_cache
