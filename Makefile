# meshaws: `make run` starts the whole app on embedded defaults, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install lint migrate clean bench

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[sandbox,dev,dhall]'
	@touch $(INSTALLED)

install: $(INSTALLED)

# Development defaults: DEBUG on (development secret and encryption keys), SQLite and the
# embedded Redis under var/, the sandbox AWS emulator on 127.0.0.1:5010 (its state in
# var/sandbox/), the web server on 127.0.0.1:MESHAWS_PORT (8000 unless
# MESHAWS_PORT says otherwise: make run MESHAWS_PORT=8080).
# The message reads the port as honcho gives it to `web` (.env over the environment).
run: export DJANGO_DEBUG ?= true
run: $(INSTALLED)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	@$(BIN)/python manage.py create_first_operator
	@$(BIN)/honcho run sh -c 'echo "Starting meshaws at http://127.0.0.1:$${MESHAWS_PORT:-8000}/ (Ctrl-C stops everything)"'
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

migrate: export DJANGO_DEBUG ?= true
migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput

lint: $(INSTALLED)
	$(BIN)/ruff check .

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto --dist loadfile

# Benchmarks (bench/, figures in docs/performance.md): PostgreSQL on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379 must run; options pass through, e.g. make bench BENCH_ARGS="--scale 0.1".
BENCH_INSTALLED := $(VENV)/.installed-bench
$(BENCH_INSTALLED): pyproject.toml $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[sandbox,dev,dhall,bench]'
	@touch $(BENCH_INSTALLED)

bench: $(BENCH_INSTALLED)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
