# The member portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# make test runs the tests in this many processes (pytest-xdist), each test file whole in one.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile

.DEFAULT_GOAL := help
.PHONY: help install dev translations run test test-fast lint bench messages vendor browser clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.dev-installed: requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed ## Create .venv and install the pinned requirements

dev: $(BIN)/.dev-installed ## Install the test and lint tools too

translations: $(BIN)/.installed ## Compile the translations (English, Simplified Chinese)
	@$(BIN)/pybabel compile -d portal/translations > /dev/null

run: install translations ## Migrate the SQLite database, load the demo, serve on http://127.0.0.1:$(PORT)
	PORTAL_ENV=development $(FLASK) db upgrade
	PORTAL_ENV=development $(FLASK) seed-demo --if-empty
	PORTAL_ENV=development $(FLASK) run --host 127.0.0.1 --port $(PORT) --reload

test: dev translations ## Run every test (DATABASE_URL picks PostgreSQL)
	scripts/ensure-chromium
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: dev translations ## Every test but the browser ones
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --ignore=tests/browser $(PYTEST_ARGS)

lint: dev ## Check the code with ruff and the types with mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy portal/

bench: dev translations ## gunicorn + wrk on SQLite and PostgreSQL against hello world (BENCH_MEMBERS, BENCH_PURCHASES)
	$(BIN)/python -m scripts.bench

messages: dev ## Extract texts to translate and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i portal/translations/messages.pot -d portal/translations

vendor: ## Copy the pinned front-end packages from npm into portal/static
	npm install --no-save --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js portal/static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.jade.min.css portal/static/vendor/pico.jade.min.css
	cp node_modules/axe-core/axe.min.js tests/browser/vendor/axe.min.js

clean: ## Remove the virtual environment and the local database
	rm -rf $(VENV) instance
