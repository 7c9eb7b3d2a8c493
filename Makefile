# One command to try the service with demo data, one to run every test.
#   make demo   install, create the database, load the demo programme and serve it on http://127.0.0.1:5000
#               (make demo PORT=5077 serves on 5077, and links in e-mails and feeds point there too)
#   make bench  measure the service under load at 300 and 3,000 teams (PostgreSQL and wrk; see README)
#   make test   install, lint, and run the whole suite on SQLite and on PostgreSQL, then again (browser
#               tests aside) with the clock moved years ahead into the repeated hour of a UK clock change

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 5000
# The address links in e-mails, calendar feeds and sign-in redirects point at: the server `make demo` and
# `make run` start (on PORT), unless BASE_URL is set in the environment or on the command line.
SERVE_URL = $(or $(BASE_URL),http://127.0.0.1:$(PORT))
# The suite must give the same answer on any day: it is run again at this moment too (UK time). Inside
# the hour the clocks go back, years ahead, so dates written into tests that quietly pass today show up.
FAKE_NOW ?= 2028-10-29 01:30:00
# Each run of the suite is spread over two processes by pytest-xdist, one per core of a CI machine
# (TEST_WORKERS=auto for one per core here, TEST_WORKERS=0 for a single process); work stealing keeps them
# busy to the end. Under xdist each worker has a PostgreSQL database of its own, TEST_DATABASE_URL's with
# the worker's name added (test_gw0, test_gw1, ...; see tests/plugin.py).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

.PHONY: install install-dev demo run test test-sqlite test-postgres test-any-day lint chromium faketime oidc-provider wrk bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

demo: install
	$(BIN)/flask init-db
	BASE_URL='$(SERVE_URL)' $(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop); links in e-mails and feeds use $(SERVE_URL)"
	BASE_URL='$(SERVE_URL)' $(BIN)/flask run --port $(PORT)

run: install
	$(BIN)/flask init-db
	BASE_URL='$(SERVE_URL)' $(BIN)/flask run --port $(PORT)

# Browser tests drive Debian's Chromium; install it when we can (CI runs as root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif [ -n "$$CI" ]; then echo "chromium is missing: apt-get install -y chromium" >&2; exit 1; \
	  else echo "chromium not installed: browser tests will be skipped (sudo apt-get install chromium)"; fi; \
	fi

# The council sign-in tests run a real OpenID provider under Node.js 20 (tests/rosters/oidc_provider/);
# install its pinned packages. CI has node and npm; elsewhere, without them, those tests are skipped.
OIDC_PROVIDER := tests/rosters/oidc_provider
oidc-provider:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
	  if [ ! -d $(OIDC_PROVIDER)/node_modules/oidc-provider ]; then \
	    (cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error); \
	  fi; \
	elif [ -n "$$CI" ]; then echo "node and npm are missing: the council sign-in tests need Node.js 20" >&2; exit 1; \
	else echo "node/npm not installed: the council sign-in tests will be skipped (install Node.js 20)"; fi

# Moves the clock for a whole process (and its children); Debian's libfaketime.
faketime:
	@if ! command -v faketime >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	  elif [ -n "$$CI" ]; then echo "faketime is missing: apt-get install -y faketime" >&2; exit 1; \
	  else echo "faketime not installed: the run with the clock moved ahead will be skipped (sudo apt-get install faketime)"; fi; \
	fi

# The load generator for `make bench`; Debian's wrk.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi; \
	fi

# A measurement, not a test (not part of `make test`): seeds 300 and 3,000 synthetic teams in PostgreSQL
# databases of its own (BENCH_DATABASE_URL prefix, default .../bench: bench300 and bench3000), serves the
# service and a yardstick page under gunicorn and prints each goal's PASS or FAIL. See README, "Benchmark".
bench: install wrk
	$(BIN)/python -m reports.loadtest

lint: install-dev
	$(BIN)/ruff check .

test-sqlite: install-dev chromium oidc-provider
	$(PYTEST)

# PostgreSQL is required in CI; elsewhere it is used when reachable.
test-postgres: install-dev chromium oidc-provider
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)'.replace('+psycopg',''), connect_timeout=3).close()" 2>/dev/null; then \
	  TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(PYTEST); \
	elif [ -n "$$CI" ]; then echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable" >&2; exit 1; \
	else echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): skipped the PostgreSQL run"; fi

# Browser tests are left out: Chromium keeps its own clock. The monotonic clock is left alone (faked, every
# timed wait on a lock hangs), and tests/any_day/sitecustomize.py routes Python's sleeps through select(),
# which libfaketime 0.9.10 leaves working; see that file.
test-any-day: install-dev faketime oidc-provider
	@if command -v faketime >/dev/null; then \
	  echo "Running the suite at $(FAKE_NOW) Europe/London"; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH="$(CURDIR)/tests/any_day" TZ=Europe/London \
	    faketime '$(FAKE_NOW)' $(PYTEST) -m "not browser"; \
	fi

test: lint test-sqlite test-postgres test-any-day

clean:
	rm -rf $(VENV) .pytest_cache screenshots
