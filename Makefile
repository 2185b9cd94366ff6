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
## Another port: make run PORT=8001
PORT ?= 8000
HOLDFAST_SITE_URL ?= http://127.0.0.1:$(PORT)
RUN_ENV = DJANGO_DEBUG=true HOLDFAST_SITE_URL=$(HOLDFAST_SITE_URL)
run: $(STAMP)
	@$(PY) -c "import socket, sys; s = socket.socket(); \
	  sys.exit(s.connect_ex(('127.0.0.1', $(PORT))) == 0)" || { \
	  echo "Port $(PORT) is already in use (another Holdfast or another server)."; \
	  echo "Stop it, or run on another port: make run PORT=$$(( $(PORT) + 1 ))"; exit 1; }
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py seed_moderation_demo
	@mkdir -p .run
	@echo "Scheduler: manage.py advance_workflows every minute, log in .run/scheduler.log"
	@( while true; do $(RUN_ENV) $(PY) manage.py advance_workflows >> .run/scheduler.log 2>&1; \
	   sleep 60; done ) & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: the whole test suite (SQLite, or the database in DATABASE_URL), on two workers
PYTEST_ARGS ?= -n 2
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: measure Holdfast at SCALE projects (default 100,000) on PostgreSQL and write
## BENCHMARKS.md (admin change lists, the 10,000-file project's pages, the simple page over
## HTTP next to pypiserver, an upload, a restore, the scheduler, policy_report). Smaller:
## make bench SCALE=20000. Each run seeds and drops its own throwaway databases (test_<NAME>)
## and flushes Redis database BENCH_CACHE_URL. The scripts in tests/benchmarks/ also run alone.
SCALE ?= 100000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/holdfast
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/5
bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/benchmarks/run_all.py --projects $(SCALE) \
	  --cache-url $(BENCH_CACHE_URL) --command "make bench SCALE=$(SCALE)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .ruff_cache
