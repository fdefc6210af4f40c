# pfdo — two commands: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT  # the default PUBLIC_BASE_URL in development is http://127.0.0.1:$(PORT)
export FLASK_APP := app.py

.PHONY: run test lint setup vendor assets migrate seed clean bench

# --- set-up (idempotent: each step re-runs only when its inputs change) ---------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

.stamp-python: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Front-end libraries come from npm and are copied into static/vendor/ (git-ignored).
static/vendor/.copied: node_modules/.package-lock.json
	rm -rf static/vendor && mkdir -p static/vendor/htmx static/vendor/bootstrap static/vendor/chart.js
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js static/vendor/bootstrap/
	mkdir -p static/vendor/bootstrap-icons && cp -r node_modules/bootstrap-icons/font static/vendor/bootstrap-icons/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.js/
	touch $@

vendor: static/vendor/.copied

# static/dist/: every static file under a hashed name, with .gz and .br copies (pfdo/assets.py)
assets: .stamp-python vendor
	$(BIN)/python -c 'from pfdo import assets; assets.main()'

setup: .stamp-python vendor assets

migrate: setup
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask demo seed

# --- the two commands ---------------------------------------------------------------
run: seed
	@$(BIN)/flask demo accounts
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C stops)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup lint
	bash scripts/test.sh

lint: .stamp-python
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache  # the import contracts in pyproject.toml

# Benchmarks (not part of `make test`): the search's quality on a temporary SQLite catalogue
# (recall@10 and MRR per family of queries), then on fresh PostgreSQL databases the navigator's, then
# the enrolment's (accepts under 16 clients, the enrolment pages), the monthly close's
# (close_month over 100 000 contract-months against INSERT…SELECT), the hotline's search and the
# coordinator's dashboard at 200 000 certificates and contracts; figures in bench/RESULTS.md
bench: setup
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/navigator.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/enrolment.py
	$(BIN)/python bench/close_month.py
	$(BIN)/python bench/hotline.py

clean:
	rm -rf $(VENV) node_modules static/vendor .stamp-python
