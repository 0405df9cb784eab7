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

# the suite waits on Chromium and PostgreSQL about as much as it computes, so it runs two workers
# per core of the CI machine's two (6 measured no faster); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= 4

test: $(VENV)/.installed system-deps lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal --durations=20

clean:
	rm -rf $(VENV) instance .pytest_cache
