# Privacy Portal: two commands for newcomers (`make run`, `make test`), one for setup.
# Needs only Python 3.11+ and make; uv is installed with pip if it is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BOOTSTRAP := var/uv-bootstrap
UV := $(shell command -v uv 2>/dev/null || echo $(BOOTSTRAP)/bin/uv)
MANAGE := $(VENV)/bin/python manage.py
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: setup run test test-fast test-clock test-browser lint check-deploy messages clean help
.DEFAULT_GOAL := help

help:
	@echo "make run           set up, load demo data, start web + worker + beat on http://127.0.0.1:$(PORT)"
	@echo "make test          set up, run the whole test suite on the embedded default (SQLite + filesystem broker)"
	@echo "make test-fast     the suite without a real worker or a browser (the quick lane)"
	@echo "make test-clock CLOCK=2026-12-31T23:59:30Z   the quick lane with every test starting at that instant"
	@echo "make test-browser  only the Chromium tests"
	@echo "make setup         only the bootstrap (venv from uv.lock, migrations); fast when nothing changed"
	@echo "make lint          ruff, the import contracts (layer order, no cycles) and mypy"
	@echo "make check-deploy  Django's deployment checks on the production settings"
	@echo "make messages      regenerate and compile the Vietnamese catalogue (needs gettext)"
	@echo "make clean         remove var/ and .venv"

$(BOOTSTRAP)/bin/uv:
	@echo "uv not found: installing it with pip into $(BOOTSTRAP)"
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/pip install --quiet uv

# Re-synced only when the lock file changes. Compiled to bytecode once, here: where
# PYTHONDONTWRITEBYTECODE is set (as on our CI machines) Python would otherwise compile
# Django, Celery and the rest from source in every process it starts, about 4 s each, and
# the suite starts hundreds (Celery workers, manage.py checks, gunicorn).
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced
	@mkdir -p var
	@$(VENV)/bin/python -m compileall -q -j 0 apps config >/dev/null
	@$(MANAGE) migrate --no-input -v 0

run: setup
	@SITE_URL=http://127.0.0.1:$(PORT) $(MANAGE) seed_demo
	@echo "Starting web, Celery worker and beat (Ctrl-C stops all three)…"
	@PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: setup
	$(VENV)/bin/pytest --ds=config.settings.test

FAST := -m "not worker and not browser"

test-fast: setup
	$(VENV)/bin/pytest --ds=config.settings.test $(FAST)

# Late evenings, month and year ends, 29 February and clock changes, on purpose (tests/plugins/clock.py).
test-clock: setup
	@test -n "$(CLOCK)" || { echo "give an instant: make test-clock CLOCK=2026-12-31T23:59:30Z"; exit 2; }
	$(VENV)/bin/pytest --ds=config.settings.test $(FAST) --clock $(CLOCK)

test-browser: setup
	$(VENV)/bin/pytest --ds=config.settings.test -m browser

# Style, the architecture's import contracts (pyproject.toml) and the types.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy apps config

check-deploy: setup
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(openssl rand -hex 40 2>/dev/null || echo check-only-$$RANDOM$$RANDOM-0123456789abcdefghijklmnopqrstuvwxyzABCDEF) \
	  PSEUDONYM_KEY=$$(openssl rand -hex 40 2>/dev/null || echo pseudonym-only-$$RANDOM$$RANDOM-0123456789abcdefghijklmnopqrstuvwxyzABCDEF) \
	  DJANGO_TRUSTED_PROXY_COUNT=1 \
	  DATABASE_URL=sqlite:///var/check.sqlite3 CELERY_BROKER_URL=redis://127.0.0.1:6379/0 DJANGO_ALLOWED_HOSTS=portal.example SITE_URL=https://portal.example \
	  $(MANAGE) check --deploy --fail-level WARNING

# Regenerate the Vietnamese catalogue: our strings plus the allauth screens we show.
messages: setup
	$(MANAGE) makemessages -l vi --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests
	msgcat --use-first locale/vi/LC_MESSAGES/django.po locale/vi/allauth.po -o locale/vi/LC_MESSAGES/django.po
	$(MANAGE) compilemessages -l vi --ignore=.venv

clean:
	rm -rf var $(VENV)
