# 解纷 Jiefen. `make run` and `make test` are the two commands a fresh machine needs.
VENV    := .venv
PY      := $(VENV)/bin/python
JIEFEN  := $(VENV)/bin/jiefen
PYTEST  := $(VENV)/bin/pytest
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Days the suite must pass on whatever day it runs (JIEFEN_TEST_DATE moves the clock; tests/conftest.py)
TEST_DATES := 2026-06-15 2026-12-31 2027-02-05 2028-02-29

.PHONY: setup run test test-sqlite test-postgres test-dates test-dates-full bench bench-http bench-supervision postgres chromium clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(JIEFEN) db upgrade
	$(JIEFEN) deploy processes/*.bpmn
	$(JIEFEN) seed-demo
	$(JIEFEN) serve

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

chromium:
	@(command -v chromium >/dev/null && dpkg -s fonts-noto-cjk >/dev/null 2>&1) || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

test: setup postgres chromium
	JIEFEN_TEST_DB=sqlite $(PYTEST) -q -n 2
	JIEFEN_TEST_DB=postgres JIEFEN_TEST_PG=$(PG_TEST_URL) $(PYTEST) -q -n 2
	$(MAKE) --no-print-directory test-dates

# The procedures and services on other days (fast subset, SQLite); test-dates-full runs everything on each day.
test-dates: setup
	@for day in $(TEST_DATES); do echo "== JIEFEN_TEST_DATE=$$day"; \
	  JIEFEN_TEST_DATE=$$day JIEFEN_TEST_DB=sqlite $(PYTEST) -q -n 2 -m "not slow" tests/processes tests/services tests/engine || exit 1; done

test-dates-full: setup chromium
	@for day in $(TEST_DATES); do echo "== JIEFEN_TEST_DATE=$$day"; \
	  JIEFEN_TEST_DATE=$$day JIEFEN_TEST_DB=sqlite $(PYTEST) -q -n 2 || exit 1; done

test-sqlite: setup chromium
	JIEFEN_TEST_DB=sqlite $(PYTEST) -q

test-postgres: setup postgres chromium
	JIEFEN_TEST_DB=postgres JIEFEN_TEST_PG=$(PG_TEST_URL) $(PYTEST) -q

bench: setup postgres
	$(PY) -m bench.run --pg $(PG_TEST_URL)

bench-http: setup postgres
	$(PY) -m bench.http_inbox --pg $(PG_TEST_URL)

bench-supervision: setup postgres
	$(PY) -m bench.supervision_search --pg $(PG_TEST_URL)

clean:
	rm -rf $(VENV) node_modules instance
