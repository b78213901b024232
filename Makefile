# Junkan developer tasks. Every target that runs the project goes through scripts/with-env.sh,
# which loads DATABASE_URL / REDIS_URL from .local/env unless you exported your own.
# NOTE: bootstrap.sh and services.sh are called without .local/env on purpose: an exported
# DATABASE_URL / REDIS_URL tells them to use those servers instead of the local ones.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv/bin
# Parallel pytest processes (pytest-xdist): one per core unless told otherwise.
TEST_PROCESSES ?= auto
RUN := scripts/with-env.sh
APPS := cs_platform accounts journeys healthscore touchmodel content tracking webhooks calendars

.PHONY: help bootstrap services stop status demo test lint bench messages lock

help:
	@echo "make demo      set up, start services, migrate, seed demo data, run web + worker + beat"
	@echo "make test      set up (with Chromium), start services, lint, then pytest"
	@echo "make lint      ruff check, ruff format --check, mypy (informative)"
	@echo "make services  start the local PostgreSQL (54329) and Redis (63799); writes .local/env"
	@echo "make stop      stop them"
	@echo "make status    show whether they are running"
	@echo "make bench     run bench/*.py"
	@echo "make messages  update and compile the ja/en message catalogues"
	@echo "make lock      re-lock requirements/*.txt (with hashes) after a change to pyproject.toml"

bootstrap:
	scripts/bootstrap.sh

services:
	scripts/services.sh start

stop:
	scripts/services.sh stop

status:
	scripts/services.sh status

demo:
	scripts/bootstrap.sh
	scripts/services.sh start
	$(RUN) $(VENV)/python manage.py migrate
	$(RUN) $(VENV)/python manage.py seed_demo
	$(RUN) $(VENV)/honcho start -f Procfile

test:
	scripts/bootstrap.sh --with-browser
	scripts/services.sh start
	$(RUN) $(VENV)/ruff check .
	$(RUN) $(VENV)/ruff format --check .
	$(RUN) $(VENV)/lint-imports
	$(RUN) $(VENV)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder --durations=25

lint:
	$(RUN) $(VENV)/ruff check .
	$(RUN) $(VENV)/ruff format --check .
	$(RUN) $(VENV)/lint-imports
	-$(RUN) $(VENV)/mypy $(APPS)

bench:
	@shopt -s nullglob; files=(bench/bench_*.py); \
	if [[ $${#files[@]} -eq 0 ]]; then echo "bench: nothing to run yet (no bench/bench_*.py)"; exit 0; fi; \
	scripts/bootstrap.sh; \
	scripts/services.sh start; \
	$(RUN) $(VENV)/python manage.py migrate --verbosity 0; \
	for f in "$${files[@]}"; do echo "==> $$f"; $(RUN) $(VENV)/python "$$f"; done

messages:
	$(RUN) $(VENV)/python manage.py makemessages -l ja -l en --ignore=.venv --ignore=.local
	$(RUN) $(VENV)/python manage.py compilemessages --ignore=.venv --ignore=.local

LOCK := $(VENV)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	pyproject.toml

lock:
	$(LOCK) -o requirements/base.txt
	$(LOCK) --extra dev -o requirements/dev.txt
