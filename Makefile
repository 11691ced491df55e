# Vicinato: `make run` serves the demo city, `make test` runs every test. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Development: DEBUG on unless set, so that without SECRET_KEY a random key is made once in the data folder
# (var/secret_key). A server with DEBUG=0 does not start without SECRET_KEY.
setup messages run worker migrations-check: export DEBUG ?= 1

.PHONY: run test setup assets lint migrations-check messages serve clean browsers worker system-run system-test bench

$(BIN)/vicinato: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages (gettext, Node.js and npm; Chromium for the tests; wrk for the benchmarks), installed when missing.
system-run:
	@sh scripts/system-packages.sh run

system-test:
	@sh scripts/system-packages.sh test

node_modules/.package-lock.json: package.json package-lock.json | system-run
	npm ci --no-audit --no-fund --loglevel=error

src/vicinato/static/vendor/.built: node_modules/.package-lock.json scripts/build_assets.py
	$(BIN)/python scripts/build_assets.py
	touch $@

assets: src/vicinato/static/vendor/.built

messages: $(BIN)/vicinato | system-run
	cd src/vicinato && ../../$(BIN)/vicinato compilemessages --verbosity 0

setup: $(BIN)/vicinato assets messages
	$(BIN)/vicinato migrate --verbosity 0
	$(BIN)/vicinato createcachetable

# The demo sends its e-mails (to the console) as it goes, with no worker to start.
run: export TASKS_BACKEND ?= immediate
run: setup
	$(BIN)/vicinato demo
	@echo "Serving the demo city on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/vicinato runserver $(HOST):$(PORT)

# Sends the queued e-mails (background tasks); run it next to the server.
worker: setup
	$(BIN)/vicinato db_worker

# Every test: those without a browser in two processes (pytest-xdist, one per core; each has its own data folder and
# database), then the browser journeys in one (one Chromium, a live server).
test: system-test $(BIN)/vicinato assets messages
	$(BIN)/python scripts/fetch_osm_samples.py
	$(BIN)/pytest -n 2 --ignore=tests/browser
	$(BIN)/pytest tests/browser

# Every benchmark, one JSON document each in artifacts/benchmarks/ (wrk installed when missing).
bench: setup
	@sh scripts/system-packages.sh bench
	mkdir -p artifacts/benchmarks
	for script in benchmarks/[a-z]*.py; do \
		name=$$(basename $$script .py); echo "== $$name"; \
		$(BIN)/python $$script > artifacts/benchmarks/$$name.json || exit 1; \
	done

lint: $(BIN)/vicinato
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_imports_in_functions.py
	$(BIN)/python scripts/check_module_sizes.py

migrations-check: $(BIN)/vicinato
	$(BIN)/vicinato makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules src/vicinato/static/vendor var
