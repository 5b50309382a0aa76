# Infusionist: every command a clinic owner or developer needs. `make help` lists them.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
PORT ?= 8000
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
PG_PORT ?= $(or $(shell pg_lsclusters --no-header 2>/dev/null | awk 'NR==1{print $$3}'),5432)
PG_TEST_URL ?= postgres://infusionist:infusionist@127.0.0.1:$(PG_PORT)/infusionist

# Settings for every test stage: no HTTPS redirect on the test client, per-process cache,
# no hashed static manifest (no collectstatic needed), the real MFA requirement.
TEST_ENV := SECRET_KEY=test-only-not-secret HTTPS=false CACHE_BACKEND=locmem \
	PLAIN_STATIC_STORAGE=true MFA_REQUIRED=true
# The demo: its own SQLite file, and messages written to var/outbox/ (read at /demo/outbox/).
DEMO_DB := var/infusionist.sqlite3
DEMO_ENV = SECRET_KEY="$$(cat var/secret_key)" HTTPS=false MFA_REQUIRED=false \
	SITE_URL=http://127.0.0.1:$(PORT) DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) \
	DEMO_MODE=true DEMO_OUTBOX_DIR=$(CURDIR)/var/outbox \
	EMAIL_BACKEND=infusionist.demo.outbox.EmailBackend SMS_BACKEND=infusionist.demo.outbox.SmsBackend \
	TASKS_BACKEND=django_tasks_db.DatabaseBackend

.PHONY: help venv translations demo demo-reset serve test test-sqlite test-postgres test-browser \
	lint format typecheck bench clean migrations-check clinical-reference

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt scripts/install-opentiva.sh
	@test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	VENV=$(VENV) scripts/install-opentiva.sh
	@touch $@

venv: $(BIN)/.installed translations ## Create .venv, install the pinned dependencies, compile translations

translations: $(BIN)/.installed ## Compile locale/*/LC_MESSAGES/*.po to .mo (pure Python, no gettext)
	@$(PYTHON) -m infusionist.i18n compile

var/secret_key:
	@mkdir -p var
	@$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

demo: venv var/secret_key ## Migrate an SQLite demo under var/, seed it, serve on 127.0.0.1:$(PORT) with the worker
	@echo "== demo database $(DEMO_DB): migrating, collecting static files, seeding"
	@$(DEMO_ENV) $(PYTHON) manage.py migrate --noinput -v0
	@$(DEMO_ENV) $(PYTHON) manage.py collectstatic --noinput -v0
	@$(DEMO_ENV) $(PYTHON) manage.py seed_demo
	@echo "Serving http://127.0.0.1:$(PORT) with the background worker beside it"
	@echo "(Ctrl-C stops both; make demo-reset starts over). Each request is logged below."
	@$(DEMO_ENV) scripts/serve-demo.sh $(BIN) $(PORT) $(WORKERS)

demo-reset: ## Start the demo over: a clean database and an empty outbox, re-seeded and served
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	rm -rf var/outbox
	@$(MAKE) --no-print-directory demo

test: venv ## The whole suite: lint, migrations, SQLite, PostgreSQL, browser
	scripts/provision-test-env.sh
	@$(MAKE) --no-print-directory lint migrations-check typecheck
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres
	@$(MAKE) --no-print-directory test-browser

migrations-check:
	$(TEST_ENV) $(PYTHON) manage.py makemigrations --check --dry-run

test-sqlite: venv ## Unit and integration tests on SQLite
	@echo "== tests on SQLite =="
	$(TEST_ENV) DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -m "not browser"

test-postgres: venv ## The same tests on PostgreSQL
	@echo "== tests on PostgreSQL =="
	$(TEST_ENV) DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -m "not browser"

test-browser: venv ## Browser tests in Debian's Chromium through Playwright
	@echo "== browser tests (Chromium) =="
	$(TEST_ENV) DJANGO_ALLOW_ASYNC_UNSAFE=true DATABASE_URL=sqlite:///var/test.sqlite3 \
		$(BIN)/pytest -m browser tests/e2e

lint: venv ## ruff lint and format check; import-linter checks the layer order
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: venv ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: venv ## mypy with django-stubs
	$(TEST_ENV) $(BIN)/mypy infusionist

PG_BENCH_URL ?= postgres://infusionist:infusionist@127.0.0.1:$(PG_PORT)/infusionist_bench

bench: venv ## Benchmarks in bench/ (numbers go to bench/*.md)
	scripts/provision-test-env.sh
	-@PGPASSWORD=infusionist createdb -h 127.0.0.1 -p $(PG_PORT) -U infusionist infusionist_bench 2>/dev/null
	@for f in bench/bench_*.py; do echo "== $$f"; \
		$(TEST_ENV) DATABASE_URL=$(PG_BENCH_URL) $(PYTHON) $$f || exit 1; done

clinical-reference: venv ## Write docs/clinical-reference.md from infusionist/lib (sources, facts)
	$(PYTHON) -m infusionist.lib.clinical_reference > docs/clinical-reference.md

clean:
	rm -rf var/static var/test.sqlite3 .pytest_cache .mypy_cache .ruff_cache
