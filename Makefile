# The two commands of README.md. Each sets itself up: virtual environment, install, database.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## run: Holdfast with demo data on SQLite at http://127.0.0.1:8000 (admin at /admin/),
## with the scheduler (advance_workflows) running every minute in the background.
run: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	DJANGO_DEBUG=true $(PY) manage.py seed_moderation_demo
	@mkdir -p .run
	@echo "Scheduler: manage.py advance_workflows every minute, log in .run/scheduler.log"
	@( while true; do DJANGO_DEBUG=true $(PY) manage.py advance_workflows >> .run/scheduler.log 2>&1; \
	   sleep 60; done ) & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole test suite (SQLite, or the database in DATABASE_URL), on two workers
PYTEST_ARGS ?= -n 2
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: print timings of the hottest pages (PostgreSQL; a throwaway database is created)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/holdfast
bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/benchmarks/bench_simple_page.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/benchmarks/bench_advance_workflows.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .ruff_cache
