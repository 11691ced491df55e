# Vicinato: `make run` serves the demo city, `make test` runs every test. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup assets lint migrations-check messages serve clean browsers worker

$(BIN)/vicinato: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

src/vicinato/static/vendor/.built: node_modules/.package-lock.json scripts/build_assets.py
	$(BIN)/python scripts/build_assets.py
	touch $@

assets: src/vicinato/static/vendor/.built

messages: $(BIN)/vicinato
	cd src/vicinato && ../../$(BIN)/vicinato compilemessages --verbosity 0

setup: $(BIN)/vicinato assets messages
	$(BIN)/vicinato migrate --verbosity 0

# The demo sends its e-mails (to the console) as it goes, with no worker to start.
run: export TASKS_BACKEND ?= immediate
run: setup
	$(BIN)/vicinato demo
	@echo "Serving the demo city on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/vicinato runserver $(HOST):$(PORT)

# Sends the queued e-mails (background tasks); run it next to the server.
worker: setup
	$(BIN)/vicinato db_worker

test: $(BIN)/vicinato assets messages
	$(BIN)/python scripts/fetch_osm_samples.py
	$(BIN)/pytest

lint: $(BIN)/vicinato
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

migrations-check: $(BIN)/vicinato
	$(BIN)/vicinato makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules src/vicinato/static/vendor var
