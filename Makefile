# `make demo`: a working demo city on 127.0.0.1:8050 with a live feed (`make demo SIMULATE=0`: without).
# `make test`: lint and the whole suite.
# Both create (or reuse) .venv and install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { .ci/system-deps venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/antifraud demo $(if $(filter 0 no,$(SIMULATE)),--no-simulate)

system-deps:
	.ci/system-deps browser

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports  # the layers (pyproject.toml [tool.importlinter])

# the suite waits on Chromium, PostgreSQL and its servers more than it computes (measured: 1.3 of the
# 2 cores busy with 4 workers), so it runs three workers per core; TEST_WORKERS=0: one process
TEST_WORKERS ?= 6

test: $(VENV)/.installed system-deps lint
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=20

clean:
	rm -rf $(VENV) instance .pytest_cache
