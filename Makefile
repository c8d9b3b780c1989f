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

.PHONY: setup run test test-browser lint check-deploy messages seed clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    set up, load demo data, start web + worker + beat on http://127.0.0.1:$(PORT)"
	@echo "make test   set up, run the whole test suite on the embedded default (SQLite + filesystem broker)"
	@echo "make setup  only the bootstrap (venv from uv.lock, migrations); fast when nothing changed"

$(BOOTSTRAP)/bin/uv:
	@echo "uv not found: installing it with pip into $(BOOTSTRAP)"
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/pip install --quiet uv

# Re-synced only when the lock file changes.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced
	@mkdir -p var
	@$(MANAGE) migrate --no-input -v 0
	@$(MANAGE) createcachetable -v 0

run: setup
	@SITE_URL=http://127.0.0.1:$(PORT) $(MANAGE) seed_demo
	@echo "Starting web, Celery worker and beat (Ctrl-C stops all three)…"
	@PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: setup
	$(VENV)/bin/pytest --ds=config.settings.test

test-browser: setup
	$(VENV)/bin/pytest --ds=config.settings.test -m browser

lint: setup
	$(VENV)/bin/ruff check .

check-deploy: setup
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(openssl rand -hex 40 2>/dev/null || echo check-only-$$RANDOM$$RANDOM-0123456789abcdefghijklmnopqrstuvwxyzABCDEF) \
	  DATABASE_URL=sqlite:///var/check.sqlite3 CELERY_BROKER_URL=redis://127.0.0.1:6379/0 DJANGO_ALLOWED_HOSTS=portal.example \
	  $(MANAGE) check --deploy --fail-level WARNING

# Regenerate the Vietnamese catalogue: our strings plus the allauth screens we show.
messages: setup
	$(MANAGE) makemessages -l vi --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests
	msgcat --use-first locale/vi/LC_MESSAGES/django.po locale/vi/allauth.po -o locale/vi/LC_MESSAGES/django.po
	$(MANAGE) compilemessages -l vi --ignore=.venv

clean:
	rm -rf var $(VENV)
