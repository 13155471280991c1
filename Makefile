# Set-up, run and check. Only Python 3.11 is needed; everything else is installed into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres lint typecheck unit bench devset install clean

run: $(STAMP)
	$(BIN)/storybot run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict bot handlers store
	$(BIN)/lint-imports
	$(BIN)/pytest -q

# The pytest suite again on PostgreSQL: TEST_DATABASE_URL names a database the tests may wipe.
test-postgres: $(STAMP)
	@test -n "$(TEST_DATABASE_URL)" || { echo "set TEST_DATABASE_URL=postgresql+asyncpg://user:password@host/db"; exit 1; }
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -q

# The latency benchmark empties this database's public schema for each size, the fan-out
# benchmark for each run.
BENCH_POSTGRES_URL ?= postgresql+asyncpg://storybot:storybot@127.0.0.1:5432/sb_bench
FANOUT_SENDERS := python -m benchmarks.fanout --senders 2 --subscribers 20000 --scale 20
bench: $(STAMP)
	$(BIN)/python -m benchmarks.ingest
	$(BIN)/python -m benchmarks.handlers
	$(BIN)/python -m benchmarks.quotes
	$(BIN)/python -m benchmarks.latency
	$(BIN)/python -m benchmarks.latency --database-url $(BENCH_POSTGRES_URL)
	$(BIN)/python -m benchmarks.fanout
	$(BIN)/$(FANOUT_SENDERS) --database-url $(BENCH_POSTGRES_URL)
	$(BIN)/$(FANOUT_SENDERS) --database-url $(BENCH_POSTGRES_URL) --kill-at 0.4

# Score the pipeline against a labelled development set (not part of the test run).
DEVSET ?= ../shared/devset
devset: $(STAMP)
	rm -f data/devset.db
	DATABASE_URL=sqlite+aiosqlite:///data/devset.db $(BIN)/storybot ingest seeds $(DEVSET)/articles $(DEVSET)/offtopic || true
	DATABASE_URL=sqlite+aiosqlite:///data/devset.db $(BIN)/storybot export > data/devset-export.json
	$(BIN)/python $(DEVSET)/score.py data/devset-export.json

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
