# One command to try the service with demo data, one to run every test.
#   make demo   install, create the database, load the demo programme and serve it on http://127.0.0.1:5000
#   make test   install, lint, and run the whole suite on SQLite and on PostgreSQL

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 5000

.PHONY: install install-dev demo run test test-sqlite test-postgres lint chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

demo: install
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	$(BIN)/flask run --port $(PORT)

run: install
	$(BIN)/flask init-db
	$(BIN)/flask run --port $(PORT)

# Browser tests drive Debian's Chromium; install it when we can (CI runs as root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif [ -n "$$CI" ]; then echo "chromium is missing: apt-get install -y chromium" >&2; exit 1; \
	  else echo "chromium not installed: browser tests will be skipped (sudo apt-get install chromium)"; fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .

test-sqlite: install-dev chromium
	$(BIN)/python -m pytest

# PostgreSQL is required in CI; elsewhere it is used when reachable.
test-postgres: install-dev chromium
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)'.replace('+psycopg',''), connect_timeout=3).close()" 2>/dev/null; then \
	  TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/python -m pytest; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable" >&2; exit 1; \
	else echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): skipped the PostgreSQL run"; fi

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) .pytest_cache screenshots
