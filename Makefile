# Two entry points, each working on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run app test chromium lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,app,calibrate]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/trucesim run scenarios/april-2024.toml

# the browser app at http://127.0.0.1:8765/ (Ctrl-C stops it)
app: $(STAMP)
	$(BIN)/trucesim app scenarios/april-2024.toml

# Debian's chromium, for the browser test (tests/test_app.py); Playwright's own browser download is not used
chromium:
	@command -v chromium >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else echo "make: chromium is missing: the browser test is skipped (sudo apt-get install chromium)"; fi; }

# the suite, then lint, format and types: one command for a contributor and for CI
# (worksteal: a worker that runs out of tests takes some of the other's, so no long test waits at the end)
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 --dist worksteal -q
	$(MAKE) --no-print-directory lint

lint: $(STAMP)
	$(BIN)/ruff check trucesim tests benchmarks
	$(BIN)/ruff format --check trucesim tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format trucesim tests benchmarks
	$(BIN)/ruff check --fix trucesim tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache build *.egg-info
