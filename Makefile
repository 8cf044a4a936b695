# The two commands of the README: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "aftershock needs Python >= 3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m aftershock.sim.warmup
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/aftershock scenarios
	@$(BIN)/aftershock validate ocs-2022
	@$(BIN)/aftershock impact coop-kaseya-2021
	@$(BIN)/aftershock simulate ocs-2022 --replications 50 --seed 7
	@$(BIN)/aftershock simulate grocer-3dc --replications 20 --seed 7

test: $(STAMP)
	bash .ci/system-packages
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest --junitxml=$(VENV)/junit.xml

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

docs: $(STAMP)
	$(BIN)/python -m aftershock.docs_gen

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
